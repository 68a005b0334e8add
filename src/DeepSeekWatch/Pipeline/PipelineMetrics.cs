using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using DeepSeekWatch.Alerts;
using DeepSeekWatch.Contracts;
using DeepSeekWatch.Hosting;

namespace DeepSeekWatch.Pipeline;

/// <summary>
/// The pipeline's instruments on the one <c>DeepSeekWatch</c> meter (names in <see cref="MetricNames"/>). Labels are
/// bounded: kind, severity, group, outcome, and watchlist symbols for the per-symbol gauges.
/// </summary>
public sealed class PipelineMetrics
{
    public const string MeterName = MetricNames.Meter;
    private readonly Counter<long> _bars;
    private readonly Counter<long> _headlines;
    private readonly Counter<long> _aiHeadlines;
    private readonly Counter<long> _alerts;
    private readonly Histogram<double> _latency;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, double> _abnormal = new(StringComparer.Ordinal);

    public PipelineMetrics(IMeterFactory meters, MarketState market, TimeProvider time)
    {
        _time = time;
        var meter = meters.Create(MeterName);
        _bars = meter.CreateCounter<long>(MetricNames.BarsObserved, description: "Price bars consumed by the detector");
        _headlines = meter.CreateCounter<long>(MetricNames.HeadlinesObserved, description: "Headlines consumed by the classifier");
        _aiHeadlines = meter.CreateCounter<long>(MetricNames.AiHeadlines, description: "Headlines classified as AI news");
        _alerts = meter.CreateCounter<long>(MetricNames.AlertsStored, description: "Alert writes that changed the store, by kind, severity, group and outcome");
        _latency = meter.CreateHistogram(MetricNames.DetectionLatency, unit: "s", description: "From the close of the triggering bar to the alert stored (live alerts only)",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = MetricNames.DetectionLatencyBuckets });
        meter.CreateObservableGauge(MetricNames.SessionReturn, () => SessionReturns(market), unit: "%", description: "Return of the symbol's latest session so far, in percent");
        meter.CreateObservableGauge(MetricNames.AbnormalReturn, AbnormalReturns, unit: "%", description: "Abnormal (market-model) return of the symbol's latest stored alert, in percent");
    }

    public void BarObserved() => _bars.Add(1);

    public void HeadlineObserved() => _headlines.Add(1);

    public void AiHeadline() => _aiHeadlines.Add(1);

    public void AlertStored(Alert alert, AlertWriteOutcome outcome)
    {
        _alerts.Add(1, new(MetricNames.Labels.Kind, alert.Kind), new(MetricNames.Labels.Severity, alert.Severity), new(MetricNames.Labels.Group, alert.Group),
            new(MetricNames.Labels.Outcome, outcome == AlertWriteOutcome.Inserted ? "inserted" : "revised"));
        if (alert.Symbol is { } symbol && alert.AbnormalReturnPct is { } abnormal && double.IsFinite(abnormal))
            _abnormal[symbol] = abnormal;
        // A replay's bars closed long ago on a virtual clock: its latency means nothing. Revisions are not new detections.
        if (!alert.Replay && outcome == AlertWriteOutcome.Inserted)
        {
            var seconds = (_time.GetUtcNow() - alert.At).TotalSeconds;
            _latency.Record(Math.Max(0, seconds), new(MetricNames.Labels.Kind, alert.Kind), new(MetricNames.Labels.Severity, alert.Severity));
        }
    }

    private static IEnumerable<Measurement<double>> SessionReturns(MarketState market)
    {
        foreach (var q in market.All)
        {
            if (q.SessionReturnPct is { } r && double.IsFinite(r))
                yield return new Measurement<double>(r, new KeyValuePair<string, object?>(MetricNames.Labels.Symbol, q.Symbol));
        }
    }

    private IEnumerable<Measurement<double>> AbnormalReturns()
    {
        foreach (var (symbol, value) in _abnormal)
            yield return new Measurement<double>(value, new KeyValuePair<string, object?>(MetricNames.Labels.Symbol, symbol));
    }
}
