using System.Diagnostics;
using DeepSeekWatch.Replay;
using DeepSeekWatch.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace DeepSeekWatch.IntegrationTests.Chaos;

/// <summary>
/// The service itself falls over: kill -9 of a <c>deepseekwatch replay</c> child process mid-stream, and a graceful
/// stop (what SIGTERM triggers in the generic host) under load. The at-least-once contract checked: what RabbitMQ
/// confirmed survives in its quorum queues and a restarted process finishes it; the detector's state is in memory, so
/// the restarted producer replays the tape again and the idempotent store makes the end state exactly the expected set.
/// </summary>
[Collection(nameof(ChaosCollection))]
public sealed class ChaosProcessTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(2);

    /// <summary>Replay pace of the interrupted runs: 200,000 × the tape's own, about 65 s for the sample's five months.</summary>
    private const double Pace = 200_000;

    private static string[] Args(ChaosServers s, string vhost, string prefix) =>
    [
        "--transport", "rabbitmq", "--store", "redis",
        "--set", "Bus:RabbitMq:Host=127.0.0.1",
        "--set", $"Bus:RabbitMq:Port={s.RabbitPort}",
        "--set", $"Bus:RabbitMq:VirtualHost={vhost}",
        "--set", $"Store:Redis:Configuration={s.RedisConfiguration}",
        "--set", $"Store:Redis:KeyPrefix={prefix}",
    ];

    private static async Task<long> StoredAsync(string redis, string prefix)
    {
        using var r = await ConnectionMultiplexer.ConnectAsync(redis);
        return await r.GetDatabase().SortedSetLengthAsync($"{prefix}alerts:by-time");
    }

    // Known bug, docs/reliability.md "Findings" 4: fails in 3 of 3 runs (alerts stored by the killed process keep
    // content the fault-free replay does not give). Remove Skip to reproduce.
    [Fact]
    public async Task Killing_the_service_process_with_SIGKILL_mid_stream_and_replaying_again_loses_and_duplicates_no_alert()
    {
        var expected = await Cli.ReplayAsync(Repo.SampleTape);
        using var servers = ChaosServers.Start();
        var vhost = servers.CreateVirtualHost("service-kill");
        const string prefix = "chaos:";
        // The service's own executable, built beside the tests (a project reference copies it with its runtimeconfig).
        var dll = Path.Combine(AppContext.BaseDirectory, "deepseekwatch.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        // Paced (the sample's five months in about a minute), so that the kill lands mid-stream however fast the machine:
        // at --max a quiet machine finishes the tape before the fifth alert is seen.
        foreach (var a in (string[])[dll, "replay", Repo.SampleTape, "--speed", Pace.ToString(System.Globalization.CultureInfo.InvariantCulture), "--quiet", .. Args(servers, vhost, prefix)])
            info.ArgumentList.Add(a);
        using (var child = Process.Start(info)!)
        {
            child.OutputDataReceived += (_, _) => { };
            child.ErrorDataReceived += (_, _) => { };
            child.BeginOutputReadLine();
            child.BeginErrorReadLine();
            // Mid-stream: some alerts stored, the replay not over.
            await ChaosServers.WaitUntilAsync(async () => child.HasExited || await StoredAsync(servers.RedisConfiguration, prefix) >= 5, Bound, "the child replay to store 5 alerts");
            Assert.False(child.HasExited, "the child replay finished before it could be killed; the test did not test anything");
            child.Kill(entireProcessTree: true);
            await child.WaitForExitAsync().WaitAsync(Bound);
            output.WriteLine($"killed the service with {await StoredAsync(servers.RedisConfiguration, prefix)} of {expected.Count} alerts stored; queues: {string.Join(", ", servers.QueueDepths(vhost).Select(kv => $"{kv.Key}={kv.Value}"))}");
        }

        // Restart: the new process consumes what the dead one left in the queues, and replays the tape again.
        var again = await Cli.RunAsync(["replay", Repo.SampleTape, "--max", "--quiet", .. Args(servers, vhost, prefix)]);
        output.WriteLine(again.ToString());
        Assert.Equal(0, again.ExitCode);
        await ChaosServers.WaitUntilAsync(() => Task.FromResult(servers.QueueDepths(vhost).Where(q => !q.Key.EndsWith("_error", StringComparison.Ordinal)).All(q => q.Value == 0)), Bound, "the queues to drain");

        var verdict = await AlertSetChecker.CheckRedisAsync(servers.RedisConfiguration, prefix, expected);
        output.WriteLine(verdict.ToString());
        Assert.True(verdict.Clean, verdict.ToString());
    }

    // Known bug, docs/reliability.md "Findings" 4: fails 1 run in 3 for the same reason as the kill test.
    [Fact]
    public async Task Stopping_the_service_gracefully_under_load_returns_unfinished_messages_to_the_queue_and_loses_nothing()
    {
        var expected = await Cli.ReplayAsync(Repo.SampleTape);
        using var servers = ChaosServers.Start();
        var vhost = servers.CreateVirtualHost("graceful-stop");
        const string prefix = "chaos:";
        var settings = new Dictionary<string, string?>
        {
            ["Bus:Transport"] = "rabbitmq",
            ["Bus:RabbitMq:Host"] = "127.0.0.1",
            ["Bus:RabbitMq:Port"] = servers.RabbitPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Bus:RabbitMq:VirtualHost"] = vhost,
            ["Store:Kind"] = "redis",
            ["Store:Redis:Configuration"] = servers.RedisConfiguration,
            ["Store:Redis:KeyPrefix"] = prefix,
        };
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddReplay(builder.Configuration, notify: false);
        using (var host = builder.Build())
        {
            await host.StartAsync();
            using var stopped = new CancellationTokenSource();
            var replay = host.Services.GetRequiredService<ReplayRunner>().RunAsync(TapeReader.ReadFile(Repo.SampleTape).Events, new ReplayPace(Pace), Bound, null, stopped.Token);
            await ChaosServers.WaitUntilAsync(async () => replay.IsCompleted || await StoredAsync(servers.RedisConfiguration, prefix) >= 5, Bound, "the replay to store 5 alerts");
            Assert.False(replay.IsCompleted, "the replay finished before the stop; the test did not test anything");
            // SIGTERM: the host's lifetime stops the bus, which lets in-flight consumes finish and returns unacknowledged messages.
            stopped.Cancel();
            await host.StopAsync().WaitAsync(Bound);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => replay);
        }
        var left = servers.QueueDepths(vhost);
        output.WriteLine($"after the stop: {await StoredAsync(servers.RedisConfiguration, prefix)} alerts stored; queues: {string.Join(", ", left.Select(kv => $"{kv.Key}={kv.Value}"))}");
        Assert.Equal(0, left.Where(q => q.Key.EndsWith("_error", StringComparison.Ordinal)).Sum(q => q.Value));

        var again = await Cli.RunAsync(["replay", Repo.SampleTape, "--max", "--quiet", .. Args(servers, vhost, prefix)]);
        Assert.True(again.ExitCode == 0, again.ToString());
        var verdict = await AlertSetChecker.CheckRedisAsync(servers.RedisConfiguration, prefix, expected);
        output.WriteLine(verdict.ToString());
        Assert.True(verdict.Clean, verdict.ToString());
    }
}
