using System.Diagnostics.Metrics;

namespace DeepSeekWatch.Ingestion;

/// <summary>
/// Ingestion instruments on the one <c>DeepSeekWatch</c> meter: polls by outcome, poll latency, items published and
/// rejections by reason (whole responses and single items), all tagged with the provider.
/// </summary>
public sealed class IngestionMetrics
{
    public const string MeterName = "DeepSeekWatch";

    private readonly Counter<long> _polls;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _published;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _duplicates;

    private readonly Hosting.ObservabilityMetrics? _observability;

    /// <param name="observability">The dashboard's poll instruments (registered by <c>run</c>); absent for <c>record</c>.</param>
    public IngestionMetrics(IMeterFactory meters, Hosting.ObservabilityMetrics? observability = null)
    {
        _observability = observability;
        var meter = meters.Create(MeterName);
        _polls = meter.CreateCounter<long>("dsw.ingestion.polls", "{poll}", "Poll cycles of one provider, by outcome.");
        _duration = meter.CreateHistogram<double>("dsw.ingestion.poll.duration", "s", "Time one poll cycle of one provider took.");
        _published = meter.CreateCounter<long>("dsw.ingestion.items.published", "{item}", "Bars and headlines published.");
        _rejected = meter.CreateCounter<long>("dsw.ingestion.items.rejected", "{item}", "Responses and items rejected, by reason.");
        _duplicates = meter.CreateCounter<long>("dsw.ingestion.items.duplicate", "{item}", "Items dropped because they were already published.");
    }

    public void Poll(string provider, string outcome, TimeSpan duration)
    {
        _polls.Add(1, new("provider", provider), new("outcome", outcome));
        _duration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("provider", provider));
        if (outcome != "skipped")
            _observability?.PollCompleted(provider, duration, outcome == "failed" ? "other" : null);
    }

    public void Published(string provider, string kind, int count = 1)
    {
        if (count > 0)
            _published.Add(count, new("provider", provider), new("kind", kind));
    }

    public void Rejected(string provider, string reason, int count = 1)
    {
        if (count > 0)
            _rejected.Add(count, new("provider", provider), new("reason", reason));
    }

    public void Duplicate(string provider, string kind, int count = 1)
    {
        if (count > 0)
            _duplicates.Add(count, new("provider", provider), new("kind", kind));
    }
}
