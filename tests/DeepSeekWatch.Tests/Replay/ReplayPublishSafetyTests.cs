using System.Collections.Concurrent;
using System.Reflection;
using DeepSeekWatch.Alerts;
using DeepSeekWatch.Contracts;
using DeepSeekWatch.Pipeline;
using DeepSeekWatch.Replay;
using DeepSeekWatch.Tests.Support;
using MassTransit;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace DeepSeekWatch.Tests.Replay;

/// <summary>
/// Publish safety of <see cref="ReplayRunner"/> (docs/reliability.md, Finding 1): every publish attempt is bounded by
/// <c>Replay:PublishTimeout</c>, a timed-out or transiently failed one is retried, and when the retries are spent the
/// replay fails naming the event. The bus is a fake whose publishes hang, fail or succeed as each test says; the
/// timeout runs on a <see cref="FakeTimeProvider"/> advanced once the attempt is known to be waiting.
/// </summary>
public class ReplayPublishSafetyTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private static readonly DateTimeOffset Day = new(2025, 1, 27, 21, 0, 0, TimeSpan.Zero);

    private static TapeEvent.Bar Bar(string symbol, int line) => new(new PriceBarObserved(
        $"bar-{symbol}-{line}", "test", symbol, "1d", Day.AddDays(-1), Day, 100m, 101m, 99m, 100m, 1000, Replay: true), line);

    private static ReplayRunner Runner(IBus bus, TimeProvider time, ReplayPublishOptions options) => new(
        bus, new PipelineActivity(), new ReplayAlertCollector(),
        new MemoryAlertStore(Options.Create(new StoreOptions()), time), new VirtualClock(), time, options);

    [Fact]
    public async Task A_publish_that_hangs_is_timed_out_and_retried_and_the_replay_completes()
    {
        var time = new FakeTimeProvider();
        // The first attempt never completes and ignores its token: the runner must stop waiting on its own.
        var bus = FakeBus.Create((call, _, _) => call == 1 ? new TaskCompletionSource().Task : Task.CompletedTask);
        var options = new ReplayPublishOptions { PublishTimeout = TimeSpan.FromSeconds(30), PublishRetries = 2, PublishRetryDelay = TimeSpan.Zero };

        var run = Runner(bus, time, options).RunAsync([Bar("NVDA", 1), Bar("AVGO", 2)], ReplayPace.Max, Bound, null, CancellationToken.None);
        await FakeBus.Of(bus).WhenCalls(1).WaitAsync(Bound);
        time.Advance(options.PublishTimeout);
        var outcome = await run.WaitAsync(Bound);

        Assert.Equal(2, outcome.Published);
        var published = FakeBus.Of(bus).Messages.Select(m => m is PriceBarObserved b ? b.Symbol : m.GetType().Name).ToList();
        // NVDA twice (the hung attempt, then its retry), AVGO (same time: published alongside) and the end-of-tape clock once.
        Assert.Equal(2, published.Count(s => s == "NVDA"));
        Assert.Equal(1, published.Count(s => s == "AVGO"));
        Assert.Equal(nameof(ClockAdvanced), published[^1]);
        Assert.Equal(4, published.Count);
    }

    [Fact]
    public async Task A_publish_that_always_fails_ends_the_replay_with_an_exception_naming_the_event_after_every_attempt()
    {
        var time = new FakeTimeProvider();
        var bus = FakeBus.Create((_, message, _) => message is PriceBarObserved { Symbol: "NVDA" }
            ? Task.FromException(new MassTransitException("connection lost"))
            : Task.CompletedTask);
        var options = new ReplayPublishOptions { PublishTimeout = TimeSpan.FromSeconds(30), PublishRetries = 3, PublishRetryDelay = TimeSpan.Zero };

        var ex = await Assert.ThrowsAsync<ReplayPublishException>(() =>
            Runner(bus, time, options).RunAsync([Bar("NVDA", 7)], ReplayPace.Max, Bound, null, CancellationToken.None).WaitAsync(Bound));

        Assert.Equal(4, FakeBus.Of(bus).Messages.Count(m => m is PriceBarObserved));
        Assert.Contains("PriceBarObserved NVDA", ex.Message, StringComparison.Ordinal);
        Assert.Contains("bar-NVDA-7", ex.Message, StringComparison.Ordinal);
        Assert.Contains("2025-01-27T21:00:00.0000000+00:00", ex.Message, StringComparison.Ordinal);
        Assert.Contains("tape line 7", ex.Message, StringComparison.Ordinal);
        Assert.Contains("after 4 attempt(s)", ex.Message, StringComparison.Ordinal);
        Assert.Contains("connection lost", ex.Message, StringComparison.Ordinal);
        Assert.IsType<MassTransitException>(ex.InnerException);
    }

    [Fact]
    public async Task A_publish_that_keeps_timing_out_ends_the_replay_naming_the_event_and_the_timeout()
    {
        var time = new FakeTimeProvider();
        // Honours its token: cancelled by the timeout each time.
        var bus = FakeBus.Create((_, message, ct) => message is PriceBarObserved ? Task.Delay(Timeout.Infinite, ct) : Task.CompletedTask);
        var options = new ReplayPublishOptions { PublishTimeout = TimeSpan.FromSeconds(5), PublishRetries = 1, PublishRetryDelay = TimeSpan.Zero };

        var run = Runner(bus, time, options).RunAsync([Bar("AVGO", 3)], ReplayPace.Max, Bound, null, CancellationToken.None);
        for (var call = 1; call <= 2; call++)
        {
            await FakeBus.Of(bus).WhenCalls(call).WaitAsync(Bound);
            time.Advance(options.PublishTimeout);
        }
        var ex = await Assert.ThrowsAsync<ReplayPublishException>(() => run.WaitAsync(Bound));

        Assert.Equal(2, FakeBus.Of(bus).Messages.Count);
        Assert.Contains("PriceBarObserved AVGO", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Replay:PublishTimeout", ex.Message, StringComparison.Ordinal);
        Assert.IsType<TimeoutException>(ex.InnerException);
    }

    [Fact]
    public async Task The_callers_cancellation_is_not_retried()
    {
        var time = new FakeTimeProvider();
        var bus = FakeBus.Create((_, _, ct) => Task.Delay(Timeout.Infinite, ct));
        var options = new ReplayPublishOptions { PublishTimeout = TimeSpan.FromSeconds(30), PublishRetries = 5, PublishRetryDelay = TimeSpan.Zero };
        using var cts = new CancellationTokenSource();

        var run = Runner(bus, time, options).RunAsync([Bar("NVDA", 1)], ReplayPace.Max, Bound, null, cts.Token);
        await FakeBus.Of(bus).WhenCalls(1).WaitAsync(Bound);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(Bound));
        Assert.Single(FakeBus.Of(bus).Messages);
    }

    [Fact]
    public async Task A_publish_failing_for_another_reason_than_the_transport_is_not_retried_and_names_the_event()
    {
        var time = new FakeTimeProvider();
        var bus = FakeBus.Create((_, _, _) => Task.FromException(new InvalidOperationException("cannot serialise")));
        var options = new ReplayPublishOptions { PublishRetryDelay = TimeSpan.Zero };

        var ex = await Assert.ThrowsAsync<ReplayPublishException>(() =>
            Runner(bus, time, options).RunAsync([Bar("META", 9)], ReplayPace.Max, Bound, null, CancellationToken.None).WaitAsync(Bound));

        Assert.Single(FakeBus.Of(bus).Messages);
        Assert.Contains("PriceBarObserved META", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_backoff_doubles_from_the_configured_delay_up_to_30_seconds()
    {
        var options = new ReplayPublishOptions();
        Assert.Equal(
            new[] { 1, 2, 4, 8, 16, 30, 30 }.Select(s => TimeSpan.FromSeconds(s)),
            Enumerable.Range(1, 7).Select(options.DelayBefore));
        Assert.Equal(TimeSpan.FromSeconds(30), options.PublishTimeout);
        Assert.Equal(5, options.PublishRetries);
    }

    [Fact]
    public async Task A_bad_publish_setting_stops_start_up_naming_the_key()
    {
        var result = await Cli.RunAsync("replay", Repo.SampleTape, "--quiet", "--set", "Replay:PublishTimeout=00:00:00");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Replay:PublishTimeout", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_late_copy_of_a_timed_out_attempt_and_a_duplicate_of_its_retry_neither_hang_nor_end_the_idle_wait_early()
    {
        var activity = new PipelineActivity();
        activity.Subscribe(typeof(PriceBarObserved), 2);
        var ledger = new ReplayLedger(activity);
        const string a = "loopback://localhost/endpoint-a", b = "loopback://localhost/endpoint-b";

        var first = ledger.Begin(Bar("NVDA", 1).Value);
        Assert.Equal(2, ledger.Outstanding);
        ledger.Abandoned(first); // timed out: the broker may or may not have it
        var retry = ledger.Begin(Bar("NVDA", 1).Value);
        var idle = ledger.WhenIdleAsync(CancellationToken.None);
        Assert.Equal(2, ledger.Outstanding);

        // The timed-out attempt's copy does arrive, at both endpoints: it is a duplicate and counts nothing.
        await ledger.PostReceive(FakeReceive.Create(activity.RunId, first, a));
        await ledger.PostReceive(FakeReceive.Create(activity.RunId, first, b));
        Assert.Equal(2, ledger.Outstanding);
        // The retry reaches endpoint a twice (a redelivery): endpoint b has still to handle it.
        await ledger.PostReceive(FakeReceive.Create(activity.RunId, retry, a));
        await ledger.ReceiveFault(FakeReceive.Create(activity.RunId, retry, a), new InvalidOperationException("redelivered"));
        // Another run's message with the same attempt id is not ours.
        await ledger.PostReceive(FakeReceive.Create("another-run", retry, b));
        Assert.Equal(1, ledger.Outstanding);
        Assert.False(idle.IsCompleted);

        await ledger.PostReceive(FakeReceive.Create(activity.RunId, retry, b));
        Assert.Equal(0, ledger.Outstanding);
        await idle.WaitAsync(Bound);

        // Nothing drifted below zero: the next event re-arms the wait (PipelineActivity's count, at -2 here, would not).
        ledger.Begin(Bar("NVDA", 1).Value);
        Assert.Equal(2, ledger.Outstanding);
        Assert.False(ledger.WhenIdleAsync(CancellationToken.None).IsCompleted);
    }

    [Fact]
    public async Task What_a_consumer_publishes_while_handling_a_replayed_event_is_waited_for_too()
    {
        var activity = new PipelineActivity();
        activity.Subscribe(typeof(PriceBarObserved));
        activity.Subscribe(typeof(AlertRaised));
        var ledger = new ReplayLedger(activity);

        var bar = ledger.Begin(Bar("NVDA", 1).Value);
        // The detector, handling the bar, publishes an alert (MassTransit copies the bar's headers onto it, not its MessageId).
        var alert = Guid.NewGuid();
        await ledger.PrePublish(FakePublish<AlertRaised>.Create(alert));
        await ledger.PostReceive(FakeReceive.Create(activity.RunId, bar, "loopback://localhost/detector"));
        Assert.Equal(1, ledger.Outstanding);
        Assert.False(ledger.WhenIdleAsync(CancellationToken.None).IsCompleted);

        await ledger.PostReceive(FakeReceive.Create(activity.RunId, alert, "loopback://localhost/alert-store"));
        Assert.Equal(0, ledger.Outstanding);
        await ledger.WhenIdleAsync(CancellationToken.None).WaitAsync(Bound);
    }

    /// <summary>A <see cref="PublishContext{T}"/> with a MessageId and a message (a stand-in, never read but for its type); nothing else.</summary>
    public class FakePublish<T> : DispatchProxy
        where T : class
    {
        private Guid _id;

        public static PublishContext<T> Create(Guid messageId)
        {
            var context = Create<PublishContext<T>, FakePublish<T>>();
            ((FakePublish<T>)(object)context)._id = messageId;
            return context;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) => targetMethod?.Name switch
        {
            "get_MessageId" => (Guid?)_id,
            "get_Message" => System.Runtime.CompilerServices.RuntimeHelpers.GetUninitializedObject(typeof(T)),
            _ => throw new NotSupportedException(targetMethod?.Name),
        };
    }

    /// <summary>A <see cref="ReceiveContext"/> with the run header, a MessageId and an input address; nothing else.</summary>
    public class FakeReceive : DispatchProxy
    {
        private Dictionary<string, object> _headers = [];
        private Uri? _input;

        public static ReceiveContext Create(string runId, Guid messageId, string inputAddress)
        {
            var receive = Create<ReceiveContext, FakeReceive>();
            var fake = (FakeReceive)(object)receive;
            fake._headers = new() { [PipelineActivity.RunHeader] = runId, [MessageHeaders.MessageId] = messageId.ToString() };
            fake._input = new Uri(inputAddress);
            return receive;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) => targetMethod?.Name switch
        {
            "get_InputAddress" => _input,
            "get_TransportHeaders" => FakeHeaders.Create(_headers),
            _ => throw new NotSupportedException(targetMethod?.Name),
        };
    }

    public class FakeHeaders : DispatchProxy
    {
        private Dictionary<string, object> _headers = [];

        public static Headers Create(Dictionary<string, object> headers)
        {
            var h = Create<Headers, FakeHeaders>();
            ((FakeHeaders)(object)h)._headers = headers;
            return h;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            if (targetMethod?.Name != "TryGetHeader")
                throw new NotSupportedException(targetMethod?.Name);
            var found = _headers.TryGetValue((string)args![0]!, out var value);
            args[1] = value;
            return found;
        }
    }

    /// <summary>
    /// An <see cref="IBus"/> whose every <c>Publish</c> is recorded and answered by a behaviour (call number from 1,
    /// message, token); observers can be connected and are never called. Anything else is not supported.
    /// </summary>
    public class FakeBus : DispatchProxy
    {
        private readonly ConcurrentQueue<object> _messages = new();
        private readonly Lock _gate = new();
        private readonly List<(int Calls, TaskCompletionSource Signal)> _waiters = [];
        private Func<int, object, CancellationToken, Task> _behaviour = (_, _, _) => Task.CompletedTask;
        private int _calls;

        public IReadOnlyList<object> Messages => _messages.ToArray();

        public static IBus Create(Func<int, object, CancellationToken, Task> behaviour)
        {
            var bus = Create<IBus, FakeBus>();
            ((FakeBus)(object)bus)._behaviour = behaviour;
            return bus;
        }

        public static FakeBus Of(IBus bus) => (FakeBus)(object)bus;

        /// <summary>Completes once <paramref name="calls"/> publishes have been made (and are waiting, if they wait).</summary>
        public Task WhenCalls(int calls)
        {
            lock (_gate)
            {
                if (_calls >= calls)
                    return Task.CompletedTask;
                var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Add((calls, tcs));
                return tcs.Task;
            }
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            switch (targetMethod?.Name)
            {
                case "Publish":
                    var message = args![0]!;
                    var ct = args.OfType<CancellationToken>().LastOrDefault();
                    _messages.Enqueue(message);
                    int call;
                    lock (_gate)
                        call = ++_calls;
                    var result = _behaviour(call, message, ct);
                    lock (_gate)
                    {
                        foreach (var w in _waiters.Where(w => w.Calls <= call).ToList())
                        {
                            w.Signal.TrySetResult();
                            _waiters.Remove(w);
                        }
                    }
                    return result;
                case "ConnectPublishObserver" or "ConnectReceiveObserver":
                    return new NoHandle();
                default:
                    throw new NotSupportedException(targetMethod?.Name);
            }
        }

        private sealed class NoHandle : ConnectHandle
        {
            public void Disconnect()
            {
            }

            public void Dispose()
            {
            }
        }
    }
}
