using System.Collections.Concurrent;
using System.Diagnostics;
using DeepSeekWatch.Alerts;
using DeepSeekWatch.Contracts;
using DeepSeekWatch.Detection;
using DeepSeekWatch.Pipeline;
using MassTransit;

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
/// Feeds tape events to the bus in time order on a virtual clock, then waits until the pipeline is idle and reads the
/// alerts it produced back from the store (their latest revisions). Before a bar that follows a headline, it waits for
/// the headline to be classified and seen by the detector, so a replay's alerts — revisions included — do not depend on
/// how the transport interleaves messages. Events with the same time are published concurrently.
/// </summary>
public sealed class ReplayRunner(IBus bus, PipelineActivity activity, ReplayAlertCollector collector, IAlertStore store, VirtualClock clock, TimeProvider time)
{
    public async Task<ReplayOutcome> RunAsync(IReadOnlyList<TapeEvent> events, ReplayPace pace, TimeSpan idleTimeout, Action<int, int>? progress, CancellationToken cancellationToken)
    {
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
                await WaitIdle(idleTimeout, cancellationToken);
                pendingHeadline = false;
            }
            var batch = new Task[j - i];
            for (var k = i; k < j; k++)
            {
                batch[k - i] = events[k] switch
                {
                    TapeEvent.Bar b => bus.Publish(b.Value, cancellationToken),
                    TapeEvent.Headline h => bus.Publish(h.Value, cancellationToken),
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
        await WaitIdle(idleTimeout, cancellationToken);
        // The tape is over: no benchmark bar is still to come, so decisions still waiting for one are made now.
        if (previous is { } end)
        {
            await bus.Publish(new ClockAdvanced(end.AddDays(1), Replay: true), cancellationToken);
            await WaitIdle(idleTimeout, cancellationToken);
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

    private async Task WaitIdle(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            await activity.WhenIdleAsync(cts.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"the pipeline was still busy after {timeout} ({activity.Outstanding} deliveries outstanding); raise --idle-timeout or check the consumers' logs");
        }
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
