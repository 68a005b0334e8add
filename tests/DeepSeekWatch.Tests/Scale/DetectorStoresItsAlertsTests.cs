using System.Collections.Concurrent;
using DeepSeekWatch.Alerts;
using DeepSeekWatch.Contracts;
using DeepSeekWatch.Hosting;
using DeepSeekWatch.Perf;
using DeepSeekWatch.Pipeline;
using DeepSeekWatch.Replay;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace DeepSeekWatch.Tests.Scale;

/// <summary>
/// The detector writes the alerts it decides to the store itself, before it publishes them: an alert is readable one
/// bus hop sooner, and the alert-store consumer's write of the same revision finds it unchanged.
/// </summary>
public sealed class DetectorStoresItsAlertsTests
{
    [Fact]
    public async Task Every_alert_is_in_the_store_before_its_AlertRaised_is_consumed()
    {
        var seen = new AlertRaisedProbe();
        await using var run = await Pipeline.StartAsync(services => services.AddConsumeObserver(sp =>
        {
            seen.Store = sp.GetRequiredService<IAlertStore>();
            return seen;
        }));

        await run.PublishAsync(PerfRunner.SyntheticBars(3_000));

        Assert.NotEmpty(seen.StoredBefore);
        Assert.All(seen.StoredBefore, s => Assert.True(s.Value, $"alert {s.Key.Id} revision {s.Key.Revision} was not in the store when its AlertRaised was consumed"));
        Assert.Equal(seen.StoredBefore.Keys.Select(k => k.Id).Distinct().Order(StringComparer.Ordinal), run.Collector.Ids.Order(StringComparer.Ordinal));
        Assert.Equal(0, run.Activity.Faulted);
    }

    [Fact]
    public async Task A_failed_direct_write_is_retried_and_the_engine_is_not_fed_the_bar_twice()
    {
        var bars = PerfRunner.SyntheticBars(3_000);
        // The same bars through a store that works, for the expected alerts.
        IReadOnlyCollection<string> expected;
        await using (var clean = await Pipeline.StartAsync(_ => { }))
        {
            await clean.PublishAsync(bars);
            expected = clean.Collector.Ids;
        }
        Assert.NotEmpty(expected);

        var flaky = new FlakyStore(failFirst: 3);
        await using var run = await Pipeline.StartAsync(services => services.AddSingleton<IAlertStore>(sp => flaky.Wrap(new MemoryAlertStore(sp.GetRequiredService<IOptions<StoreOptions>>(), TimeProvider.System))));

        await run.PublishAsync(bars);

        Assert.Equal(3, flaky.Failed);
        Assert.Equal(expected.Order(StringComparer.Ordinal), run.Collector.Ids.Order(StringComparer.Ordinal));
        Assert.Equal(0, run.Activity.Faulted);
        var slot = run.Services.GetRequiredService<EngineHost>().Slot("detector", () => throw new InvalidOperationException("the detector's slot exists"));
        Assert.Equal(bars.Count, slot.Applied);
    }

    /// <summary>At each AlertRaised the store's consumer is about to get: was that revision already stored?</summary>
    private sealed class AlertRaisedProbe : IConsumeObserver
    {
        public IAlertStore? Store { get; set; }

        public ConcurrentDictionary<(string Id, int Revision), bool> StoredBefore { get; } = new();

        public async Task PreConsume<T>(ConsumeContext<T> context)
            where T : class
        {
            if (context.Message is AlertRaised raised)
            {
                var stored = await Store!.GetAsync(raised.Alert.AlertId);
                StoredBefore.TryAdd((raised.Alert.AlertId, raised.Alert.Revision), stored is not null && stored.Revision >= raised.Alert.Revision);
            }
        }

        public Task PostConsume<T>(ConsumeContext<T> context)
            where T : class => Task.CompletedTask;

        public Task ConsumeFault<T>(ConsumeContext<T> context, Exception exception)
            where T : class => Task.CompletedTask;
    }

    /// <summary>A store whose first <c>failFirst</c> upserts throw, as Redis does while it is down.</summary>
    private sealed class FlakyStore(int failFirst)
    {
        private readonly int _failFirst = failFirst;
        private int _calls;
        private int _failed;

        public int Failed => Volatile.Read(ref _failed);

        public IAlertStore Wrap(IAlertStore inner) => new Store(this, inner);

        private sealed class Store(FlakyStore owner, IAlertStore inner) : IAlertStore
        {
            public Task<AlertWriteOutcome> UpsertAsync(Alert alert, CancellationToken cancellationToken = default)
            {
                if (Interlocked.Increment(ref owner._calls) <= owner._failFirst)
                {
                    Interlocked.Increment(ref owner._failed);
                    throw new IOException("store down (test)");
                }
                return inner.UpsertAsync(alert, cancellationToken);
            }

            public Task<Alert?> GetAsync(string alertId, CancellationToken cancellationToken = default) => inner.GetAsync(alertId, cancellationToken);

            public Task<IReadOnlyList<Alert>> QueryAsync(AlertQuery query, CancellationToken cancellationToken = default) => inner.QueryAsync(query, cancellationToken);

            public Task<IReadOnlyList<Alert>> ReadStreamAsync(int count, CancellationToken cancellationToken = default) => inner.ReadStreamAsync(count, cancellationToken);

            public Task<bool> PingAsync(CancellationToken cancellationToken = default) => inner.PingAsync(cancellationToken);
        }
    }

    /// <summary>The replay composition on the embedded pair (in-memory bus, memory store).</summary>
    private sealed class Pipeline(IHost host) : IAsyncDisposable
    {
        public IServiceProvider Services => host.Services;

        public PipelineActivity Activity => Services.GetRequiredService<PipelineActivity>();

        public ReplayAlertCollector Collector => Services.GetRequiredService<ReplayAlertCollector>();

        public static async Task<Pipeline> StartAsync(Action<IServiceCollection> configure)
        {
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Bus:Transport"] = "inmemory", ["Store:Kind"] = "memory" });
            configure(builder.Services);
            builder.Services.AddReplay(builder.Configuration, notify: false);
            var host = builder.Build();
            await host.StartAsync(CancellationToken.None);
            return new Pipeline(host);
        }

        public async Task PublishAsync(List<PriceBarObserved> bars)
        {
            var bus = Services.GetRequiredService<IBus>();
            var clock = Services.GetRequiredService<VirtualClock>();
            foreach (var bar in bars)
            {
                clock.Set(bar.End);
                await bus.Publish(bar, CancellationToken.None);
            }
            using var idle = CancellationTokenSource.CreateLinkedTokenSource(CancellationToken.None);
            idle.CancelAfter(TimeSpan.FromMinutes(2));
            await Activity.WhenIdleAsync(idle.Token);
        }

        public async ValueTask DisposeAsync()
        {
            await host.StopAsync(CancellationToken.None);
            host.Dispose();
        }
    }
}
