using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;

namespace DeepSeekWatch.Hosting;

/// <summary>
/// Poll and delivery instruments for Ingestion and Delivery to call (names in <see cref="MetricNames"/>). At start the
/// failure counters are set to zero for every provider and route the configuration names, so dashboards and
/// <c>rate()</c> see a series before the first failure. Provider and route labels are configured names, never URLs.
/// </summary>
public sealed class ObservabilityMetrics
{
    public const string PricesProvider = "yahoo-chart";
    private readonly Histogram<double> _pollDuration;
    private readonly Counter<long> _pollFailures;
    private readonly Counter<long> _deliveries;
    private readonly Counter<long> _deadLetters;

    public ObservabilityMetrics(IMeterFactory meters, IConfiguration configuration)
    {
        var meter = meters.Create(MetricNames.Meter);
        _pollDuration = meter.CreateHistogram(MetricNames.PollDuration, unit: "s", description: "One poll of one provider",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = MetricNames.PollDurationBuckets });
        _pollFailures = meter.CreateCounter<long>(MetricNames.PollFailures, description: "Failed polls by provider and reason");
        _deliveries = meter.CreateCounter<long>(MetricNames.DeliveryAttempts, description: "Delivery attempts by route, channel and outcome");
        _deadLetters = meter.CreateCounter<long>(MetricNames.DeadLetters, description: "Deliveries given up after their last retry, by route and channel");

        foreach (var provider in Providers(configuration))
            _pollFailures.Add(0, new(MetricNames.Labels.Provider, provider), new(MetricNames.Labels.Reason, "other"));
        foreach (var (route, channel) in Routes(configuration))
        {
            _deliveries.Add(0, new(MetricNames.Labels.Route, route), new(MetricNames.Labels.Channel, channel), new(MetricNames.Labels.Outcome, "failed"));
            _deadLetters.Add(0, new(MetricNames.Labels.Route, route), new(MetricNames.Labels.Channel, channel));
        }
    }

    /// <summary>One poll finished; <paramref name="failureReason"/> (http, timeout, parse, other) when it failed.</summary>
    public void PollCompleted(string provider, TimeSpan duration, string? failureReason = null)
    {
        _pollDuration.Record(duration.TotalSeconds, new(MetricNames.Labels.Provider, provider), new(MetricNames.Labels.Outcome, failureReason is null ? "ok" : "failed"));
        if (failureReason is not null)
            _pollFailures.Add(1, new(MetricNames.Labels.Provider, provider), new(MetricNames.Labels.Reason, failureReason));
    }

    /// <summary>One delivery attempt (each retry counts) to a configured route; <paramref name="channel"/> is webhook or slack.</summary>
    public void DeliveryAttempted(string route, string channel, bool delivered) =>
        _deliveries.Add(1, new(MetricNames.Labels.Route, route), new(MetricNames.Labels.Channel, channel), new(MetricNames.Labels.Outcome, delivered ? "delivered" : "failed"));

    /// <summary>A delivery was given up after its last retry.</summary>
    public void DeadLettered(string route, string channel) =>
        _deadLetters.Add(1, new(MetricNames.Labels.Route, route), new(MetricNames.Labels.Channel, channel));

    /// <summary>The prices provider and every configured feed's name (<c>Sources:Headlines:Feeds:n:Name</c>).</summary>
    public static IEnumerable<string> Providers(IConfiguration configuration)
    {
        yield return PricesProvider;
        foreach (var feed in configuration.GetSection("Sources:Headlines:Feeds").GetChildren())
        {
            if (feed["Name"] is { Length: > 0 } name)
                yield return name;
        }
    }

    /// <summary>Every configured route name with its channel (<c>Notifications:Webhooks:n:Name</c>, <c>Notifications:Slack:n:Name</c>).</summary>
    public static IEnumerable<(string Route, string Channel)> Routes(IConfiguration configuration)
    {
        foreach (var (section, channel) in new[] { ("Notifications:Webhooks", "webhook"), ("Notifications:Slack", "slack") })
        {
            foreach (var route in configuration.GetSection(section).GetChildren())
            {
                if (route["Name"] is { Length: > 0 } name)
                    yield return (name, channel);
            }
        }
    }
}
