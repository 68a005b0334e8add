using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DeepSeekWatch.Delivery;

/// <summary>
/// Sends due deliveries: every <see cref="DeliveryOptions.PollInterval"/> (on the <see cref="TimeProvider"/>) it claims
/// a batch from the store, sends each, and then records success, schedules the next attempt with back-off and jitter,
/// or dead-letters. Webhook deliveries of one pass go out in parallel, so one slow target does not hold up the others;
/// a Slack route's deliveries go one by one. The <see cref="RoutePacer"/> keeps Slack's pace and honours a 429's hold.
/// </summary>
internal sealed class DeliveryDispatcher(
    IDeliveryStore store,
    DeliverySender sender,
    RoutePacer pacer,
    DeliveryOptions options,
    TimeProvider time,
    DeliveryMetrics metrics,
    ILogger<DeliveryDispatcher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await DispatchDueAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                DeliveryLog.DispatchFailed(logger, ex.GetType().Name);
            }
            try
            {
                await Task.Delay(options.PollInterval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>One pass: claims what is due now and handles it. Returns how many deliveries were claimed.</summary>
    public async Task<int> DispatchDueAsync(CancellationToken cancellationToken = default)
    {
        var claimed = await store.ClaimDueAsync(time.GetUtcNow(), options.ClaimLease, options.BatchSize, cancellationToken);
        if (claimed.Count == 0)
            return 0;
        var work = new List<Task>();
        foreach (var group in claimed.GroupBy(d => d.Route, StringComparer.Ordinal))
        {
            if (group.First().RouteKind == RouteKinds.Slack)
                work.Add(RunInOrderAsync(group.ToList(), cancellationToken));
            else
                work.AddRange(group.Select(d => HandleAsync(d, cancellationToken)));
        }
        await Task.WhenAll(work);
        return claimed.Count;
    }

    private async Task RunInOrderAsync(List<DeliveryRecord> deliveries, CancellationToken cancellationToken)
    {
        foreach (var delivery in deliveries)
            await HandleAsync(delivery, cancellationToken);
    }

    private async Task HandleAsync(DeliveryRecord delivery, CancellationToken cancellationToken)
    {
        try
        {
            await HandleCoreAsync(delivery, cancellationToken);
        }
        catch (System.Text.Json.JsonException)
        {
            // A stored alert that no longer reads would fail forever: set it aside for an operator instead.
            await DeadLetterAsync(delivery, "unreadable", "the stored alert could not be read", cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Left claimed: the lease runs out and the next pass tries again. Only the type is logged (messages may quote a URL).
            DeliveryLog.DeliveryFailed(logger, delivery.Id, delivery.Route, ex.GetType().Name);
        }
    }

    private async Task HandleCoreAsync(DeliveryRecord delivery, CancellationToken cancellationToken)
    {
        var route = options.FindRoute(delivery.Route);
        if (route is null || route.Kind != delivery.RouteKind)
        {
            await DeadLetterAsync(delivery, "route-not-configured", "the route is no longer configured", cancellationToken);
            return;
        }
        if (await store.GetDisabledFingerprintAsync(route.Name, cancellationToken) is { } disabled)
        {
            if (disabled == route.Fingerprint)
            {
                await DeadLetterAsync(delivery, "route-disabled", "the route is disabled after a 410 Gone; reconfigure its URL, then re-drive", cancellationToken);
                return;
            }
            await store.SetDisabledAsync(route.Name, null, cancellationToken);
            DeliveryLog.RouteReenabled(logger, route.Name);
        }
        if (pacer.TryTake(route, time.GetUtcNow()) is { } notBefore)
        {
            // Pacing is not a failure: the delivery waits for its slot without spending an attempt.
            await store.SaveAsync(delivery with { DueAt = notBefore }, cancellationToken);
            return;
        }

        var result = await sender.SendAsync(delivery, route, cancellationToken);
        var now = time.GetUtcNow();
        var attempts = delivery.Attempts + 1;
        var tried = delivery with { Attempts = attempts, LastAttemptAt = now, LastOutcome = result.Outcome };
        switch (result.Kind)
        {
            case SendResultKind.Success:
                metrics.Attempted(route.Name, route.Kind, "success");
                await store.SaveAsync(tried with { State = DeliveryStates.Delivered, CompletedAt = now }, cancellationToken);
                DeliveryLog.Delivered(logger, delivery.Id, delivery.AlertId, delivery.Revision, route.Name, attempts, result.StatusCode ?? 0);
                break;
            case SendResultKind.Gone:
                metrics.Attempted(route.Name, route.Kind, "gone");
                await store.SetDisabledAsync(route.Name, route.Fingerprint, cancellationToken);
                DeliveryLog.RouteDisabled(logger, route.Name);
                await DeadLetterAsync(tried, "gone", "the receiver answered 410 Gone; the route is disabled until reconfigured", cancellationToken);
                break;
            case SendResultKind.Failed:
                metrics.Attempted(route.Name, route.Kind, "failed");
                await DeadLetterAsync(tried, "rejected", $"{result.Outcome} is not retried", cancellationToken);
                break;
            default:
                metrics.Attempted(route.Name, route.Kind, "retry");
                if (attempts >= options.RetrySchedule.Count)
                {
                    await DeadLetterAsync(tried, "exhausted", $"{attempts} attempts failed, the last with {result.Outcome}", cancellationToken);
                    break;
                }
                var delay = Backoff(options.RetrySchedule[attempts]);
                if (result.RetryAfter is { } retryAfter)
                {
                    var honoured = retryAfter < options.MaxRetryAfter ? retryAfter : options.MaxRetryAfter;
                    if (honoured > delay)
                        delay = honoured;
                    if (result.StatusCode == 429)
                        pacer.HoldUntil(route.Name, now + honoured);
                }
                await store.SaveAsync(tried with { DueAt = now + delay }, cancellationToken);
                DeliveryLog.WillRetry(logger, delivery.Id, route.Name, attempts, result.Outcome, now + delay);
                break;
        }
    }

    private TimeSpan Backoff(TimeSpan scheduled)
    {
        if (scheduled <= TimeSpan.Zero || options.Jitter <= 0)
            return scheduled;
        var factor = 1 + ((Random.Shared.NextDouble() * 2) - 1) * options.Jitter;
        return scheduled * factor;
    }

    private async Task DeadLetterAsync(DeliveryRecord delivery, string reasonCode, string reason, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await store.SaveAsync(delivery with { State = DeliveryStates.DeadLettered, CompletedAt = now, DeadLetterReason = reason }, cancellationToken);
        metrics.DeadLettered(delivery.Route, delivery.RouteKind, reasonCode);
        DeliveryLog.DeadLettered(logger, delivery.Id, delivery.AlertId, delivery.Revision, delivery.Route, delivery.Attempts, reason);
    }
}
