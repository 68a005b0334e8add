using System.Diagnostics.Metrics;
using DeepSeekWatch.Alerts;
using DeepSeekWatch.Contracts;

namespace DeepSeekWatch.Pipeline;

/// <summary>The pipeline's instruments on the one <c>DeepSeekWatch</c> meter. Labels are bounded (kind, severity, group, outcome).</summary>
public sealed class PipelineMetrics
{
    public const string MeterName = "DeepSeekWatch";
    private readonly Counter<long> _bars;
    private readonly Counter<long> _headlines;
    private readonly Counter<long> _aiHeadlines;
    private readonly Counter<long> _alerts;

    public PipelineMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _bars = meter.CreateCounter<long>("dsw.bars.observed", description: "Price bars consumed by the detector");
        _headlines = meter.CreateCounter<long>("dsw.headlines.observed", description: "Headlines consumed by the classifier");
        _aiHeadlines = meter.CreateCounter<long>("dsw.headlines.ai", description: "Headlines classified as AI news");
        _alerts = meter.CreateCounter<long>("dsw.alerts.stored", description: "Alert writes that changed the store, by kind, severity, group and outcome");
    }

    public void BarObserved() => _bars.Add(1);

    public void HeadlineObserved() => _headlines.Add(1);

    public void AiHeadline() => _aiHeadlines.Add(1);

    public void AlertStored(Alert alert, AlertWriteOutcome outcome) =>
        _alerts.Add(1, new("kind", alert.Kind), new("severity", alert.Severity), new("group", alert.Group), new("outcome", outcome == AlertWriteOutcome.Inserted ? "inserted" : "revised"));
}
