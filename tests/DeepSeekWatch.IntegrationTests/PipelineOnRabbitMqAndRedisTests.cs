using DeepSeekWatch.Pipeline;
using DeepSeekWatch.Alerts;
using DeepSeekWatch.Contracts;
using DeepSeekWatch.Detection;
using DeepSeekWatch.Replay;
using DeepSeekWatch.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace DeepSeekWatch.IntegrationTests;

[Collection(nameof(ServersCollection))]
public sealed class PipelineOnRabbitMqAndRedisTests
{
    private readonly Servers _servers = Servers.Instance;

    private string[] Production(string vhost, string prefix) =>
    [
        "--transport", "rabbitmq", "--store", "redis",
        "--set", $"Bus:RabbitMq:Host={_servers.RabbitHost}",
        "--set", $"Bus:RabbitMq:Port={_servers.RabbitPort}",
        "--set", $"Bus:RabbitMq:VirtualHost={vhost}",
        "--set", $"Store:Redis:Configuration={_servers.RedisConfiguration}",
        "--set", $"Store:Redis:KeyPrefix={prefix}",
    ];

    /// <summary>
    /// With several deliveries at once (<c>Bus:DetectorConcurrency</c> 8), the detector still sees the queue's order:
    /// the same alerts, to the figure, as the embedded pair's one-at-a-time run.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    public async Task Replaying_the_sample_on_RabbitMQ_and_Redis_gives_the_same_alerts_as_the_embedded_pair(int detectorConcurrency)
    {
        var vhost = _servers.CreateVirtualHost($"same-{Guid.NewGuid():N}");
        var embedded = await Cli.ReplayAsync(Repo.SampleTape);
        var production = await Cli.ReplayAsync(Repo.SampleTape, [.. Production(vhost, $"t{Guid.NewGuid():N}:"), "--set", $"Bus:DetectorConcurrency={detectorConcurrency}"]);
        Assert.Contains(production, a => a.Symbol == "NVDA" && a.Kind == AlertKinds.AiNewsDrop && a.Session == new DateOnly(2025, 1, 27));
        Assert.Equal(embedded.Select(AlertJson.Serialize), production.Select(AlertJson.Serialize));
    }

    [Fact]
    public async Task Replaying_the_same_tape_twice_into_the_same_Redis_stores_each_alert_once()
    {
        var vhost = _servers.CreateVirtualHost($"twice-{Guid.NewGuid():N}");
        var prefix = $"t{Guid.NewGuid():N}:";
        var first = await Cli.ReplayAsync(Repo.SampleTape, Production(vhost, prefix));
        using var redis = await ConnectionMultiplexer.ConnectAsync(_servers.RedisConfiguration);
        var db = redis.GetDatabase();
        var streamAfterFirst = await db.StreamLengthAsync($"{prefix}alerts:stream");
        var second = await Cli.ReplayAsync(Repo.SampleTape, Production(vhost, prefix));

        Assert.Equal(first.Select(a => a.AlertId), second.Select(a => a.AlertId));
        Assert.Equal(first.Count, await db.SortedSetLengthAsync($"{prefix}alerts:by-time"));
        Assert.Equal(first.Count, redis.GetServer(redis.GetEndPoints()[0]).Keys(pattern: $"{prefix}alert:*").Count());
        // The second replay changed nothing: no new stream entries.
        Assert.Equal(streamAfterFirst, await db.StreamLengthAsync($"{prefix}alerts:stream"));
    }

