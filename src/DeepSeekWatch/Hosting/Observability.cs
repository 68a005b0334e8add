using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace DeepSeekWatch.Hosting;

/// <summary>
/// OpenTelemetry for <c>run</c>: the <c>DeepSeekWatch</c> and <c>MassTransit</c> meters plus ASP.NET Core and runtime
/// metrics, served in Prometheus text format on <c>/metrics</c>; traces from the <c>DeepSeekWatch</c> and
/// <c>MassTransit</c> activity sources (MassTransit carries the trace context in message headers, so one trace runs
/// from a poll through publish, detection and the alert store to delivery), recorded and exported by OTLP only when
/// <c>Telemetry:Otlp:Endpoint</c> is set.
/// </summary>
public static class Observability
{
    public const string ServiceName = "deepseekwatch";
    public const string OtlpEndpointKey = "Telemetry:Otlp:Endpoint";
    public const string SamplingRatioKey = "Telemetry:Otlp:SamplingRatio";
    public const string MassTransitSource = "MassTransit";
    public const string MetricsPath = "/metrics";

    /// <summary>The one activity source of DeepSeekWatch's own spans (a poll cycle, a delivery).</summary>
    public static readonly ActivitySource ActivitySource = new(MetricNames.Meter);

    public static IServiceCollection AddDeepSeekWatchObservability(this IServiceCollection services, IConfiguration configuration)
    {
        var otlp = OtlpEndpoint(configuration);
        var ratio = SamplingRatio(configuration);
        services.AddMetrics();
        services.TryAddSingleton<ObservabilityMetrics>();
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(ServiceName))
            .WithMetrics(m => m
                .AddMeter(MetricNames.Meter, MassTransitSource)
                .AddAspNetCoreInstrumentation()
                .AddRuntimeInstrumentation()
                .AddPrometheusExporter());
        // Spans are made only when they are exported: without an endpoint no tracer listens, so no message, poll or
        // request pays for an activity nobody reads.
        if (otlp is not null)
        {
            // A trace is kept or dropped where it starts (a poll, a request, a replayed event), by its trace id; every
            // later span of it (publish, detection, store, delivery) follows that decision, so no kept trace has holes.
            telemetry.WithTracing(t => t
                .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(ratio)))
                .AddSource(MetricNames.Meter, MassTransitSource)
                .AddAspNetCoreInstrumentation(o => o.Filter = ctx => !IsPlumbing(ctx.Request.Path))
                .AddOtlpExporter(o => o.Endpoint = otlp));
        }
        return services;
    }

    /// <summary>Creates the instruments whose zero series must exist from the start, and maps <c>/metrics</c>.</summary>
    public static WebApplication MapDeepSeekWatchObservability(this WebApplication app)
    {
        // The meter provider must listen before the zero series are written, or they are lost.
        _ = app.Services.GetRequiredService<MeterProvider>();
        _ = app.Services.GetRequiredService<ObservabilityMetrics>();
        _ = app.Services.GetService<Pipeline.PipelineMetrics>();
        app.MapPrometheusScrapingEndpoint(MetricsPath);
        return app;
    }

    /// <summary>The OTLP endpoint, null when not configured; a value that is not an absolute http(s) URL stops start-up naming the key.</summary>
    public static Uri? OtlpEndpoint(IConfiguration configuration)
    {
        var text = configuration[OtlpEndpointKey];
        if (string.IsNullOrWhiteSpace(text))
            return null;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw new ConfigurationException(OtlpEndpointKey, "must be an absolute http:// or https:// URL, e.g. http://otel-collector:4317");
        return uri;
    }

    /// <summary>The share of traces recorded and exported (0 to 1, default 1: every trace); anything else stops start-up naming the key.</summary>
    public static double SamplingRatio(IConfiguration configuration)
    {
        var text = configuration[SamplingRatioKey];
        if (string.IsNullOrWhiteSpace(text))
            return 1.0;
        if (!double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var ratio) || !(ratio is >= 0 and <= 1))
            throw new ConfigurationException(SamplingRatioKey, $"must be a number from 0 to 1 (the share of traces recorded, e.g. 0.1), not '{text}'");
        return ratio;
    }

    private static bool IsPlumbing(PathString path) =>
        path.StartsWithSegments(MetricsPath, StringComparison.Ordinal) || path.StartsWithSegments("/health", StringComparison.Ordinal);
}
