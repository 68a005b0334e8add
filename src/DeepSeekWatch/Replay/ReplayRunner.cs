using System.Collections.Concurrent;
using System.Diagnostics;
using DeepSeekWatch.Alerts;
using DeepSeekWatch.Contracts;
using DeepSeekWatch.Detection;
using DeepSeekWatch.Pipeline;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace DeepSeekWatch.Replay;

/// <summary>How a replay runs: as fast as possible, or at a multiple of the tape's own pace.</summary>
public sealed record ReplayPace(double? Speed)
{
    public static readonly ReplayPace Max = new((double?)null);
}

/// <summary>What a replay did.</summary>
public sealed record ReplayOutcome(int Published, IReadOnlyList<Alert> Alerts, long Faulted);

/// <summary>Collects the ids of the alerts the store accepted during this replay.</summary>
public sealed class ReplayAlertCollector : IAlertStoredListener
{
    private readonly ConcurrentDictionary<string, byte> _ids = new(StringComparer.Ordinal);

    public IReadOnlyCollection<string> Ids => (IReadOnlyCollection<string>)_ids.Keys;

    public void Stored(Alert alert, AlertWriteOutcome outcome) => _ids.TryAdd(alert.AlertId, 0);
}

/// <summary>
/// Configuration section <c>Replay</c>: how the replay publishes. Every publish attempt has a timeout; a timed-out or
/// transiently failed publish is retried with exponential backoff, and when the retries are spent the replay fails
/// with a <see cref="ReplayPublishException"/> naming the event: never silently dropped.
/// </summary>
public sealed class ReplayPublishOptions
{
    public const string Section = "Replay";

    /// <summary><c>Replay:PublishTimeout</c>: how long one publish attempt may wait for the broker's confirm.</summary>
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary><c>Replay:PublishRetries</c>: retries after the first attempt before the replay fails.</summary>
    public int PublishRetries { get; set; } = 5;

    /// <summary><c>Replay:PublishRetryDelay</c>: the first backoff; it doubles at each retry, up to 30 s.</summary>
    public TimeSpan PublishRetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);

    /// <summary>The wait before retry <paramref name="retry"/> (1-based).</summary>
    public TimeSpan DelayBefore(int retry)
    {
        var ticks = PublishRetryDelay.Ticks * Math.Pow(2, Math.Min(retry - 1, 30));
        return ticks >= MaxRetryDelay.Ticks ? MaxRetryDelay : TimeSpan.FromTicks((long)ticks);
    }

    public IEnumerable<string> Validate()
    {
        if (PublishTimeout <= TimeSpan.Zero)
            yield return $"Replay:PublishTimeout: {PublishTimeout} must be positive";
        if (PublishRetries is < 0 or > 100)
            yield return $"Replay:PublishRetries: {PublishRetries} must be between 0 and 100";
        if (PublishRetryDelay < TimeSpan.Zero || PublishRetryDelay > MaxRetryDelay)
            yield return $"Replay:PublishRetryDelay: {PublishRetryDelay} must be between 0 and {MaxRetryDelay}";
    }
}

