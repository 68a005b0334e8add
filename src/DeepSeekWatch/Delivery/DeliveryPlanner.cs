using DeepSeekWatch.Alerts;
using DeepSeekWatch.Contracts;
using Microsoft.Extensions.Logging;

namespace DeepSeekWatch.Delivery;

/// <summary>
/// Turns an alert revision into deliveries: for each route whose filters match, once per (route, alert, revision),
/// subject to the route's cooldown and quiet hours (docs/delivery.md says exactly what each suppresses). Only stores;
/// sending is the dispatcher's, so a slow target never slows the bus.
/// </summary>
internal sealed class DeliveryPlanner(
    IDeliveryStore store,
    DeliveryOptions options,
    TimeProvider time,
    DeliveryMetrics metrics,
    ILogger<DeliveryPlanner> logger)
{
    /// <summary>Plans the deliveries of one alert revision; returns how many were newly planned.</summary>
    public async Task<int> PlanAsync(Alert alert, CancellationToken cancellationToken = default)
    {
        int planned = 0;
        foreach (var route in options.Routes)
        {
            if (!route.Matches(alert))
                continue;
            if (await store.GetDisabledFingerprintAsync(route.Name, cancellationToken) == route.Fingerprint)
            {
                Skip(route, alert, "disabled");
                continue;
            }
            var now = time.GetUtcNow();
            var prior = await store.GetPlanStateAsync(route.Name, alert.AlertId, cancellationToken);
            if (prior is not null && prior.Revision >= alert.Revision)
            {
                // An older revision arriving after a newer one is never sent: the receiver already has newer content.
                Skip(route, alert, prior.Revision == alert.Revision ? "duplicate" : "stale");
                continue;
            }
            // The cooldown applies to alerts not yet sent on this route; an update of a sent alert always goes out.
            // It runs on event time (the alerts' "at"), so a replay, fast or slow, suppresses exactly what live did.
            if (prior is not { Sent: true } && route.Cooldown > TimeSpan.Zero)
            {
                var entry = new CooldownEntry(alert.AlertId, SeverityRank.Of(alert.Severity), alert.At + route.Cooldown);
                if (!await store.TryTakeCooldownAsync(route.Name, CooldownKey(alert), entry, alert.At, cancellationToken))
                {
                    await store.TryAdvancePlanAsync(route.Name, alert.AlertId, alert.Revision, sent: false, now, cancellationToken);
                    Skip(route, alert, "cooldown");
                    continue;
                }
            }
            var id = DeliveryRecord.IdFor(route.Name, alert.AlertId, alert.Revision);
            var delivery = new DeliveryRecord
            {
                Id = id,
                WebhookId = "msg_" + id,
                Route = route.Name,
                RouteKind = route.Kind,
                AlertId = alert.AlertId,
                Revision = alert.Revision,
                IsUpdate = prior is { Sent: true },
                Alert = AlertJson.Serialize(alert),
                Severity = alert.Severity,
                CreatedAt = now,
                DueAt = route.QuietHours?.ReleaseTime(now, alert.Severity) ?? now,
            };
            // Enqueue first (idempotent by id), then advance: a crash in between is healed by the message's redelivery.
            await store.EnqueueAsync(delivery, cancellationToken);
            if (await store.TryAdvancePlanAsync(route.Name, alert.AlertId, alert.Revision, sent: true, now, cancellationToken))
            {
                planned++;
                metrics.Planned(route.Name, route.Kind);
                DeliveryLog.Planned(logger, delivery.Id, alert.AlertId, alert.Revision, route.Name, delivery.DueAt);
            }
        }
        return planned;
    }

    /// <summary>The cooldown runs per symbol, and per group for a sector shock (which is one message for all members).</summary>
    public static string CooldownKey(Alert alert) => alert.Symbol is { Length: > 0 } symbol ? symbol.ToUpperInvariant() : "group:" + alert.Group;

    private void Skip(RouteOptions route, Alert alert, string reason)
    {
        metrics.Skipped(route.Name, route.Kind, reason);
        DeliveryLog.Skipped(logger, alert.AlertId, alert.Revision, route.Name, reason);
    }
}
