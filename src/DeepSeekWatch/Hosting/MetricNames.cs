namespace DeepSeekWatch.Hosting;

/// <summary>
/// The names and labels of every DeepSeekWatch instrument, on the one meter <see cref="Meter"/>. docs/metrics.md lists
/// them with their Prometheus names (dots become underscores; counters gain <c>_total</c>, a unit of <c>s</c> gains
/// <c>_seconds</c>). Label values are bounded: kinds, severities, groups, watchlist symbols, configured provider and
/// route names, fixed outcome words — never headline text or URLs.
/// </summary>
public static class MetricNames
{
    public const string Meter = "DeepSeekWatch";

    /// <summary>Counter: price bars consumed by the detector.</summary>
    public const string BarsObserved = "dsw.bars.observed";

    /// <summary>Counter: headlines consumed by the classifier.</summary>
    public const string HeadlinesObserved = "dsw.headlines.observed";

    /// <summary>Counter: headlines classified as AI news.</summary>
    public const string AiHeadlines = "dsw.headlines.ai";

    /// <summary>Counter: alert writes that changed the store. Labels <c>kind</c>, <c>severity</c>, <c>group</c>, <c>outcome</c> (inserted|revised).</summary>
    public const string AlertsStored = "dsw.alerts.stored";

    /// <summary>Histogram, seconds: from the close of the bar that triggered an alert to the alert being stored (live alerts only). Labels <c>kind</c>, <c>severity</c>.</summary>
    public const string DetectionLatency = "dsw.detection.latency";

    /// <summary>Gauge, percent: the symbol's return in its latest session so far (last price over previous close). Label <c>symbol</c>.</summary>
    public const string SessionReturn = "dsw.symbol.session_return";

    /// <summary>Gauge, percent: the abnormal (market-model) return of the symbol's latest stored alert. Label <c>symbol</c>.</summary>
    public const string AbnormalReturn = "dsw.symbol.abnormal_return";

    /// <summary>Histogram, seconds: one poll of one provider. Labels <c>provider</c>, <c>outcome</c> (ok|failed). Emitted by Ingestion.</summary>
    public const string PollDuration = "dsw.poll.duration";

    /// <summary>Counter: failed polls. Labels <c>provider</c>, <c>reason</c> (http|timeout|parse|other). Emitted by Ingestion.</summary>
    public const string PollFailures = "dsw.poll.failures";

    /// <summary>Counter: delivery attempts. Labels <c>route</c> (configured route name), <c>channel</c> (webhook|slack), <c>outcome</c> (delivered|failed). Emitted by Delivery.</summary>
    public const string DeliveryAttempts = "dsw.delivery.attempts";

    /// <summary>Counter: deliveries given up after their last retry. Labels <c>route</c>, <c>channel</c>. Emitted by Delivery.</summary>
    public const string DeadLetters = "dsw.delivery.dead_letters";

    /// <summary>Counter: bus restarts by the consumer watchdog (a queue with ready messages and no consumer while MassTransit reported its endpoint ready). Label <c>queue</c>.</summary>
    public const string BusRestarts = "dsw.bus.restarts";

    /// <summary>Label names.</summary>
    public static class Labels
    {
        public const string Kind = "kind";
        public const string Severity = "severity";
        public const string Group = "group";
        public const string Outcome = "outcome";
        public const string Symbol = "symbol";
        public const string Provider = "provider";
        public const string Reason = "reason";
        public const string Route = "route";
        public const string Channel = "channel";
        public const string Queue = "queue";
    }

    /// <summary>Bucket bounds (seconds) of <see cref="DetectionLatency"/>: a live alert should follow its bar within a poll interval or two.</summary>
    public static readonly double[] DetectionLatencyBuckets = [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

    /// <summary>Bucket bounds (seconds) of <see cref="PollDuration"/>.</summary>
    public static readonly double[] PollDurationBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
}
