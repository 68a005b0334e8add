using System.Collections.Concurrent;
using System.Diagnostics;
using DeepSeekWatch.Contracts;
using DeepSeekWatch.Hosting;
using DeepSeekWatch.IntegrationTests.Chaos;
using DeepSeekWatch.Pipeline;
using DeepSeekWatch.Replay;
using DeepSeekWatch.Tests.Support;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace DeepSeekWatch.IntegrationTests.Scale;

/// <summary>
/// Issue 9's proof: three <c>deepseekwatch run --role detector</c> processes share K partition queues (single active
/// consumer each) on one real RabbitMQ and Redis; the tape of every watched symbol is published from outside, as the
/// pollers would; the process active on the partitions is killed with SIGKILL mid-stream; the alerts stored are still
/// exactly the single-instance (embedded) replay's — same ids, same content, none lost, none duplicated.
/// </summary>
[Collection(nameof(ServersCollection))]
public sealed class DetectorFailoverTests(ITestOutputHelper output)
{
    private const int Partitions = 6;
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(3);
    private readonly Servers _servers = Servers.Instance;

    private Dictionary<string, string?> Settings(string vhost, string prefix) => new()
    {
        ["Bus:Transport"] = "rabbitmq",
        ["Store:Kind"] = "redis",
        ["Bus:RabbitMq:Host"] = _servers.RabbitHost,
        ["Bus:RabbitMq:Port"] = _servers.RabbitPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Bus:RabbitMq:VirtualHost"] = vhost,
        ["Store:Redis:Configuration"] = _servers.RedisConfiguration,
        ["Store:Redis:KeyPrefix"] = prefix,
        ["Scale:Partitions"] = Partitions.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Sources:Enabled"] = "false",
    };

    [Fact]
    public async Task Three_detector_processes_give_the_single_instance_alerts_even_when_the_active_one_is_killed_mid_stream()
    {
        var expected = await Cli.ReplayAsync(Repo.SampleTape);
        var vhost = _servers.CreateVirtualHost($"failover-{Guid.NewGuid():N}");
        var prefix = $"f{Guid.NewGuid():N}:";
        var settings = Settings(vhost, prefix);
        var events = TapeReader.ReadFile(Repo.SampleTape).Events;

        var detectors = new List<Detector>();
        try
        {
            // Started one after the other: the first to subscribe is the active consumer of every partition.
            for (var i = 0; i < 3; i++)
                detectors.Add(await Detector.StartAsync(i, settings, Bound));

            using var publisher = BuildPublisher(settings);
            await publisher.StartAsync();
            var bus = publisher.Services.GetRequiredService<IBus>();
            var classify = publisher.Services.GetRequiredService<IHeadlineClassification>();
            using var redis = await ConnectionMultiplexer.ConnectAsync(_servers.RedisConfiguration);

            var half = events.Count / 2;
            await PublishAsync(bus, classify, events.Take(half));
            // Mid-stream: the active process has logged (and so consumed) a good part of the first half.
            await ChaosServers.WaitUntilAsync(async () => await LoggedAsync(redis, prefix) >= half / 2, Bound, "the active detector to consume the first events");
            var before = await LoggedAsync(redis, prefix);
            detectors[0].Kill();
            output.WriteLine($"killed detector 0 after {before} logged events ({half} of {events.Count} events published)");

            await PublishAsync(bus, classify, events.Skip(half));
            await bus.Publish(new ClockAdvanced(events[^1].Time.AddDays(1), Replay: true));

            // Done when the store holds exactly the expected alerts (or the bound passes and the verdict says why not).
            ChaosVerdict verdict = null!;
            try
            {
                await ChaosServers.WaitUntilAsync(async () => (verdict = await AlertSetChecker.CheckRedisAsync(_servers.RedisConfiguration, prefix, expected)).Clean, Bound, "the stored alerts to equal the single-instance replay's");
            }
            catch (TimeoutException)
            {
            }
            output.WriteLine(verdict.ToString());
            foreach (var d in verdict.Differences)
                output.WriteLine(d);
            Assert.True(verdict.Clean, verdict.ToString());
            Assert.True(await LoggedAsync(redis, prefix) > before, "nothing was consumed after the kill");
            // The standby that took over rebuilt the partitions' state from their logs before consuming.
            var survivors = string.Join('\n', detectors.Skip(1).SelectMany(d => d.Lines));
            Assert.Contains("rebuilt from", survivors, StringComparison.Ordinal);
            await publisher.StopAsync();
        }
        finally
        {
            foreach (var d in detectors)
                d.Dispose();
            foreach (var d in detectors)
                output.WriteLine($"--- detector {d.Index}\n" + string.Join('\n', d.Lines.Where(l => l.Contains("Engine", StringComparison.Ordinal) || l.Contains("fail", StringComparison.OrdinalIgnoreCase)).Take(40)));
        }
    }