internal sealed class ReplayPublishOptionsValidator : Microsoft.Extensions.Options.IValidateOptions<ReplayPublishOptions>
{
    public Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? name, ReplayPublishOptions options)
    {
        var errors = options.Validate().ToList();
        return errors.Count == 0 ? Microsoft.Extensions.Options.ValidateOptionsResult.Success : Microsoft.Extensions.Options.ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>A tape event the replay could not get the broker to confirm, after every attempt.</summary>
public sealed class ReplayPublishException(string message, Exception inner) : Exception(message, inner);

/// <summary>
/// Feeds tape events to the bus in time order on a virtual clock, then waits until the pipeline is idle and reads the
/// alerts it produced back from the store (their latest revisions). Before a bar that follows a headline, it waits for
/// the headline to be classified and seen by the detector, so a replay's alerts — revisions included — do not depend on
/// how the transport interleaves messages. Events with the same time are published concurrently.
/// Publishes are bounded and retried (<see cref="ReplayPublishOptions"/>); see <see cref="ReplayLedger"/> for how the
/// idle waits stay exact when a retry duplicates a message.
/// </summary>
public sealed class ReplayRunner(IBus bus, PipelineActivity activity, ReplayAlertCollector collector, IAlertStore store, VirtualClock clock, TimeProvider time, ReplayPublishOptions? publishOptions = null, ILogger<ReplayRunner>? logger = null)
{
    private readonly ReplayPublishOptions _publish = publishOptions ?? new ReplayPublishOptions();

    public async Task<ReplayOutcome> RunAsync(IReadOnlyList<TapeEvent> events, ReplayPace pace, TimeSpan idleTimeout, Action<int, int>? progress, CancellationToken cancellationToken)
    {
        var ledger = new ReplayLedger(activity);
        using var publishHandle = bus.ConnectPublishObserver(ledger);
        using var receiveHandle = bus.ConnectReceiveObserver(ledger);
        var published = 0;
        var lastProgress = Stopwatch.GetTimestamp();
        var pendingHeadline = false;
        DateTimeOffset? previous = null;
        for (var i = 0; i < events.Count;)
        {
            var t = events[i].Time;
            var j = i;
            while (j < events.Count && events[j].Time == t)
                j++;
            if (pace.Speed is { } speed && previous is { } prev && t > prev)
                await Task.Delay(TimeSpan.FromTicks((long)((t - prev).Ticks / speed)), time, cancellationToken);
            clock.Set(t);
            previous = t;

            var hasBar = false;
            for (var k = i; k < j && !hasBar; k++)
                hasBar = events[k] is TapeEvent.Bar;
            if (pendingHeadline && hasBar)
            {
                await WaitIdle(ledger, idleTimeout, cancellationToken);
                pendingHeadline = false;
            }
            var batch = new Task[j - i];
            for (var k = i; k < j; k++)
            {
                batch[k - i] = events[k] switch
                {
                    TapeEvent.Bar b => PublishAsync(ledger, b.Value, () => Describe(b), cancellationToken),
                    TapeEvent.Headline h => PublishAsync(ledger, h.Value, () => Describe(h), cancellationToken),
                    _ => Task.CompletedTask,
                };
                pendingHeadline |= events[k] is TapeEvent.Headline;
            }
            await Task.WhenAll(batch);
            published += j - i;
            i = j;
            if (progress is not null && Stopwatch.GetElapsedTime(lastProgress) >= TimeSpan.FromSeconds(1))
            {
                progress(published, events.Count);
                lastProgress = Stopwatch.GetTimestamp();
            }
        }
        await WaitIdle(ledger, idleTimeout, cancellationToken);
        // The tape is over: no benchmark bar is still to come, so decisions still waiting for one are made now.
        if (previous is { } end)
        {
            var tick = new ClockAdvanced(end.AddDays(1), Replay: true);
            await PublishAsync(ledger, tick, () => FormattableString.Invariant($"ClockAdvanced {tick.Now:O} (end of tape)"), cancellationToken);
            await WaitIdle(ledger, idleTimeout, cancellationToken);
        }
        progress?.Invoke(published, events.Count);

        var alerts = new List<Alert>();
        foreach (var id in collector.Ids)
        {
            if (await store.GetAsync(id, cancellationToken) is { } alert)
                alerts.Add(alert);
        }
        alerts.Sort(ReplayAlertOrder.Instance);
        return new ReplayOutcome(published, alerts, activity.Faulted);
    }

    /// <summary>
    /// Publishes one event: each attempt is bounded by <c>Replay:PublishTimeout</c> (a linked token, and the wait is
    /// abandoned even if the transport ignores the token); a timed-out or transiently failed attempt is retried with
    /// backoff up to <c>Replay:PublishRetries</c> times; then the replay fails naming the event. The caller's own
    /// cancellation is never retried. Every attempt is a distinct message for the <see cref="ReplayLedger"/>.
    /// </summary>
    private async Task PublishAsync<T>(ReplayLedger ledger, T message, Func<string> describe, CancellationToken cancellationToken)
        where T : class
    {
        var attempts = _publish.PublishRetries + 1;
        for (var attempt = 1; ; attempt++)
        {
            var id = ledger.Begin(message);
            using var timeout = new CancellationTokenSource(_publish.PublishTimeout, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            Exception failure;
            try
            {
                // Confirmed: the attempt keeps counting, as it did in flight, until its subscribers have received it.
                await bus.Publish(message, ctx => ctx.MessageId = id, linked.Token).WaitAsync(linked.Token);
                return;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                ledger.Abandoned(id);
                throw;
            }
            catch (OperationCanceledException ex) when (timeout.IsCancellationRequested)
            {
                failure = new TimeoutException($"no confirm within {_publish.PublishTimeout} (Replay:PublishTimeout)", ex);
            }
            catch (Exception ex) when (IsTransient(ex))
            {
                failure = ex;
            }
            catch (Exception ex)
            {
                ledger.Abandoned(id);
                throw new ReplayPublishException($"could not publish {describe()}: {ex.GetType().Name}: {ex.Message}", ex);
            }
            // Whether the broker got this attempt is unknown: it leaves the ledger's count, a copy that does arrive
            // is consumed as a duplicate (consumers are idempotent) and changes no count.
            ledger.Abandoned(id);
            if (attempt >= attempts)
                throw new ReplayPublishException($"could not publish {describe()} after {attempts} attempt(s): {failure.GetType().Name}: {failure.Message}", failure);
            var delay = _publish.DelayBefore(attempt);
            logger?.LogWarning("replay: publishing {Event} failed (attempt {Attempt} of {Attempts}): {Failure}; retrying in {Delay}", describe(), attempt, attempts, failure.Message, delay);
            if (delay > TimeSpan.Zero)
                await Task.Delay(delay, time, cancellationToken);
        }
    }

    /// <summary>Connection and transport failures a later attempt may not meet; anything else (a bug, a serialisation error) fails at once.</summary>
    private static bool IsTransient(Exception ex) => ex is MassTransitException or RabbitMQ.Client.Exceptions.RabbitMQClientException
        or IOException or System.Net.Sockets.SocketException or TimeoutException or OperationCanceledException
        || (ex is AggregateException { InnerExceptions: var inner } && inner.All(IsTransient));

    private static string Describe(TapeEvent.Bar b) =>
        FormattableString.Invariant($"PriceBarObserved {b.Value.Symbol} {b.Value.Interval} ending {b.Value.End:O} (event {b.Value.EventId}, tape line {b.Line})");

    private static string Describe(TapeEvent.Headline h) =>
        FormattableString.Invariant($"HeadlineObserved '{h.Value.Title}' published {h.Value.PublishedAt:O} (event {h.Value.EventId}, tape line {h.Line})");

    private static async Task WaitIdle(ReplayLedger ledger, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            await ledger.WhenIdleAsync(cts.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"the pipeline was still busy after {timeout} ({ledger.Outstanding} deliveries outstanding); raise --idle-timeout or check the consumers' logs");
        }
    }
}

/// <summary>
/// The replay's own count of what is left to consume, kept because a retried publish breaks
/// <see cref="PipelineActivity"/>'s arithmetic: it adds a message's subscriber count in <c>PrePublish</c> and takes it
/// back only in <c>PublishFault</c>, so an attempt that timed out after the broker took it (or that never faults)
/// and its retry are two messages whose copies may or may not arrive: its count could stay above zero (the idle wait
/// hangs) or fall below it (a later wait ends early, since it only re-arms when the count leaves exactly zero).
/// <para>
/// Here, under one lock: a message published inside the pipeline (by a consumer) counts as in
/// <see cref="PipelineActivity"/> (+n before publish, −n on a publish fault, −1 per receive stamped with the run's
/// id). A message the replay publishes itself carries an attempt id as its <c>MessageId</c> (not a header:
/// MassTransit copies a consumed message's headers onto what its consumer publishes, never its MessageId); it counts
/// max(0, n − receive endpoints that finished a copy of that attempt) while in flight or confirmed, and nothing once abandoned (timed out,
/// failed, cancelled): the retry that follows is a new attempt that counts in its place. So a duplicate copy, of an
/// abandoned attempt or from the transport's own resend, never counts below zero, and a copy that never arrives never
/// counts at all: the wait neither hangs nor ends before every confirmed event has been handled by every subscriber
/// (a receive counts when it is finished, <c>PostReceive</c> or <c>ReceiveFault</c>, after the consumer's own
/// publishes have been counted). Every wait happens after all of the replay's publishes so far returned, so no attempt
/// is in flight then.
/// </para>
/// </summary>
internal sealed class ReplayLedger(PipelineActivity activity) : IPublishObserver, IReceiveObserver
{
    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, Attempt> _attempts = [];
    private long _inner;
    private long _own;
    private TaskCompletionSource _idle = Completed();

    private sealed class Attempt(int subscribers)
    {
        public int Subscribers { get; } = subscribers;

        /// <summary>The receive endpoints that finished a copy: a second copy at the same endpoint is a duplicate.</summary>
        public HashSet<string> Endpoints { get; } = new(StringComparer.Ordinal);

        public bool Abandoned { get; set; }

        public long Count => Abandoned ? 0 : Math.Max(0, Subscribers - Endpoints.Count);
    }

    public long Outstanding
    {
        get
        {
            lock (_gate)
                return Total;
        }
    }

    // Messages published inside the pipeline are counted as PipelineActivity counts them, so a resend by the transport
    // can still move that part either way, as before; clamped at zero it cannot hide the replay's own events.
    private long Total => Math.Max(0, _inner) + _own;

    public Task WhenIdleAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
            return _idle.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Registers a publish attempt by the replay (before it is published, so an early receive is not missed).</summary>
    public Guid Begin(object message)
    {
        var id = NewId.NextGuid();
        var n = activity.SubscribersOf(message);
        lock (_gate)
        {
            var attempt = new Attempt(n);
            _attempts.Add(id, attempt);
            _own += attempt.Count;
            Changed();
        }
        return id;
    }

    public void Abandoned(Guid id) => Update(id, a => a.Abandoned = true);

    public Task PrePublish<T>(PublishContext<T> context)
        where T : class
    {
        if (!IsAttempt(context.MessageId))
            AddInner(activity.SubscribersOf(context.Message));
        return Task.CompletedTask;
    }

    public Task PostPublish<T>(PublishContext<T> context)
        where T : class => Task.CompletedTask;

    public Task PublishFault<T>(PublishContext<T> context, Exception exception)
        where T : class
    {
        if (!IsAttempt(context.MessageId))
            AddInner(-activity.SubscribersOf(context.Message));
        return Task.CompletedTask;
    }

    public Task PreReceive(ReceiveContext context) => Task.CompletedTask;

    public Task PostReceive(ReceiveContext context)
    {
        if (!IsOurs(context))
            return Task.CompletedTask;
        if (context.GetMessageId() is { } id && IsAttempt(id))
            Update(id, a => a.Endpoints.Add(context.InputAddress?.ToString() ?? ""));
        else
            AddInner(-1);
        return Task.CompletedTask;
    }

    public Task PostConsume<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType)
        where T : class => Task.CompletedTask;

    public Task ConsumeFault<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType, Exception exception)
        where T : class => Task.CompletedTask;

    public Task ReceiveFault(ReceiveContext context, Exception exception) => PostReceive(context);

    private bool IsAttempt(Guid? messageId)
    {
        if (messageId is not { } id)
            return false;
        lock (_gate)
            return _attempts.ContainsKey(id);
    }

    private bool IsOurs(ReceiveContext context) =>
        context.TransportHeaders.TryGetHeader(PipelineActivity.RunHeader, out var run) && run is not null
        && string.Equals(run.ToString(), activity.RunId, StringComparison.Ordinal);

    private void AddInner(long delta)
    {
        if (delta == 0)
            return;
        lock (_gate)
        {
            _inner += delta;
            Changed();
        }
    }

    private void Update(Guid id, Action<Attempt> change)
    {
        lock (_gate)
        {
            // An attempt id this ledger does not know is another run's (or an earlier replay's): ignored.
            if (!_attempts.TryGetValue(id, out var attempt))
                return;
            _own -= attempt.Count;
            change(attempt);
            _own += attempt.Count;
            Changed();
        }
    }

    private void Changed()
    {
        if (Total > 0)
        {
            if (_idle.Task.IsCompleted)
                _idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        else
        {
            _idle.TrySetResult();
        }
    }

    private static TaskCompletionSource Completed()
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        tcs.SetResult();
        return tcs;
    }
}

/// <summary>Replay output order: by time, then subject, then severity, then id.</summary>
public sealed class ReplayAlertOrder : IComparer<Alert>
{
    public static readonly ReplayAlertOrder Instance = new();

    public int Compare(Alert? x, Alert? y)
    {
        if (ReferenceEquals(x, y))
            return 0;
        if (x is null)
            return -1;
        if (y is null)
            return 1;
        var c = x.At.CompareTo(y.At);
        if (c == 0)
            c = string.CompareOrdinal(x.Symbol ?? x.Group, y.Symbol ?? y.Group);
        if (c == 0)
            c = SeverityRank.Of(x.Severity).CompareTo(SeverityRank.Of(y.Severity));
        return c != 0 ? c : string.CompareOrdinal(x.AlertId, y.AlertId);
    }
}

/// <summary>The replay's virtual clock: it reads the time of the event being replayed.</summary>
public sealed class VirtualClock : TimeProvider
{
    private long _ticks = DateTimeOffset.UnixEpoch.UtcTicks;

    public void Set(DateTimeOffset now) => Interlocked.Exchange(ref _ticks, now.UtcTicks);

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);
}
