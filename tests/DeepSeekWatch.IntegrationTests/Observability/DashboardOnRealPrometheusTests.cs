using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using DeepSeekWatch.Alerts;
using DeepSeekWatch.Pipeline;
using DeepSeekWatch.Replay;
using DeepSeekWatch.Tests.Support;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace DeepSeekWatch.IntegrationTests.Observability;

/// <summary>
/// The dashboard cannot drift from the metrics: the service runs on a real RabbitMQ (with its Prometheus plugin) and
/// Redis, the sample tape goes through it, a real Prometheus scrapes both, and every PromQL expression in
/// deploy/grafana/dashboards/deepseekwatch.json must parse and return data.
/// </summary>
[Collection(nameof(ObservabilityCollection))]
public sealed class DashboardOnRealPrometheusTests(ITestOutputHelper output)
{
    /// <summary>How long, in all, the expressions may take to return data once the tape is through (scrapes are every second).</summary>
    private static readonly TimeSpan DataTimeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Every_dashboard_expression_returns_data_from_a_real_Prometheus_after_the_sample_tape()
    {
        var expressions = DashboardExpressions(Path.Combine(Repo.Root, "deploy", "grafana", "dashboards", "deepseekwatch.json"));
        Assert.NotEmpty(expressions);

        var redisDir = PrivateProcess.TempDir("redis");
        var redisPort = Servers.FreePort();
        await using var redis = await PrivateProcess.StartRedisAsync(redisPort, redisDir);
        var rabbitPort = Servers.FreePort();
        var rabbitMetricsPort = Servers.FreePort();
        await using var rabbit = await PrivateProcess.StartRabbitMqAsync(rabbitPort, rabbitMetricsPort);

        await using var service = await ServiceUnderTest.StartAsync(new Dictionary<string, string>
        {
            ["Bus:Transport"] = "rabbitmq",
            ["Bus:RabbitMq:Host"] = "127.0.0.1",
            ["Bus:RabbitMq:Port"] = rabbitPort.ToString(CultureInfo.InvariantCulture),
            ["Store:Kind"] = "redis",
            ["Store:Redis:Configuration"] = $"127.0.0.1:{redisPort}",
            ["Store:Redis:KeyPrefix"] = "dsw:",
            // A configured route, so the delivery series exist (as zeros) before any delivery.
            ["Notifications:Webhooks:0:Name"] = "demo-hook",
            ["Notifications:Webhooks:0:Url"] = "http://127.0.0.1:9/hook",
            ["Notifications:Webhooks:0:Secret"] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            ["Notifications:Webhooks:0:MinSeverity"] = "critical",
        });

        var promPort = Servers.FreePort();
        await using var prometheus = await PrivateProcess.StartPrometheusAsync(promPort, $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: deepseekwatch
                metrics_path: /metrics
                static_configs:
                  - targets: ["127.0.0.1:{service.Address.Port}"]
              - job_name: rabbitmq-queues
                metrics_path: /metrics/detailed
                params:
                  family: [queue_coarse_metrics]
                static_configs:
                  - targets: ["127.0.0.1:{rabbitMetricsPort}"]
            """);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{promPort}/"), Timeout = TimeSpan.FromSeconds(30) };
        await PrivateProcess.WaitForAsync(async () => (await QueryAsync(http, "sum(up)")).Data is [var up] && up["value"]![1]!.GetValue<string>() == "2",
            TimeSpan.FromSeconds(60), "prometheus scraping both targets", prometheus);

        // The sample tape, published through the running service's own bus as live (not replay) events.
        var events = TapeReader.ReadFile(Repo.SampleTape, replay: false).Events;
        var sp = service.App.Services;
        var runner = new ReplayRunner(sp.GetRequiredService<IBus>(), sp.GetRequiredService<PipelineActivity>(), new ReplayAlertCollector(), sp.GetRequiredService<IAlertStore>(), new VirtualClock(), TimeProvider.System);
        using var replayDeadline = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var outcome = await runner.RunAsync(events, ReplayPace.Max, TimeSpan.FromMinutes(3), null, replayDeadline.Token);
        Assert.Equal(0, outcome.Faulted);
        Assert.NotEmpty(await sp.GetRequiredService<IAlertStore>().QueryAsync(new AlertQuery(null, null, null, null, 10)));

        foreach (var expr in expressions)
        {
            var result = await QueryAsync(http, Substitute(expr));
            Assert.True(result.Error is null, $"'{expr}' does not evaluate: {result.Error}");
        }
        // Rates need two scrapes after the change: wait, with one deadline for all, until every expression has data.
        var missing = expressions.ToHashSet(StringComparer.Ordinal);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (missing.Count > 0 && watch.Elapsed < DataTimeout)
        {
            foreach (var expr in missing.ToList())
            {
                var data = (await QueryAsync(http, Substitute(expr))).Data;
                if (data.Count > 0)
                {
                    missing.Remove(expr);
                    output.WriteLine($"{expr}: {data.Count} series");
                }
            }
            if (missing.Count > 0)
                await Task.Delay(500);
        }
        Assert.True(missing.Count == 0, "dashboard expressions without data:\n" + string.Join("\n", missing) + "\nmetric names scraped:\n" + await MetricNamesAsync(http));
    }

    /// <summary>Every <c>expr</c> of every Prometheus target in the dashboard.</summary>
    internal static List<string> DashboardExpressions(string path)
    {
        var dashboard = JsonNode.Parse(File.ReadAllText(path))!;
        var result = new List<string>();
        foreach (var panel in dashboard["panels"]!.AsArray())
        {
            foreach (var target in panel!["targets"]?.AsArray() ?? [])
            {
                var type = target!["datasource"]?["type"]?.GetValue<string>() ?? panel["datasource"]?["type"]?.GetValue<string>();
                if (type == "prometheus" && target["expr"]?.GetValue<string>() is { Length: > 0 } expr)
                    result.Add(expr);
            }
        }
        return result;
    }

    /// <summary>Grafana's built-in interval variables, as Grafana would fill them for a short time range.</summary>
    private static string Substitute(string expr) => expr
        .Replace("$__rate_interval", "1m", StringComparison.Ordinal)
        .Replace("$__interval", "15s", StringComparison.Ordinal)
        .Replace("$__range", "1h", StringComparison.Ordinal);

    private sealed record QueryResult(string? Error, IReadOnlyList<JsonNode> Data);

    private static async Task<QueryResult> QueryAsync(HttpClient http, string query)
    {
        using var response = await http.GetAsync(new Uri("api/v1/query?query=" + Uri.EscapeDataString(query), UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        // While it starts, Prometheus answers "Service Unavailable" in plain text: not ready yet, not a result.
        if (!text.TrimStart().StartsWith('{'))
            return new QueryResult($"HTTP {(int)response.StatusCode}: {text[..Math.Min(text.Length, 200)]}", []);
        var body = JsonNode.Parse(text)!;
        if (body["status"]?.GetValue<string>() != "success")
            return new QueryResult($"{body["errorType"]}: {body["error"]}", []);
        var data = body["data"]!;
        return data["resultType"]!.GetValue<string>() switch
        {
            "vector" or "matrix" => new QueryResult(null, data["result"]!.AsArray().Select(n => n!).ToList()),
            _ => new QueryResult(null, [data["result"]!]),
        };
    }

    private static async Task<string> MetricNamesAsync(HttpClient http)
    {
        var body = JsonNode.Parse(await http.GetStringAsync(new Uri("api/v1/label/__name__/values", UriKind.Relative)))!;
        return string.Join(", ", body["data"]!.AsArray().Select(n => n!.GetValue<string>()).Where(n => n.StartsWith("dsw", StringComparison.Ordinal) || n.StartsWith("messaging", StringComparison.Ordinal) || n.StartsWith("rabbitmq_detailed_queue", StringComparison.Ordinal)));
    }
}
