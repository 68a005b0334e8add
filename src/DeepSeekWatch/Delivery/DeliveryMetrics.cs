using System.Diagnostics.Metrics;

namespace DeepSeekWatch.Delivery;

/// <summary>
/// Delivery instruments on the one <c>DeepSeekWatch</c> meter. Labels are bounded: the route name (from configuration,
/// never its URL), the route kind, and a fixed set of outcomes and reasons.
/// </summary>
internal sealed class DeliveryMetrics
{
    public const string MeterName = "DeepSeekWatch";

    private readonly Counter<long> _attempts;
    private readonly Counter<long> _deadLetters;
    private readonly Counter<long> _planned;
    private readonly Counter<long> _skipped;

    private readonly Hosting.ObservabilityMetrics? _observability;

    /// <param name="observability">The dashboard's delivery instruments (registered by <c>run</c>); absent elsewhere.</param>
    public DeliveryMetrics(IMeterFactory meterFactory, Hosting.ObservabilityMetrics? observability = null)
    {
        _observability = observability;
        var meter = meterFactory.Create(MeterName);
        _attempts = meter.CreateCounter<long>("deepseekwatch.delivery.attempts", "{attempt}",
            "Delivery attempts by route and outcome (success, retry, failed, gone).");
        _deadLetters = meter.CreateCounter<long>("deepseekwatch.delivery.dead_letters", "{delivery}",
            "Deliveries moved to the dead letters, by route and reason.");
        _planned = meter.CreateCounter<long>("deepseekwatch.delivery.planned", "{delivery}",
            "Deliveries planned (one per alert revision and matching route).");
        _skipped = meter.CreateCounter<long>("deepseekwatch.delivery.skipped", "{delivery}",
            "Alert revisions not delivered to a matching route, by reason (duplicate, stale, cooldown, disabled).");
    }

    public void Attempted(string route, string kind, string outcome)
    {
        _attempts.Add(1, new("route", route), new("kind", kind), new("outcome", outcome));
        _observability?.DeliveryAttempted(route, kind, outcome == "success");
    }

    public void DeadLettered(string route, string kind, string reason)
    {
        _deadLetters.Add(1, new("route", route), new("kind", kind), new("reason", reason));
        _observability?.DeadLettered(route, kind);
    }

    public void Planned(string route, string kind) =>
        _planned.Add(1, new("route", route), new("kind", kind));

    public void Skipped(string route, string kind, string reason) =>
        _skipped.Add(1, new("route", route), new("kind", kind), new("reason", reason));
}