    /// <summary>
    /// The broker's own view of the consumers: the detector's queues take <c>Bus:RabbitMq:DetectorPrefetchCount</c>
    /// unacknowledged messages (default 256), every other endpoint <c>Bus:RabbitMq:PrefetchCount</c> (default 64) —
    /// with one detector queue and with partitions (each partition's queue and the aggregator's).
    /// </summary>
    [Theory]
    [InlineData(1, null, 256)]
    [InlineData(1, "32", 32)]
    [InlineData(2, null, 256)]
    public async Task The_detectors_queues_get_their_own_prefetch_and_the_other_endpoints_the_common_one(int partitions, string? detectorPrefetch, int expected)
    {
        var vhost = _servers.CreateVirtualHost($"prefetch-{Guid.NewGuid():N}");
        var settings = Settings(Production(vhost, $"t{Guid.NewGuid():N}:"));
        settings["Scale:Partitions"] = partitions.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (detectorPrefetch is not null)
            settings["Bus:RabbitMq:DetectorPrefetchCount"] = detectorPrefetch;
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddReplay(builder.Configuration, notify: false);
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            var (exit, stdout, stderr) = Servers.Capture("rabbitmqctl", "-n", _servers.RabbitNode, "-q", "list_consumers", "-p", vhost, "queue_name", "prefetch_count");
            Assert.True(exit == 0, stderr);
            var prefetch = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(line => line.Split('\t'))
                .Where(f => f.Length == 2 && int.TryParse(f[1], out _))
                .ToDictionary(f => f[0], f => int.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture));
            string[] detectorQueues = partitions == 1
                ? ["deepseekwatch-reaction-detector"]
                : [.. Enumerable.Range(0, partitions).Select(p => $"deepseekwatch-reaction-detector-{p}"), "deepseekwatch-sector-shock"];
            foreach (var queue in detectorQueues)
                Assert.True(prefetch.TryGetValue(queue, out var n) && n == expected, $"{queue}: {stdout}");
            Assert.Equal(64, prefetch["deepseekwatch-alert-store"]);
            // The pipeline's other endpoints (MassTransit's own temporary bus queue is not one of them).
            Assert.All(prefetch.Where(kv => kv.Key.StartsWith("deepseekwatch-", StringComparison.Ordinal) && !detectorQueues.Contains(kv.Key)), kv => Assert.Equal(64, kv.Value));
        }
        finally
        {
            await host.StopAsync();
        }
    }

    private static Dictionary<string, string?> Settings(string[] args)
    {
        var settings = new Dictionary<string, string?>();
        for (var i = 0; i < args.Length; i += 2)
        {
            if (args[i] == "--set")
            {
                var kv = args[i + 1].Split('=', 2);
                settings[kv[0]] = kv[1];
            }
        }
        settings["Bus:Transport"] = "rabbitmq";
        settings["Store:Kind"] = "redis";
        return settings;
    }

    [Fact]
    public async Task Messages_redelivered_after_consumer_failures_neither_duplicate_nor_lose_an_alert()
    {
        var vhost = _servers.CreateVirtualHost($"redeliver-{Guid.NewGuid():N}");
        var prefix = $"t{Guid.NewGuid():N}:";
        var expected = await Cli.ReplayAsync(Repo.SampleTape);

        // Several deliveries at once: a failed message keeps its turn while it is retried, nothing overtakes it.
        var faults = new FaultCounter();
        var outcome = await ReplayWithEightAtOnceAsync(vhost, prefix, services =>
        {
            // Fail after the work is done, the way a lost acknowledgement looks: the engine has moved on and the
            // store holds the write, and the message comes again.
            services.AddSingleton<DetectionEngineFactory>(sp => _ => new FailingOnceEngine(Detector(), faults));
            services.AddSingleton<IAlertStore>(sp => new FailingOnceStore(ActivatorUtilities.CreateInstance<RedisAlertStore>(sp), faults));
        });

        Assert.True(faults.Engine > 0 && faults.Store > 0, $"faults injected: engine {faults.Engine}, store {faults.Store}");
        Assert.Equal(0, outcome.Faulted);
        Assert.Equal(expected.Select(AlertJson.Serialize), outcome.Alerts.Select(AlertJson.Serialize));
        using var redis = await ConnectionMultiplexer.ConnectAsync(_servers.RedisConfiguration);
        Assert.Equal(expected.Count, await redis.GetDatabase().SortedSetLengthAsync($"{prefix}alerts:by-time"));
    }

    /// <summary>
    /// With several deliveries at once, a message's outputs are confirmed outside its turn: while the first alert's store
    /// write is held back, the detector goes on to the bars behind it (in the queue's order), and the replay still ends
    /// with the embedded pair's alerts to the figure. Had the turn waited for the outputs, the engine could not move on
    /// until the write was let go.
    /// </summary>
    [Fact]
    public async Task A_slow_output_does_not_hold_the_next_deliveries_turn()
    {
        var vhost = _servers.CreateVirtualHost($"overtake-{Guid.NewGuid():N}");
        var prefix = $"t{Guid.NewGuid():N}:";
        var expected = await Cli.ReplayAsync(Repo.SampleTape);
        var progress = new EngineProgress();
        var gated = new GatedStore(progress, further: 5, wait: TimeSpan.FromSeconds(30));
        var outcome = await ReplayWithEightAtOnceAsync(vhost, prefix, services =>
        {
            services.AddSingleton<DetectionEngineFactory>(sp => _ => new CountingEngine(Detector(), progress));
            services.AddSingleton<IAlertStore>(sp => gated.Over(ActivatorUtilities.CreateInstance<RedisAlertStore>(sp)));
        });

        Assert.True(gated.Held, "no alert write was held");
        Assert.True(gated.Overtaken, $"the engine saw {gated.SeenWhileHeld} more message(s) while the first alert's write was held, not {5}");
        Assert.Equal(0, outcome.Faulted);
        Assert.Equal(expected.Select(AlertJson.Serialize), outcome.Alerts.Select(AlertJson.Serialize));
    }

    /// <summary>
    /// The detector with its engine log in Redis, as <c>run</c> keeps it (added here to a replay, which otherwise keeps
    /// none), and the concurrency that comes with it by default: several deliveries at once, each event's append sent
    /// without waiting in its turn and grouped with others while one is on its way. The same alerts as the embedded pair,
    /// to the figure, and the log holds every event the detector consumed once, the bars in the tape's time order.
    /// </summary>
    [Fact]
    public async Task With_the_engine_log_the_detector_takes_several_deliveries_at_once_and_logs_every_event_once_in_order()
    {
        var vhost = _servers.CreateVirtualHost($"logged-{Guid.NewGuid():N}");
        var expected = await Cli.ReplayAsync(Repo.SampleTape);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(Settings(Production(vhost, $"t{Guid.NewGuid():N}:")));
        builder.Services.AddSingleton<IEngineLog, RedisEngineLog>();
        builder.Services.AddReplay(builder.Configuration, notify: false);
        using var host = builder.Build();
        await host.StartAsync();
        Assert.Equal(Hosting.BusOptions.WithEngineLog, host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Hosting.BusOptions>>().Value.DetectorConcurrency);
        var events = TapeReader.ReadFile(Repo.SampleTape).Events;
        var outcome = await host.Services.GetRequiredService<ReplayRunner>().RunAsync(events, ReplayPace.Max, TimeSpan.FromMinutes(5), null, CancellationToken.None);
        var log = await host.Services.GetRequiredService<IEngineLog>().ReadAsync("detector", CancellationToken.None);
        await host.StopAsync();

        Assert.Equal(0, outcome.Faulted);
        Assert.Equal(expected.Select(AlertJson.Serialize), outcome.Alerts.Select(AlertJson.Serialize));
        Assert.Equal(log.Count, log.Select(e => e.MessageId).Distinct().Count());
        // Every bar once; and in the queue's order, which is the tape's time order (a replay publishes the events of one
        // time side by side, and each time's only after the time before it is confirmed).
        var logged = log.Select(e => e.Message).OfType<PriceBarObserved>().ToList();
        Assert.Equal(events.OfType<TapeEvent.Bar>().Select(b => b.Value.EventId).Order(StringComparer.Ordinal), logged.Select(b => b.EventId).Order(StringComparer.Ordinal));
        Assert.Equal(logged.Select(b => b.End).Order(), logged.Select(b => b.End));
    }

    /// <summary>The sample tape replayed on RabbitMQ and Redis with the detector taking 8 deliveries at once, and the services given.</summary>
    private async Task<ReplayOutcome> ReplayWithEightAtOnceAsync(string vhost, string prefix, Action<IServiceCollection> services)
    {
        var settings = Settings(Production(vhost, prefix));
        settings["Bus:DetectorConcurrency"] = "8";
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        services(builder.Services);
        builder.Services.AddReplay(builder.Configuration, notify: false);
        using var host = builder.Build();
        await host.StartAsync();
        var events = TapeReader.ReadFile(Repo.SampleTape).Events;
        var outcome = await host.Services.GetRequiredService<ReplayRunner>().RunAsync(events, ReplayPace.Max, TimeSpan.FromMinutes(5), null, CancellationToken.None);
        await host.StopAsync();
        return outcome;
    }

    private static IDetectionEngine Detector() =>
        new Detection.Reaction.ReactionDetector(new Detection.Reaction.DetectionOptions(), new Watchlist(WatchlistOptions.Defaults()), Detection.Markets.NyseCalendar.SessionsBetween);

    private sealed class EngineProgress
    {
        private long _seen;
        private TaskCompletionSource _moved = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public long Seen => Interlocked.Read(ref _seen);

        public void Saw()
        {
            Interlocked.Increment(ref _seen);
            Interlocked.Exchange(ref _moved, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }

        /// <summary>Completes at the engine's next message.</summary>
        public Task Moved => Volatile.Read(ref _moved).Task;
    }

    private sealed class CountingEngine(IDetectionEngine inner, EngineProgress progress) : IDetectionEngine
    {
        public DetectionResult OnBar(PriceBarObserved bar)
        {
            progress.Saw();
            return inner.OnBar(bar);
        }

        public DetectionResult OnHeadline(AiHeadlineDetected headline)
        {
            progress.Saw();
            return inner.OnHeadline(headline);
        }

        public DetectionResult OnClock(DateTimeOffset now)
        {
            progress.Saw();
            return inner.OnClock(now);
        }
    }

    /// <summary>Holds the first alert write until the engine has seen <c>further</c> more messages, or <c>wait</c> has passed.</summary>
    private sealed class GatedStore(EngineProgress progress, int further, TimeSpan wait)
    {
        private int _first;

        public bool Held { get; private set; }

        public bool Overtaken { get; private set; }

        public long SeenWhileHeld { get; private set; }

        public IAlertStore Over(IAlertStore inner) => new Store(inner, this);

        private async Task HoldAsync(CancellationToken cancellationToken)
        {
            if (Interlocked.Exchange(ref _first, 1) != 0)
                return;
            Held = true;
            var at = progress.Seen;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(wait);
            try
            {
                while (true)
                {
                    // Take the signal before looking, so that a message seen in between is not missed.
                    var moved = progress.Moved;
                    if (progress.Seen >= at + further)
                        break;
                    await moved.WaitAsync(timeout.Token);
                }
                Overtaken = true;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }
            SeenWhileHeld = progress.Seen - at;
        }

        private sealed class Store(IAlertStore inner, GatedStore gate) : IAlertStore
        {
            public async Task<AlertWriteOutcome> UpsertAsync(Alert alert, CancellationToken cancellationToken = default)
            {
                await gate.HoldAsync(cancellationToken);
                return await inner.UpsertAsync(alert, cancellationToken);
            }

            public Task<Alert?> GetAsync(string alertId, CancellationToken cancellationToken = default) => inner.GetAsync(alertId, cancellationToken);

            public Task<IReadOnlyList<Alert>> QueryAsync(AlertQuery query, CancellationToken cancellationToken = default) => inner.QueryAsync(query, cancellationToken);

            public Task<IReadOnlyList<Alert>> ReadStreamAsync(int count, CancellationToken cancellationToken = default) => inner.ReadStreamAsync(count, cancellationToken);

            public Task<bool> PingAsync(CancellationToken cancellationToken = default) => inner.PingAsync(cancellationToken);
        }
    }

    private sealed class FaultCounter
    {
        public int Engine;
        public int Store;
    }

    private sealed class FailingOnceEngine(IDetectionEngine inner, FaultCounter faults) : IDetectionEngine
    {
        private readonly HashSet<string> _failed = [];

        public DetectionResult OnBar(PriceBarObserved bar)
        {
            var result = inner.OnBar(bar);
            if (!result.IsEmpty && _failed.Add(bar.EventId))
            {
                Interlocked.Increment(ref faults.Engine);
                throw new InvalidOperationException("injected failure after the engine decided");
            }
            return result;
        }

        public DetectionResult OnHeadline(AiHeadlineDetected headline) => inner.OnHeadline(headline);

        public DetectionResult OnClock(DateTimeOffset now) => inner.OnClock(now);
    }

    private sealed class FailingOnceStore(IAlertStore inner, FaultCounter faults) : IAlertStore
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _failed = new();

        public async Task<AlertWriteOutcome> UpsertAsync(Alert alert, CancellationToken cancellationToken = default)
        {
            var outcome = await inner.UpsertAsync(alert, cancellationToken);
            if (_failed.TryAdd($"{alert.AlertId}/{alert.Revision}", 0))
            {
                Interlocked.Increment(ref faults.Store);
                throw new TimeoutException("injected failure after the write");
            }
            return outcome;
        }

        public Task<Alert?> GetAsync(string alertId, CancellationToken cancellationToken = default) => inner.GetAsync(alertId, cancellationToken);

        public Task<IReadOnlyList<Alert>> QueryAsync(AlertQuery query, CancellationToken cancellationToken = default) => inner.QueryAsync(query, cancellationToken);

        public Task<IReadOnlyList<Alert>> ReadStreamAsync(int count, CancellationToken cancellationToken = default) => inner.ReadStreamAsync(count, cancellationToken);

        public Task<bool> PingAsync(CancellationToken cancellationToken = default) => inner.PingAsync(cancellationToken);
    }
}
