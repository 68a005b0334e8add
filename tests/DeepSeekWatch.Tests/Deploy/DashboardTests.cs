using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DeepSeekWatch.Hosting;

namespace DeepSeekWatch.Tests.Deploy;

/// <summary>
/// The dashboard JSON: every panel has a data source that Grafana is provisioned with, and a query. (Whether each
/// PromQL expression returns data is checked against a real Prometheus by the integration tests.)
/// </summary>
public sealed partial class DashboardTests
{
    private static readonly JsonNode Dashboard = DeployFiles.Dashboard();

    private static IEnumerable<JsonNode> Panels => Dashboard["panels"]!.AsArray().Select(p => p!);

    private static Dictionary<string, string> ProvisionedSources() =>
        DeployFiles.Yaml("deploy", "grafana", "provisioning", "datasources", "datasources.yml").Child("datasources").Items()
            .ToDictionary(s => s.Scalar("uid")!, s => s.Scalar("type")!);

    private static IEnumerable<string> Expressions => Panels.SelectMany(p => p["targets"]!.AsArray()).Select(t => t!["expr"]?.GetValue<string>()).OfType<string>();

    [Fact]
    public void Every_panel_has_a_provisioned_data_source_and_a_query()
    {
        var sources = ProvisionedSources();
        Assert.NotEmpty(Panels);
        foreach (var panel in Panels)
        {
            var title = panel["title"]!.GetValue<string>();
            var uid = panel["datasource"]?["uid"]?.GetValue<string>();
            Assert.True(uid is not null && sources.ContainsKey(uid), $"panel '{title}' has no provisioned data source");
            Assert.Equal(sources[uid!], panel["datasource"]!["type"]!.GetValue<string>());
            var targets = panel["targets"]?.AsArray() ?? [];
            Assert.True(targets.Count > 0, $"panel '{title}' has no query");
            foreach (var target in targets)
            {
                var type = target!["datasource"]?["type"]?.GetValue<string>() ?? sources[uid!];
                if (type == "prometheus")
                    Assert.False(string.IsNullOrWhiteSpace(target["expr"]?.GetValue<string>()), $"panel '{title}': a Prometheus target without expr");
                else
                    Assert.False(string.IsNullOrWhiteSpace(target["command"]?.GetValue<string>()) || string.IsNullOrWhiteSpace(target["keyName"]?.GetValue<string>()), $"panel '{title}': a Redis target without command and key");
            }
        }
    }

    [Fact]
    public void Panel_ids_are_unique_and_panels_do_not_overlap()
    {
        Assert.Equal(Panels.Count(), Panels.Select(p => p["id"]!.GetValue<int>()).Distinct().Count());
        var cells = new HashSet<(int, int)>();
        foreach (var p in Panels)
        {
            var g = p["gridPos"]!;
            int x = g["x"]!.GetValue<int>(), y = g["y"]!.GetValue<int>(), w = g["w"]!.GetValue<int>(), h = g["h"]!.GetValue<int>();
            Assert.True(x + w <= 24, $"panel '{p["title"]}' is wider than the grid");
            for (var i = x; i < x + w; i++)
            {
                for (var j = y; j < y + h; j++)
                    Assert.True(cells.Add((i, j)), $"panel '{p["title"]}' overlaps another at {i},{j}");
            }
        }
    }

    [Fact]
    public void The_live_alerts_table_reads_the_alert_stream_under_the_default_key_prefix()
    {
        var table = Assert.Single(Panels, p => p["datasource"]!["type"]!.GetValue<string>() == "redis-datasource");
        Assert.Equal("table", table["type"]!.GetValue<string>());
        var target = table["targets"]!.AsArray().Single()!;
        Assert.Equal("xrevrange", target["command"]!.GetValue<string>());
        Assert.Equal(new DeepSeekWatch.Alerts.StoreOptions().Redis.KeyPrefix + "alerts:stream", target["keyName"]!.GetValue<string>());
    }

    [Fact]
    public void The_dashboard_shows_what_the_issue_asks_for()
    {
        var all = string.Join("\n", Expressions);
        Assert.Contains("dsw_symbol_session_return_percent", all, StringComparison.Ordinal);
        Assert.Contains("dsw_symbol_abnormal_return_percent", all, StringComparison.Ordinal);
        Assert.Contains("sum by (group) (increase(dsw_alerts_stored_total", all, StringComparison.Ordinal);
        Assert.Contains("histogram_quantile(0.5, sum by (le) (rate(dsw_detection_latency_seconds_bucket", all, StringComparison.Ordinal);
        Assert.Contains("histogram_quantile(0.99, sum by (le) (rate(dsw_detection_latency_seconds_bucket", all, StringComparison.Ordinal);
        Assert.Contains("dsw_poll_failures_total", all, StringComparison.Ordinal);
        Assert.Contains("dsw_delivery_attempts_total{outcome=\"failed\"}", all, StringComparison.Ordinal);
        Assert.Contains("dsw_delivery_dead_letters_total", all, StringComparison.Ordinal);
        Assert.Contains("rabbitmq_detailed_queue_messages_ready", all, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_DeepSeekWatch_metric_the_dashboard_queries_is_defined_in_code_and_documented()
    {
        var docs = File.ReadAllText(DeployFiles.PathOf("docs", "metrics.md"));
        var defined = typeof(MetricNames).GetFields().Where(f => f.IsLiteral && f.FieldType == typeof(string) && f.Name != nameof(MetricNames.Meter))
            .Select(f => ((string)f.GetRawConstantValue()!).Replace('.', '_')).ToList();
        var used = Expressions.SelectMany(e => DswMetric().Matches(e).Select(m => m.Value)).Distinct().ToList();
        Assert.NotEmpty(used);
        foreach (var name in used)
        {
            Assert.Contains(defined, d => name.StartsWith(d, StringComparison.Ordinal));
            Assert.Contains(name.Replace("_bucket", "", StringComparison.Ordinal), docs, StringComparison.Ordinal);
        }
        foreach (var field in typeof(MetricNames).GetFields().Where(f => f.IsLiteral && f.FieldType == typeof(string) && f.DeclaringType == typeof(MetricNames)))
            Assert.Contains($"`{field.GetRawConstantValue()}`", docs, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"\bdsw_[a-z_]+")]
    private static partial Regex DswMetric();
}
