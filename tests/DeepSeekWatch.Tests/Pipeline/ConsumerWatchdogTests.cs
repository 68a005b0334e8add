using System.Collections.Concurrent;
using DeepSeekWatch.Hosting;
using DeepSeekWatch.Pipeline;
using DeepSeekWatch.Tests.Delivery;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace DeepSeekWatch.Tests.Pipeline;

/// <summary>
/// The consumer watchdog's decisions (docs/reliability.md, Finding 7) over a scripted broker and bus and a
/// <see cref="FakeTimeProvider"/>; the real broker and bus are in the integration tests (ConsumerWatchdogOnRabbitMqTests).
/// </summary>
public sealed class ConsumerWatchdogTests
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(30);

    private sealed class ScriptedBroker : IQueueProbe
    {
        public ConcurrentDictionary<string, QueueState?> States { get; } = new();

        public ConcurrentQueue<string> Asked { get; } = new();

        public Task<QueueState?> ProbeAsync(string queue, CancellationToken cancellationToken)
        {
            Asked.Enqueue(queue);
            return Task.FromResult(States.GetValueOrDefault(queue));
        }
    }

    private sealed class ScriptedBus : IWatchedBus
    {
        public List<string> Ready { get; } = [];

        /// <summary>Endpoints MassTransit reports not healthy, with what it says of them.</summary>
        public Dictionary<string, string> Down { get; } = [];

        public int Restarts { get; private set; }

        public Exception? Failure { get; set; }

        public IReadOnlyList<WatchedEndpoint> Endpoints() =>
            [.. Ready.Select(q => new WatchedEndpoint(q, true)), .. Down.Select(d => new WatchedEndpoint(d.Key, false, d.Value))];

        public Task RestartAsync(CancellationToken cancellationToken)
        {
            Restarts++;
            return Failure is null ? Task.CompletedTask : Task.FromException(Failure);
        }
    }

    private sealed class Rig : IDisposable
    {
        public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2025, 1, 27, 15, 0, 0, TimeSpan.Zero));
        public ScriptedBroker Broker { get; } = new();
        public ScriptedBus Bus { get; } = new();
        public CapturingLoggerProvider Logs { get; } = new();
        public ServiceProvider Services { get; }
        public MetricsCapture Metrics { get; }
        public ConsumerWatchdog Watchdog { get; }

        public Rig(TimeSpan? interval = null)
        {
            var services = new ServiceCollection();
            services.AddMetrics();
            services.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(Logs));
            Services = services.BuildServiceProvider();
            Metrics = new MetricsCapture(Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
            var options = Options.Create(new BusOptions { Transport = BusOptions.RabbitMqTransport, RabbitMq = { ConsumerCheckGrace = Grace, ConsumerCheckInterval = interval ?? TimeSpan.FromSeconds(10) } });
            Watchdog = new ConsumerWatchdog(Bus, Broker, options, Time, Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), Services.GetRequiredService<ILogger<ConsumerWatchdog>>());
        }

        /// <summary>An endpoint MassTransit reports ready, and what the broker says about its queue.</summary>
        public void Watch(string queue, QueueState? state)
        {
            Bus.Ready.Add(queue);
            Broker.States[queue] = state;
        }

        public Task<IReadOnlyList<string>> CheckAfter(TimeSpan elapsed)
        {
            Time.Advance(elapsed);
            return Watchdog.CheckAsync(CancellationToken.None);
        }

        public async Task<HealthCheckResult> HealthAsync() => await new ConsumerWatchdogHealthCheck(Watchdog).CheckHealthAsync(new HealthCheckContext());

        public void Dispose()
        {
            Watchdog.Dispose();
            Metrics.Dispose();
            Services.Dispose();
        }
    }

    [Fact]
    public async Task A_ready_endpoint_whose_queue_holds_messages_and_no_consumer_for_the_grace_gets_the_bus_restarted_once()
    {
        using var rig = new Rig();
        rig.Bus.Ready.AddRange(["deepseekwatch-alert-store", "deepseekwatch-reaction-detector"]);
        rig.Broker.States["deepseekwatch-alert-store"] = new QueueState(7, 0);
        rig.Broker.States["deepseekwatch-reaction-detector"] = new QueueState(12, 1);

        Assert.Empty(await rig.CheckAfter(TimeSpan.Zero));
        // Each queue's series starts at zero on its first check (the dashboard and rate() have it before a restart).
        Assert.Equal(["deepseekwatch-alert-store", "deepseekwatch-reaction-detector"],
            rig.Metrics.Measurements.Where(m => m.Instrument == MetricNames.BusRestarts && m.Value == 0).Select(m => (string)m.Tags[MetricNames.Labels.Queue]!).Order());
        Assert.Empty(await rig.CheckAfter(Grace - TimeSpan.FromSeconds(1)));
        Assert.Equal(0, rig.Bus.Restarts);
        Assert.Equal(HealthStatus.Healthy, (await rig.HealthAsync()).Status);

        var acted = await rig.CheckAfter(TimeSpan.FromSeconds(1));

        Assert.Equal(["deepseekwatch-alert-store"], acted);
        Assert.Equal(1, rig.Bus.Restarts);
        Assert.Equal(1, rig.Metrics.Sum(MetricNames.BusRestarts, MetricNames.Labels.Queue, "deepseekwatch-alert-store"));
        Assert.Contains(rig.Logs.Entries, e => e.StartsWith("Error", StringComparison.Ordinal) && e.Contains("deepseekwatch-alert-store: 7 message(s) ready, no consumer for 30 s", StringComparison.Ordinal));
        // The restart worked: healthy again, and the queue's grace starts over (no restart on the next check).
        Assert.Equal(HealthStatus.Healthy, (await rig.HealthAsync()).Status);
        Assert.Empty(await rig.CheckAfter(TimeSpan.FromSeconds(10)));
        Assert.Equal(1, rig.Bus.Restarts);
        Assert.Equal(1, rig.Watchdog.Restarts);
    }

    [Fact]
    public async Task A_consumer_that_comes_back_within_the_grace_an_empty_queue_and_a_queue_with_consumers_restart_nothing()
    {
        using var rig = new Rig();
        rig.Bus.Ready.AddRange(["returns", "empty", "busy"]);
        rig.Broker.States["returns"] = new QueueState(7, 0);
        rig.Broker.States["empty"] = new QueueState(0, 0);
        rig.Broker.States["busy"] = new QueueState(5_000, 1);

        await rig.CheckAfter(TimeSpan.Zero);
        await rig.CheckAfter(TimeSpan.FromSeconds(20));
        rig.Broker.States["returns"] = new QueueState(7, 1);
        await rig.CheckAfter(TimeSpan.FromSeconds(10));
        rig.Broker.States["returns"] = new QueueState(7, 0);
        // 20 s after the consumer left again: less than the grace since it was last seen.
        Assert.Empty(await rig.CheckAfter(TimeSpan.FromSeconds(20)));
        for (var i = 0; i < 10; i++)
        {
            rig.Broker.States["returns"] = new QueueState(7, (uint)(i % 2));
            Assert.Empty(await rig.CheckAfter(TimeSpan.FromSeconds(20)));
        }

        Assert.Equal(0, rig.Bus.Restarts);
        Assert.Equal(0, rig.Metrics.Sum(MetricNames.BusRestarts));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)] // reported down: while the broker cannot answer, MassTransit's own reconnection is not raced
    public async Task A_queue_the_broker_cannot_report_on_starts_its_grace_again(bool ready)
    {
        using var rig = new Rig();
        rig.Watch("q", new QueueState(3, 0));
        if (!ready)
        {
            rig.Bus.Ready.Remove("q");
            rig.Bus.Down["q"] = "Unhealthy: Faulted";
        }
        await rig.CheckAfter(TimeSpan.Zero);
        rig.Broker.States["q"] = null;
        await rig.CheckAfter(TimeSpan.FromSeconds(20));
        rig.Broker.States["q"] = new QueueState(3, 0);
        Assert.Empty(await rig.CheckAfter(TimeSpan.FromSeconds(20)));
        Assert.Empty(await rig.CheckAfter(Grace - TimeSpan.FromSeconds(1)));
        Assert.Equal(0, rig.Bus.Restarts);

        Assert.Equal(["q"], await rig.CheckAfter(TimeSpan.FromSeconds(1)));
        Assert.Equal(1, rig.Bus.Restarts);
    }

    [Fact]
    public async Task An_endpoint_MassTransit_reports_down_and_does_not_bring_back_while_the_broker_answers_gets_the_bus_restarted_after_the_grace()
    {
        using var rig = new Rig();
        rig.Bus.Down["deepseekwatch-reaction-detector"] = "Unhealthy: Faulted";
        rig.Broker.States["deepseekwatch-reaction-detector"] = new QueueState(40, 0);
        Assert.Empty(await rig.CheckAfter(TimeSpan.Zero));
        Assert.Contains("deepseekwatch-reaction-detector", rig.Broker.Asked);
        Assert.Empty(await rig.CheckAfter(Grace - TimeSpan.FromSeconds(1)));
        Assert.Equal(0, rig.Bus.Restarts);

        Assert.Equal(["deepseekwatch-reaction-detector"], await rig.CheckAfter(TimeSpan.FromSeconds(1)));
        Assert.Equal(1, rig.Bus.Restarts);
        Assert.Contains(rig.Logs.Entries, e => e.StartsWith("Error", StringComparison.Ordinal)
            && e.Contains("MassTransit reports these endpoints down and has not brought them back while the broker answers: deepseekwatch-reaction-detector: 40 message(s) ready, no consumer for 30 s (MassTransit: Unhealthy: Faulted)", StringComparison.Ordinal));
        Assert.Equal(1, rig.Metrics.Sum(MetricNames.BusRestarts, MetricNames.Labels.Queue, "deepseekwatch-reaction-detector"));
    }

    [Fact]
    public async Task A_down_endpoint_another_process_consumes_for_restarts_nothing_and_one_MassTransit_no_longer_reports_starts_its_grace_again()
    {
        using var rig = new Rig();
        rig.Bus.Down["shared"] = "Degraded: reconnecting";
        rig.Broker.States["shared"] = new QueueState(9, 1); // another instance consumes it: it drains
        rig.Watch("q", new QueueState(3, 0));
        await rig.CheckAfter(TimeSpan.Zero);

        rig.Bus.Ready.Clear();
        await rig.CheckAfter(TimeSpan.FromSeconds(20));
        rig.Bus.Ready.Add("q");
        // q was gone from MassTransit's list for a check: its grace starts again when it is back (40 s in).
        Assert.Empty(await rig.CheckAfter(TimeSpan.FromSeconds(20)));
        Assert.Empty(await rig.CheckAfter(Grace - TimeSpan.FromSeconds(1)));
        Assert.Equal(["q"], await rig.CheckAfter(TimeSpan.FromSeconds(1)));
        Assert.Empty(await rig.CheckAfter(Grace * 3));
        Assert.Equal(1, rig.Bus.Restarts);
        Assert.DoesNotContain(rig.Logs.Entries, e => e.Contains("shared", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_failed_restart_keeps_ready_unhealthy_naming_the_queue_and_is_tried_again_a_grace_later_until_one_succeeds()
    {
        using var rig = new Rig();
        rig.Watch("deepseekwatch-alert-store", new QueueState(7, 0));
        rig.Bus.Failure = new TimeoutException("the bus did not start in time");
        await rig.CheckAfter(TimeSpan.Zero);

        Assert.Equal(["deepseekwatch-alert-store"], await rig.CheckAfter(Grace));

        var health = await rig.HealthAsync();
        Assert.Equal(HealthStatus.Unhealthy, health.Status);
        Assert.Contains("deepseekwatch-alert-store", health.Description, StringComparison.Ordinal);
        Assert.Contains("the bus did not start in time", health.Description, StringComparison.Ordinal);
        // The bus may be stopped now, its endpoints no longer reported: what the broker says no longer decides.
        rig.Bus.Ready.Clear();
        rig.Broker.States["deepseekwatch-alert-store"] = null;
        Assert.Empty(await rig.CheckAfter(Grace - TimeSpan.FromSeconds(1)));
        Assert.Equal(1, rig.Bus.Restarts);
        Assert.Equal(HealthStatus.Unhealthy, (await rig.HealthAsync()).Status);

        Assert.Equal(["deepseekwatch-alert-store"], await rig.CheckAfter(TimeSpan.FromSeconds(1)));
        Assert.Equal(2, rig.Bus.Restarts);
        Assert.Equal(HealthStatus.Unhealthy, (await rig.HealthAsync()).Status);
        Assert.Contains(rig.Logs.Entries, e => e.StartsWith("Error", StringComparison.Ordinal) && e.Contains("again: the restart at", StringComparison.Ordinal));

        rig.Bus.Failure = null;
        Assert.Equal(["deepseekwatch-alert-store"], await rig.CheckAfter(Grace));
        Assert.Equal(3, rig.Bus.Restarts);
        Assert.Equal(HealthStatus.Healthy, (await rig.HealthAsync()).Status);
        rig.Watch("deepseekwatch-alert-store", new QueueState(0, 1));
        Assert.Empty(await rig.CheckAfter(Grace));
        Assert.Equal(3, rig.Bus.Restarts);
        Assert.Equal(3, rig.Metrics.Sum(MetricNames.BusRestarts, MetricNames.Labels.Queue, "deepseekwatch-alert-store"));
    }

    [Fact]
    public async Task A_restart_whose_stop_outlives_its_bound_starts_the_bus_all_the_same()
    {
        var calls = new ConcurrentQueue<string>();
        var bus = BusRecorder.Create(calls, stopHangs: true);
        var logs = new CapturingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs));
        var watched = new MassTransitWatchedBus(bus, Options.Create(new BusOptions()), factory.CreateLogger<MassTransitWatchedBus>()) { StopBound = TimeSpan.FromMilliseconds(100) };

        await watched.RestartAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(["StopAsync", "StartAsync"], calls);
        Assert.Contains(logs.Entries, e => e.Contains("did not stop within", StringComparison.Ordinal));
    }

    /// <summary>An <see cref="MassTransit.IBusControl"/> that records StopAsync and StartAsync; its stop may hang until cancelled.</summary>
    public class BusRecorder : System.Reflection.DispatchProxy
    {
        private ConcurrentQueue<string> _calls = new();
        private bool _stopHangs;

        public static MassTransit.IBusControl Create(ConcurrentQueue<string> calls, bool stopHangs)
        {
            var proxy = Create<MassTransit.IBusControl, BusRecorder>();
            var recorder = (BusRecorder)(object)proxy;
            recorder._calls = calls;
            recorder._stopHangs = stopHangs;
            return proxy;
        }

        protected override object? Invoke(System.Reflection.MethodInfo? targetMethod, object?[]? args)
        {
            var name = targetMethod!.Name;
            _calls.Enqueue(name);
            var token = args?.OfType<CancellationToken>().FirstOrDefault() ?? CancellationToken.None;
            return name switch
            {
                "StopAsync" => _stopHangs ? Task.Delay(Timeout.Infinite, token) : Task.CompletedTask,
                "StartAsync" => Task.FromResult<MassTransit.BusHandle>(null!),
                _ => throw new NotSupportedException(name),
            };
        }
    }

    [Fact]
    public async Task Running_as_a_hosted_service_it_checks_at_start_and_then_every_interval()
    {
        using var rig = new Rig(TimeSpan.FromSeconds(10));
        var asked = new SemaphoreSlim(0);
        rig.Watch("q", new QueueState(1, 0));
        var probe = new CountingProbe(rig.Broker, asked);
        var options = Options.Create(new BusOptions { Transport = BusOptions.RabbitMqTransport, RabbitMq = { ConsumerCheckGrace = Grace, ConsumerCheckInterval = TimeSpan.FromSeconds(10) } });
        var time = new TimerSignallingTime(rig.Time.GetUtcNow());
        using var watchdog = new ConsumerWatchdog(rig.Bus, probe, options, time, rig.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), rig.Services.GetRequiredService<ILogger<ConsumerWatchdog>>());
        await watchdog.StartAsync(CancellationToken.None);
        // ExecuteAsync runs on a thread of its own: time moves only once its timer exists.
        await time.TimerCreated.Task.WaitAsync(TimeSpan.FromSeconds(30));

        // A check at once, then one per interval; the one 30 s after the first restarts the bus.
        Assert.True(await asked.WaitAsync(TimeSpan.FromSeconds(30)), "no check at start");
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(0, rig.Bus.Restarts);
            Assert.False(await asked.WaitAsync(TimeSpan.Zero));
            await WaitForCheckAsync(time, asked, TimeSpan.FromSeconds(10));
        }
        await watchdog.StopAsync(CancellationToken.None);
        Assert.Equal(1, rig.Bus.Restarts);
    }

    [Fact]
    public async Task A_zero_interval_turns_the_watchdog_off()
    {
        using var rig = new Rig(TimeSpan.Zero);
        rig.Watch("q", new QueueState(1, 0));
        await rig.Watchdog.StartAsync(CancellationToken.None);
        Assert.NotNull(rig.Watchdog.ExecuteTask);
        await rig.Watchdog.ExecuteTask.WaitAsync(TimeSpan.FromSeconds(30));
        rig.Time.Advance(TimeSpan.FromHours(1));
        await rig.Watchdog.StopAsync(CancellationToken.None);
        Assert.Empty(rig.Broker.Asked);
    }

    [Theory]
    [InlineData("rabbitmq://127.0.0.1:38859/broker-kill/deepseekwatch-alert-store", "deepseekwatch-alert-store")]
    [InlineData("rabbitmq://localhost/deepseekwatch-headline-classifier", "deepseekwatch-headline-classifier")]
    [InlineData("rabbitmq://localhost:5672/a%2Fb/deepseekwatch-detector-p3", "deepseekwatch-detector-p3")]
    [InlineData("rabbitmq://127.0.0.1:38859/broker-kill/vm_testhost_bus_jcmoyyf8hdxzpkkzbdxwh85u8n?temporary=true", null)]
    [InlineData("not an address", null)]
    public void Queue_names_come_from_the_endpoint_addresses_and_temporary_endpoints_are_left_out(string address, string? queue)
    {
        Assert.Equal(queue, MassTransitWatchedBus.QueueOf(address));
    }

    [Theory]
    [InlineData("rabbitmq", true, false, true)]
    [InlineData("rabbitmq", false, true, true)] // the delivery role: its notifier endpoints
    [InlineData("rabbitmq", false, false, false)] // the pollers role only publishes
    [InlineData("inmemory", true, true, false)]
    public async Task The_pipeline_runs_the_watchdog_and_its_ready_check_where_RabbitMQ_endpoints_consume(string transport, bool consumers, bool notify, bool watched)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Bus:Transport"] = transport }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddDeepSeekWatchPipeline(configuration, new PipelineSettings { Consumers = consumers, Notify = notify });
        await using var provider = services.BuildServiceProvider();

        var hosted = provider.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<ConsumerWatchdog>().ToList();
        var checks = provider.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations.Where(r => r.Name == "bus-consumers").ToList();
        Assert.Equal(watched ? 1 : 0, hosted.Count);
        Assert.Equal(watched ? 1 : 0, checks.Count);
        if (watched)
        {
            Assert.Contains("ready", checks[0].Tags);
            Assert.IsType<MassTransitWatchedBus>(provider.GetRequiredService<IWatchedBus>());
            Assert.IsType<RabbitMqQueueProbe>(provider.GetRequiredService<IQueueProbe>());
        }
    }

    private sealed class TimerSignallingTime(DateTimeOffset start) : FakeTimeProvider(start)
    {
        public TaskCompletionSource TimerCreated { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = base.CreateTimer(callback, state, dueTime, period);
            TimerCreated.TrySetResult();
            return timer;
        }
    }

    private sealed class CountingProbe(IQueueProbe inner, SemaphoreSlim asked) : IQueueProbe
    {
        public async Task<QueueState?> ProbeAsync(string queue, CancellationToken cancellationToken)
        {
            var state = await inner.ProbeAsync(queue, cancellationToken);
            asked.Release();
            return state;
        }
    }

    private static async Task WaitForCheckAsync(FakeTimeProvider time, SemaphoreSlim asked, TimeSpan interval)
    {
        time.Advance(interval);
        Assert.True(await asked.WaitAsync(TimeSpan.FromSeconds(30)), "no check after the interval");
    }
}
