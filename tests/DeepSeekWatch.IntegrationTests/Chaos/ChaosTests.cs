using DeepSeekWatch.Pipeline;
using System.Text;
using DeepSeekWatch.Alerts;
using DeepSeekWatch.Contracts;
using DeepSeekWatch.Detection;
using DeepSeekWatch.Replay;
using DeepSeekWatch.Tests.Delivery;
using DeepSeekWatch.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using Xunit.Abstractions;

namespace DeepSeekWatch.IntegrationTests.Chaos;

[CollectionDefinition(nameof(ChaosCollection), DisableParallelization = true)]
public sealed class ChaosCollection;

/// <summary>
/// Faults injected into a replay on private RabbitMQ and Redis servers (each test starts its own pair and may kill
/// them); every test ends with <see cref="AlertSetChecker"/>: lost = 0, duplicated = 0, unexpected = 0 against the
/// same tape replayed on the embedded pair. Every wait is a condition with a timeout. See docs/reliability.md.
/// </summary>
[Collection(nameof(ChaosCollection))]
public sealed class ChaosTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(2);

    private static readonly TimeSpan FirstReplayBound = TimeSpan.FromMinutes(4);

    private static Dictionary<string, string?> Settings(ChaosServers servers, string vhost, string prefix) => new()
    {
        ["Bus:Transport"] = "rabbitmq",
        ["Bus:RabbitMq:Host"] = "127.0.0.1",
        ["Bus:RabbitMq:Port"] = servers.RabbitPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Bus:RabbitMq:VirtualHost"] = vhost,
        ["Store:Kind"] = "redis",
        ["Store:Redis:Configuration"] = servers.RedisConfiguration,
        ["Store:Redis:KeyPrefix"] = prefix,
    };

    internal static IHost BuildReplayHost(Dictionary<string, string?> settings, Action<IServiceCollection>? decorate = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        decorate?.Invoke(builder.Services);
        builder.Services.AddReplay(builder.Configuration, notify: false);
        return builder.Build();
    }

    private static IReadOnlyList<TapeEvent> Tape => TapeReader.ReadFile(Repo.SampleTape).Events;

    private static async Task<IReadOnlyList<Alert>> ExpectedAsync() => await Cli.ReplayAsync(Repo.SampleTape);

    /// <summary>Waits until no queue of the vhost holds a message (ready or unacknowledged), error queues aside.</summary>
    private static Task DrainedAsync(ChaosServers servers, string vhost) => ChaosServers.WaitUntilAsync(
        () => Task.FromResult(servers.QueueDepths(vhost).Where(q => !q.Key.EndsWith("_error", StringComparison.Ordinal) && !q.Key.EndsWith("_skipped", StringComparison.Ordinal)).All(q => q.Value == 0)),
        Bound, "the queues to drain");

    private static long ErrorMessages(ChaosServers servers, string vhost) =>
        servers.QueueDepths(vhost).Where(q => q.Key.EndsWith("_error", StringComparison.Ordinal)).Sum(q => q.Value);

    [Fact]
    public async Task Stopping_Redis_for_20_seconds_mid_replay_loses_and_duplicates_no_alert()
    {
        var expected = await ExpectedAsync();
        using var servers = ChaosServers.Start();
        var vhost = servers.CreateVirtualHost("redis-outage");
        var prefix = "chaos:";
        Task? outage = null;
        using var host = BuildReplayHost(Settings(servers, vhost, prefix), s => s.AddSingleton<IAlertStore>(sp =>
            new AfterFirstWrite(ActivatorUtilities.CreateInstance<RedisAlertStore>(sp), () => outage = Task.Run(async () =>
            {
                servers.StopRedis();
                // The outage itself, not a synchronisation: Redis stays down for the 20 s the issue names.
                await Task.Delay(TimeSpan.FromSeconds(20));
                servers.StartRedis();
            }))));
        await host.StartAsync();
        var outcome = await host.Services.GetRequiredService<ReplayRunner>().RunAsync(Tape, ReplayPace.Max, Bound, null, CancellationToken.None);
        Assert.NotNull(outage);
        await outage.WaitAsync(Bound);
        await host.StopAsync();

        var verdict = await AlertSetChecker.CheckRedisAsync(servers.RedisConfiguration, prefix, expected);
        output.WriteLine(verdict.ToString());
        Assert.Equal(0, outcome.Faulted);
        Assert.Equal(0, ErrorMessages(servers, vhost));
        Assert.True(verdict.Clean, verdict.ToString());
    }

    // docs/reliability.md Findings 1, 3, 5 and 6. Findings 5 and 6 were one broker bug: RabbitMQ 3.10 loses the Raft
    // registration of a quorum queue declared less than about a second before a kill -9, and on restart makes a new,
    // empty, leaderless member for it; electing that member empties the queue. The kill here comes about a second after
    // MassTransit declared the queues, so the test first has the broker write its registrations to disk
    // (ChaosServers.PersistQuorumRegistrations): what it tests is DeepSeekWatch under a broker crash. A queue still
    // leaderless after the restart gets the election (rabbitmq/rabbitmq-server#10070); if it was such an empty member
    // all the same, the run is reported as skipped, naming the queue: the broker destroyed that queue's content.
    [SkippableFact]
    public async Task Killing_RabbitMQ_with_SIGKILL_mid_replay_and_restarting_it_loses_and_duplicates_no_alert()
    {
        var expected = await ExpectedAsync();
        using var servers = ChaosServers.Start();
        var vhost = servers.CreateVirtualHost("broker-kill");
        try
        {
            await BrokerKillAsync(servers, vhost, expected);
        }
        catch
        {
            output.WriteLine("queues:\n" + servers.QueueReport(vhost));
            output.WriteLine("broker log:\n" + servers.RabbitLogProblems());
            var last = new Dictionary<string, string>();
            var i = 0;
            foreach (var seen in AtBar.Seen)
            {
                i++;
                var parts = seen.Split(' ');
                if (last.TryGetValue(parts[0], out var prev) && string.CompareOrdinal(parts[1], prev) <= 0)
                    output.WriteLine($"detector bar #{i}: {seen} after {prev}");
                last[parts[0]] = parts[1];
            }
            output.WriteLine($"detector saw {i} bars");
            var seenSet = AtBar.Seen.ToHashSet();
            foreach (var bar in Tape.OfType<TapeEvent.Bar>().Select(b => b.Value))
            {
                var key = $"{bar.Symbol} {bar.Start:yyyy-MM-dd}";
                if (!seenSet.Contains(key) && last.TryGetValue(bar.Symbol, out var upTo) && string.CompareOrdinal(key.Split(' ')[1], upTo) < 0)
                    output.WriteLine($"detector never saw {key} (saw that symbol up to {upTo})");
            }
            servers.SaveRabbitLogs();
            throw;
        }
    }

    private async Task BrokerKillAsync(ChaosServers servers, string vhost, IReadOnlyList<Alert> expected)
    {
        AtBar.Seen.Clear();
        var prefix = "chaos:";
        var settings = Settings(servers, vhost, prefix);
        // Six publish attempts of 10 s (and 31 s of backoff) fit in the first replay's bound.
        settings["Replay:PublishTimeout"] = "00:00:10";
        Task? restart = null;
        var repair = ChaosServers.LeaderRepair.None;
        var beforeKill = "";
        var logs = new CapturingLoggerProvider();
        var progress = 0;
        using (var host = BuildReplayHost(settings, s =>
        {
            s.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning).AddProvider(logs));
            s.AddSingleton<DetectionEngineFactory>(sp => _ => new AtBar(
                // The production detector: the NYSE calendar counts holidays as no session (the default counts weekdays).
                new Detection.Reaction.ReactionDetector(new Detection.Reaction.DetectionOptions(), new Watchlist(WatchlistOptions.Defaults()), Detection.Markets.NyseCalendar.SessionsBetween), 400, () =>
                {
                    beforeKill = servers.Diagnostics(vhost);
                    servers.PersistQuorumRegistrations();
                    servers.KillRabbitMq();
                    restart = Task.Run(async () =>
                    {
                        servers.StartRabbitMq();
                        // The restart is done when every queue has a leader again (RabbitMQ's own bug: ChaosServers).
                        repair = await servers.EnsureQuorumLeadersAsync(vhost, TimeSpan.FromSeconds(10), Bound);
                    });
                }));
        }))
        {
            await host.StartAsync();
            ReplayOutcome? first = null;
            // Longer than Bound: after the restart a leaderless queue costs the election's grace and MassTransit's
            // reconnects on top of the publish retries; the one run (of 34) whose first replay was cut at 2 minutes was
            // also the one that ended with other alert content (docs/reliability.md, Runs).
            using var bounded = new CancellationTokenSource(FirstReplayBound);
            try
            {
                first = await host.Services.GetRequiredService<ReplayRunner>().RunAsync(Tape, ReplayPace.Max, Bound, (done, _) => progress = done, bounded.Token);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                output.WriteLine($"first replay stopped by the broker's death: {ex.GetType().Name}: {ex.Message} (at least {progress} events published)");
            }
            var retries = logs.Entries.Where(e => e.Contains("replay: publishing", StringComparison.Ordinal)).ToList();
            output.WriteLine($"first replay: {retries.Count} publish attempt(s) retried");
            foreach (var retry in retries.Take(10))
                output.WriteLine("  " + retry.Split(" | ")[0]);
            Assert.NotNull(restart);
            await restart.WaitAsync(Bound);
            output.WriteLine(repair.Nudged.Count == 0 ? "every quorum queue elected its leader after the restart" : $"quorum queues left without a leader by the broker: {string.Join("; ", repair.Nudged)}");
            if (repair.Nudged.Count > 0)
                output.WriteLine("after the election(s):\n" + servers.QueueReport(vhost));
            // What the broker confirmed before it died is in its quorum queues: this process, reconnected, finishes it.
            try
            {
                await DrainedAsync(servers, vhost);
            }
            catch (TimeoutException)
            {
                output.WriteLine("queues not drained:\n" + servers.QueueReport(vhost));
                // Which endpoints MassTransit itself considers down (a queue with messages and no consumer, above).
                var health = host.Services.GetRequiredService<MassTransit.IBusControl>().CheckHealth();
                output.WriteLine($"bus health: {health.Status} {health.Description}");
                foreach (var (endpoint, result) in health.Endpoints)
                    output.WriteLine($"  {endpoint}: {result.Status} {result.Description}");
                foreach (var entry in logs.Entries.TakeLast(60))
                    output.WriteLine("  log: " + (entry.Length > 600 ? entry[..600] : entry));
                throw;
            }
            // Finding 7: a queue left without its consumer after the restart is the consumer watchdog's to notice.
            foreach (var entry in logs.Entries.Where(e => e.Contains("consumer check", StringComparison.Ordinal)))
                output.WriteLine("watchdog: " + entry.Split(" | ")[0]);
            await host.StopAsync();
            output.WriteLine(first is null ? "first replay: failed" : $"first replay: completed, {first.Alerts.Count} alerts, {first.Faulted} faulted");
        }

        // The producer's side of at-least-once: a replay whose publishes were not all confirmed is run again; the
        // store's idempotent upsert absorbs what the first run already wrote.
        using (var again = BuildReplayHost(settings))
        {
            await again.StartAsync();
            var second = await again.Services.GetRequiredService<ReplayRunner>().RunAsync(Tape, ReplayPace.Max, Bound, null, CancellationToken.None);
            await again.StopAsync();
            Assert.Equal(0, second.Faulted);
        }

        var verdict = await AlertSetChecker.CheckRedisAsync(servers.RedisConfiguration, prefix, expected);
        output.WriteLine(verdict.ToString());
        Assert.Equal(0, ErrorMessages(servers, vhost));
        Skip.If(!verdict.Clean && repair.LostRegistration.Count > 0,
            $"inconclusive: RabbitMQ lost the Raft registration of {string.Join(", ", repair.LostRegistration)} in the kill despite the sync and restarted it empty (docs/reliability.md Findings 5 and 6): {verdict}\nbefore the kill:\n{beforeKill}\n{string.Join("\n", repair.Nudged)}");
        Assert.True(verdict.Clean, verdict.ToString());
    }

    [Fact]
    public async Task A_poison_message_goes_to_the_error_queue_once_while_the_replay_flows()
    {
        var expected = await ExpectedAsync();
        using var servers = ChaosServers.Start();
        var vhost = servers.CreateVirtualHost("poison");
        var prefix = "chaos:";
        using var host = BuildReplayHost(Settings(servers, vhost, prefix));
        // Start-up declares the topology before it returns, so the queue the poison goes to exists.
        await host.StartAsync();

        const string queue = "deepseekwatch-reaction-detector";
        var factory = new ConnectionFactory { HostName = "127.0.0.1", Port = servers.RabbitPort, VirtualHost = vhost };
        await using (var connection = await factory.CreateConnectionAsync())
        await using (var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true)))
        {
            var props = new BasicProperties { ContentType = "application/vnd.masstransit+json", Persistent = true, MessageId = Guid.NewGuid().ToString() };
            await channel.BasicPublishAsync("", queue, mandatory: true, props, Encoding.UTF8.GetBytes("{\"message\": {\"symbol\": \"NVDA\", \"close\": "));
            var unknown = "{\"messageId\":\"" + Guid.NewGuid() + "\",\"messageType\":[\"urn:message:DeepSeekWatch.Contracts:NoSuchMessage\"],\"message\":{\"x\":1}}";
            await channel.BasicPublishAsync("", queue, mandatory: true, new BasicProperties { ContentType = props.ContentType, Persistent = true, MessageId = Guid.NewGuid().ToString() }, Encoding.UTF8.GetBytes(unknown));
            // The same two in raw JSON (Bus:RabbitMq:Serializer's default form): the type is in the MT-MessageType header.
            await channel.BasicPublishAsync("", queue, mandatory: true, RawProperties("urn:message:DeepSeekWatch.Contracts:PriceBarObserved"), Encoding.UTF8.GetBytes("{\"symbol\": \"NVDA\", \"close\": "));
            await channel.BasicPublishAsync("", queue, mandatory: true, RawProperties("urn:message:DeepSeekWatch.Contracts:NoSuchMessage"), Encoding.UTF8.GetBytes("{\"x\":1}"));
        }

        var outcome = await host.Services.GetRequiredService<ReplayRunner>().RunAsync(Tape, ReplayPace.Max, Bound, null, CancellationToken.None);
        await ChaosServers.WaitUntilAsync(() => Task.FromResult(servers.QueueDepths(vhost).GetValueOrDefault(queue + "_error") + servers.QueueDepths(vhost).GetValueOrDefault(queue + "_skipped") >= 4), Bound, "the four poison messages to be set aside");
        await DrainedAsync(servers, vhost);
        await host.StopAsync();

        var depths = servers.QueueDepths(vhost);
        output.WriteLine(string.Join(", ", depths.Select(kv => $"{kv.Key}={kv.Value}")));
        // Each poison message was set aside exactly once: no requeue loop, nothing left in the working queue.
        Assert.Equal(2, depths.GetValueOrDefault(queue + "_error"));
        Assert.Equal(2, depths.GetValueOrDefault(queue + "_skipped"));
        Assert.Equal(0, depths[queue]);
        Assert.Equal(0, outcome.Faulted);
        var verdict = await AlertSetChecker.CheckRedisAsync(servers.RedisConfiguration, prefix, expected);
        output.WriteLine(verdict.ToString());
        Assert.True(verdict.Clean, verdict.ToString());
    }

    private static BasicProperties RawProperties(string messageType) => new()
    {
        ContentType = "application/json",
        Persistent = true,
        MessageId = Guid.NewGuid().ToString(),
        Headers = new Dictionary<string, object?> { ["MT-MessageType"] = messageType, ["MessageId"] = Guid.NewGuid().ToString() },
    };

    /// <summary>Runs <paramref name="fault"/> once, right after the first alert write succeeds (so the replay is mid-stream).</summary>
    private sealed class AfterFirstWrite(IAlertStore inner, Action fault) : IAlertStore
    {
        private int _fired;

        public async Task<AlertWriteOutcome> UpsertAsync(Alert alert, CancellationToken cancellationToken = default)
        {
            var outcome = await inner.UpsertAsync(alert, cancellationToken);
            if (Interlocked.Exchange(ref _fired, 1) == 0)
                fault();
            return outcome;
        }

        public Task<Alert?> GetAsync(string alertId, CancellationToken cancellationToken = default) => inner.GetAsync(alertId, cancellationToken);

        public Task<IReadOnlyList<Alert>> QueryAsync(AlertQuery query, CancellationToken cancellationToken = default) => inner.QueryAsync(query, cancellationToken);

        public Task<IReadOnlyList<Alert>> ReadStreamAsync(int count, CancellationToken cancellationToken = default) => inner.ReadStreamAsync(count, cancellationToken);

        public Task<bool> PingAsync(CancellationToken cancellationToken = default) => inner.PingAsync(cancellationToken);
    }

    /// <summary>Runs <paramref name="fault"/> once, when the detector receives its <paramref name="n"/>-th bar.</summary>
    internal sealed class AtBar(IDetectionEngine inner, int n, Action fault) : IDetectionEngine
    {
        private int _bars;

        public static System.Collections.Concurrent.ConcurrentQueue<string> Seen { get; } = new();

        public DetectionResult OnBar(PriceBarObserved bar)
        {
            Seen.Enqueue($"{bar.Symbol} {bar.Start:yyyy-MM-dd}");
            if (Interlocked.Increment(ref _bars) == n)
                fault();
            return inner.OnBar(bar);
        }

        public DetectionResult OnHeadline(AiHeadlineDetected headline) => inner.OnHeadline(headline);

        public DetectionResult OnClock(DateTimeOffset now) => inner.OnClock(now);
    }
}