    private static IHost BuildPublisher(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddDeepSeekWatchPipeline(builder.Configuration, new PipelineSettings { Consumers = false, Notify = false });
        return builder.Build();
    }

    /// <summary>
    /// Publishes in tape order, one confirmed message at a time, headlines already classified (as the classifier
    /// endpoint would), so every partition queue receives its events in tape order, as a replay's barrier ensures.
    /// </summary>
    private static async Task PublishAsync(IBus bus, IHeadlineClassification classify, IEnumerable<TapeEvent> events)
    {
        foreach (var e in events)
        {
            switch (e)
            {
                case TapeEvent.Bar b:
                    await bus.Publish(b.Value);
                    break;
                case TapeEvent.Headline h when classify.Classify(h.Value).Ai is { } ai:
                    await bus.Publish(ai);
                    break;
            }
        }
    }

    private static async Task<long> LoggedAsync(ConnectionMultiplexer redis, string prefix)
    {
        var db = redis.GetDatabase();
        long n = 0;
        for (var p = 0; p < Partitions; p++)
            n += await db.StreamLengthAsync($"{prefix}engine:detector-{Partitions}-{p}:log");
        return n;
    }

    /// <summary>A <c>deepseekwatch run --role detector</c> child process (the built dll beside the tests).</summary>
    private sealed class Detector : IDisposable
    {
        private readonly Process _process;

        private Detector(int index, Process process)
        {
            Index = index;
            _process = process;
        }

        public int Index { get; }

        public ConcurrentQueue<string> Lines { get; } = new();

        public static async Task<Detector> StartAsync(int index, Dictionary<string, string?> settings, TimeSpan bound)
        {
            var dll = Path.Combine(AppContext.BaseDirectory, "deepseekwatch.dll");
            Assert.True(File.Exists(dll), $"{dll} is missing");
            var port = Servers.FreePort();
            var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in (string[])[dll, "run", "--role", "detector", "--urls", $"http://127.0.0.1:{port}"])
                info.ArgumentList.Add(a);
            foreach (var (k, v) in settings)
            {
                info.ArgumentList.Add("--set");
                info.ArgumentList.Add($"{k}={v}");
            }
            var detector = new Detector(index, Process.Start(info)!);
            detector._process.OutputDataReceived += (_, e) => { if (e.Data is not null) detector.Lines.Enqueue(e.Data); };
            detector._process.ErrorDataReceived += (_, e) => { if (e.Data is not null) detector.Lines.Enqueue(e.Data); };
            detector._process.BeginOutputReadLine();
            detector._process.BeginErrorReadLine();
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            await ChaosServers.WaitUntilAsync(async () =>
            {
                Assert.False(detector._process.HasExited, $"detector {index} exited: {string.Join('\n', detector.Lines)}");
                try
                {
                    return (await http.GetAsync(new Uri($"http://127.0.0.1:{port}/health/ready"))).IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            }, bound, $"detector {index} to be ready");
            return detector;
        }

        public void Kill()
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        public void Dispose()
        {
            if (!_process.HasExited)
                Kill();
            _process.Dispose();
        }
    }
}
