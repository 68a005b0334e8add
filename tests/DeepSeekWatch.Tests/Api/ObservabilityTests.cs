using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.RegularExpressions;
using DeepSeekWatch.Alerts;
using DeepSeekWatch.Contracts;
using DeepSeekWatch.Hosting;
using DeepSeekWatch.Pipeline;
using DeepSeekWatch.Replay;
using DeepSeekWatch.Tests.Support;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace DeepSeekWatch.Tests.Api;

[Collection(nameof(MetricsCollection))]
public sealed partial class ObservabilityTests
{
    private static readonly DateTimeOffset Monday = new(2025, 1, 27, 15, 0, 0, TimeSpan.Zero);

    private static Alert NewAlert(bool replay) => new()
    {
        AlertId = "x1",
        Revision = 1,
        Kind = AlertKinds.AiNewsDrop,
        Symbol = "NVDA",
        Group = "semiconductors",
        Severity = Severities.Critical,
        At = Monday,
        Session = new DateOnly(2025, 1, 27),
        ReturnPct = -17,
        AbnormalReturnPct = -15.5,
        Replay = replay,
    };

    /// <summary>The value of one sample line of the Prometheus text format whose labels include all of <paramref name="labels"/>.</summary>
    private static double? Sample(string text, string name, params string[] labels)
    {
        foreach (Match m in SampleLine().Matches(text))
        {
            if (m.Groups["name"].Value == name && labels.All(l => m.Groups["labels"].Value.Contains(l, StringComparison.Ordinal)))
                return double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture);
        }
        return null;
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})? (?<value>\S+)", RegexOptions.Multiline)]
    private static partial Regex SampleLine();

    // Other hosts in this test process use meters of the same name, so each test asserts on label values only it uses.
    [Fact]
    public async Task Metrics_are_served_in_Prometheus_text_with_alerts_by_kind_severity_and_group()
    {
        await using var host = await ApiHost.StartAsync();
        var metrics = host.Get<PipelineMetrics>();
        metrics.AlertStored(NewAlert(replay: true) with { Group = "obs-test-group", Symbol = "OBSA" }, AlertWriteOutcome.Inserted);
        metrics.AlertStored(NewAlert(replay: true) with { Group = "obs-test-group", Symbol = "OBSA", Revision = 2, AbnormalReturnPct = -12.25 }, AlertWriteOutcome.Revised);

        var text = await host.Http.GetStringAsync(new Uri("metrics", UriKind.Relative));
        Assert.Equal(1, Sample(text, "dsw_alerts_stored_total", "kind=\"ai-news-drop\"", "severity=\"critical\"", "group=\"obs-test-group\"", "outcome=\"inserted\""));
        Assert.Equal(1, Sample(text, "dsw_alerts_stored_total", "group=\"obs-test-group\"", "outcome=\"revised\""));
        // The latest revision's abnormal return.
        Assert.Equal(-12.25, Sample(text, "dsw_symbol_abnormal_return_percent", "symbol=\"OBSA\""));
    }

    [Fact]
    public async Task Session_return_per_symbol_is_a_gauge_of_the_market_state()
    {
        await using var host = await ApiHost.StartAsync();
        var market = host.Get<MarketState>();
        var friday = new DateTimeOffset(2025, 1, 24, 20, 59, 0, TimeSpan.Zero);
        market.Observe(new PriceBarObserved("b1", "test", "OBSB", "1m", friday, friday.AddMinutes(1), 100m, 100m, 100m, 100m, 1, false));
        market.Observe(new PriceBarObserved("b2", "test", "OBSB", "1m", Monday, Monday.AddMinutes(1), 90m, 90m, 83m, 83m, 1, false));
        // A symbol seen in one session only has no reference yet, so no series.
        market.Observe(new PriceBarObserved("b3", "test", "OBSC", "1m", Monday, Monday.AddMinutes(1), 90m, 90m, 83m, 83m, 1, false));

        var text = await host.Http.GetStringAsync(new Uri("metrics", UriKind.Relative));
        Assert.Equal(-17, Sample(text, "dsw_symbol_session_return_percent", "symbol=\"OBSB\"")!.Value, 6);
        Assert.Null(Sample(text, "dsw_symbol_session_return_percent", "symbol=\"OBSC\""));
    }

    [Fact]
    public async Task Poll_and_delivery_failure_series_start_at_zero_for_configured_providers_and_routes_without_their_urls()
    {
        await using var host = await ApiHost.StartAsync(
            "Notifications:Webhooks:0:Name=ops-hook", "Notifications:Webhooks:0:Url=https://hooks.example.com/secret-path",
            "Notifications:Webhooks:0:Secret=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "Notifications:Slack:0:Name=desk", "Notifications:Slack:0:WebhookUrl=https://hooks.slack.com/services/T0/B0/XYZ",
            "Sources:Headlines:Feeds:0:Name=reuters-tech", "Sources:Headlines:Feeds:0:Url=https://feeds.example.com/tech.rss");

        var text = await host.Http.GetStringAsync(new Uri("metrics", UriKind.Relative));
        Assert.NotNull(Sample(text, "dsw_poll_failures_total", "provider=\"yahoo-chart\""));
        Assert.Equal(0, Sample(text, "dsw_poll_failures_total", "provider=\"reuters-tech\""));
        Assert.Equal(0, Sample(text, "dsw_delivery_attempts_total", "route=\"ops-hook\"", "channel=\"webhook\"", "outcome=\"failed\""));
        Assert.Equal(0, Sample(text, "dsw_delivery_dead_letters_total", "route=\"desk\"", "channel=\"slack\""));
        Assert.DoesNotContain("example.com", text, StringComparison.Ordinal);
        Assert.DoesNotContain("hooks.slack.com", text, StringComparison.Ordinal);

        host.Get<ObservabilityMetrics>().DeliveryAttempted("ops-hook", "webhook", delivered: false);
        host.Get<ObservabilityMetrics>().PollCompleted("reuters-tech", TimeSpan.FromMilliseconds(300), "timeout");
        text = await WaitForMetricsAsync(host, t => Sample(t, "dsw_delivery_attempts_total", "route=\"ops-hook\"", "outcome=\"failed\"") == 1);
        Assert.Equal(1, Sample(text, "dsw_poll_failures_total", "provider=\"reuters-tech\"", "reason=\"timeout\""));
        Assert.Equal(1, Sample(text, "dsw_poll_duration_seconds_count", "provider=\"reuters-tech\"", "outcome=\"failed\""));
    }

    /// <summary>The exporter caches a scrape for a moment; wait (with a timeout) until the new values show.</summary>
    private static async Task<string> WaitForMetricsAsync(ApiHost host, Func<string, bool> ready)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            var text = await host.Http.GetStringAsync(new Uri("metrics", UriKind.Relative), cts.Token);
            if (ready(text))
                return text;
            await Task.Delay(100, cts.Token);
        }
    }

    [Fact]
    public void Detection_latency_is_recorded_from_bar_close_for_new_live_alerts_only()
    {
        var time = new FakeTimeProvider(Monday.AddSeconds(90));
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var metrics = new PipelineMetrics(services.GetRequiredService<IMeterFactory>(), new MarketState(), time);
        var recorded = new ConcurrentBag<(double Value, string? Kind)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == MetricNames.Meter && instrument.Name == MetricNames.DetectionLatency)
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
        {
            string? kind = null;
            foreach (var t in tags)
            {
                if (t.Key == MetricNames.Labels.Kind)
                    kind = t.Value as string;
            }
            recorded.Add((value, kind));
        });
        listener.Start();

        metrics.AlertStored(NewAlert(replay: true), AlertWriteOutcome.Inserted);
        Assert.Empty(recorded);
        metrics.AlertStored(NewAlert(replay: false), AlertWriteOutcome.Inserted);
        Assert.Equal([(90.0, (string?)AlertKinds.AiNewsDrop)], recorded);
        metrics.AlertStored(NewAlert(replay: false) with { Revision = 2 }, AlertWriteOutcome.Revised);
        Assert.Single(recorded);
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("http://127.0.0.1:4317", true)]
    public void Spans_are_recorded_only_when_an_OTLP_endpoint_exports_them(string? endpoint, bool traced)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [Observability.OtlpEndpointKey] = endpoint })
            .Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddDeepSeekWatchObservability(configuration);
        using var provider = services.BuildServiceProvider();

        // Without a tracer provider nothing of ours listens to MassTransit's or our own spans, so none are made for them.
        Assert.Equal(traced, provider.GetService<OpenTelemetry.Trace.TracerProvider>() is not null);
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("1", true)]
    [InlineData("0", false)]
    public void The_sampling_ratio_decides_whether_a_trace_is_recorded_where_it_starts(string? ratio, bool recorded)
    {
        using var provider = Traced(ratio);

        // A root span of ours (a poll cycle starts one) and a child of it: the child follows the root's decision.
        using var root = Observability.ActivitySource.StartActivity("poll", ActivityKind.Internal, default(ActivityContext));
        Assert.Equal(recorded, root is { Recorded: true });
        if (root is not null)
        {
            using var child = Observability.ActivitySource.StartActivity("publish");
            Assert.Equal(recorded, child is { Recorded: true });
        }
    }

    [Theory]
    [InlineData("0", true)]
    [InlineData("1", false)]
    public void A_span_whose_trace_began_elsewhere_follows_the_decision_made_there(string ratio, bool parentSampled)
    {
        // A consumer's span continues the trace context its message carried: it is recorded exactly when the trace's
        // first span was, whatever this process's own ratio would decide for a new trace.
        using var provider = Traced(ratio);

        var parent = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(),
            parentSampled ? ActivityTraceFlags.Recorded : ActivityTraceFlags.None, isRemote: true);
        using var span = Observability.ActivitySource.StartActivity("consume", ActivityKind.Consumer, parent);
        Assert.Equal(parentSampled, span is { Recorded: true });
    }

    /// <summary>The observability services with an OTLP endpoint and the given sampling ratio, their tracer listening.</summary>
    private static ServiceProvider Traced(string? ratio)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                [Observability.OtlpEndpointKey] = "http://127.0.0.1:4317",
                [Observability.SamplingRatioKey] = ratio,
            })
            .Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddDeepSeekWatchObservability(configuration);
        var provider = services.BuildServiceProvider();
        _ = provider.GetRequiredService<OpenTelemetry.Trace.TracerProvider>();
        return provider;
    }

    [Theory]
    [InlineData("1.5")]
    [InlineData("-0.1")]
    [InlineData("half")]
    [InlineData("NaN")]
    public void A_bad_sampling_ratio_stops_start_up_naming_the_key(string ratio)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [Observability.SamplingRatioKey] = ratio })
            .Build();
        var error = Assert.Throws<DeepSeekWatch.Hosting.ConfigurationException>(() => new ServiceCollection().AddDeepSeekWatchObservability(configuration));
        Assert.Contains(Observability.SamplingRatioKey, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_OTLP_endpoint_stops_start_up_naming_the_key()
    {
        var result = await Cli.RunAsync("run", "--urls", "http://127.0.0.1:0", "--set", "Telemetry:Otlp:Endpoint=localhost:4317");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(Observability.OtlpEndpointKey, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task One_trace_runs_from_the_published_bar_through_detection_to_the_alert_store()
    {
        var activities = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == Observability.MassTransitSource,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activities.Add,
        };
        ActivitySource.AddActivityListener(listener);
        await using var host = await ApiHost.StartAsync();
        var sp = host.App.Services;
        var events = TapeReader.ReadFile(Repo.SampleTape, replay: false).Events;
        var outcome = await new ReplayRunner(sp.GetRequiredService<IBus>(), sp.GetRequiredService<PipelineActivity>(), new ReplayAlertCollector(),
            sp.GetRequiredService<IAlertStore>(), new VirtualClock(), TimeProvider.System).RunAsync(events, ReplayPace.Max, TimeSpan.FromMinutes(2), null, CancellationToken.None);
        Assert.Equal(0, outcome.Faulted);

        static bool About(Activity a, string messageType) => a.TagObjects.Any(t => t.Value is string s && s.Contains(messageType, StringComparison.Ordinal));
        var stored = activities.Where(a => a.Kind == ActivityKind.Consumer && About(a, nameof(AlertRaised))).ToList();
        Assert.NotEmpty(stored);
        var byTrace = activities.ToLookup(a => a.TraceId);
        Assert.Contains(stored, s =>
            byTrace[s.TraceId].Any(a => a.Kind == ActivityKind.Consumer && About(a, nameof(PriceBarObserved)))
            && byTrace[s.TraceId].Any(a => a.Kind == ActivityKind.Producer && a.Parent is null && About(a, nameof(PriceBarObserved))));
    }
}
