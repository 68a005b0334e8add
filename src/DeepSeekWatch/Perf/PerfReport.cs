using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace DeepSeekWatch.Perf;

/// <summary>Writes a <see cref="PerfResult"/> as JSON (for comparison across commits) and the latency distributions as an SVG chart.</summary>
internal static class PerfReport
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerOptions.Web) { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public static void Write(PerfResult result, string jsonPath, string chartPath)
    {
        foreach (var path in new[] { jsonPath, chartPath })
        {
            if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } dir)
                Directory.CreateDirectory(dir);
        }
        // The raw samples go to the chart, not the JSON.
        static LatencySummary? Slim(LatencySummary? l) => l is null ? null : l with { Sorted = [] };
        var slim = result with
        {
            BarLatencyFixed = Slim(result.BarLatencyFixed),
            AlertLatencyFixed = Slim(result.AlertLatencyFixed),
            BarLatencySaturated = Slim(result.BarLatencySaturated),
            AlertLatencySaturated = Slim(result.AlertLatencySaturated),
            AlertFromBenchmarkFixed = Slim(result.AlertFromBenchmarkFixed),
            AlertFromBenchmarkSaturated = Slim(result.AlertFromBenchmarkSaturated),
        };
        File.WriteAllText(jsonPath, JsonSerializer.Serialize(slim, Json));
        File.WriteAllText(chartPath, Svg([result.BarLatencyFixed, result.AlertLatencyFixed, result.BarLatencySaturated, result.AlertLatencySaturated, result.AlertFromBenchmarkFixed]));
    }

    /// <summary>Latency distributions as cumulative curves: x = latency (ms, log scale), y = share of samples at or under it.</summary>
    internal static string Svg(IEnumerable<LatencySummary?> series)
    {
        const int W = 900, H = 500, L = 70, R = 20, T = 40, B = 60;
        string[] colours = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd"];
        var list = series.Where(s => s is { Sorted.Length: > 0 }).Cast<LatencySummary>().ToList();
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        sb.Append(inv, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        sb.Append(inv, $"<rect width=\"{W}\" height=\"{H}\" fill=\"white\"/>\n<text x=\"{W / 2}\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">DeepSeekWatch latency distribution (cumulative)</text>\n");
        if (list.Count == 0)
        {
            sb.Append(inv, $"<text x=\"{W / 2}\" y=\"{H / 2}\" text-anchor=\"middle\">no latency measured (run with --rabbitmq and --redis)</text>\n</svg>\n");
            return sb.ToString();
        }
        var lo = Math.Max(0.01, list.Min(s => s.Sorted[0]));
        var hi = Math.Max(lo * 10, list.Max(s => s.Sorted[^1]));
        var (logLo, logHi) = (Math.Floor(Math.Log10(lo)), Math.Ceiling(Math.Log10(hi)));
        double X(double ms) => L + ((Math.Log10(Math.Max(ms, Math.Pow(10, logLo))) - logLo) / (logHi - logLo) * (W - L - R));
        double Y(double q) => H - B - (q * (H - T - B));
        sb.Append(inv, $"<line x1=\"{L}\" y1=\"{H - B}\" x2=\"{W - R}\" y2=\"{H - B}\" stroke=\"black\"/><line x1=\"{L}\" y1=\"{T}\" x2=\"{L}\" y2=\"{H - B}\" stroke=\"black\"/>\n");
        for (var e = logLo; e <= logHi; e++)
        {
            var ms = Math.Pow(10, e);
            sb.Append(inv, $"<line x1=\"{X(ms):F1}\" y1=\"{T}\" x2=\"{X(ms):F1}\" y2=\"{H - B}\" stroke=\"#ddd\"/><text x=\"{X(ms):F1}\" y=\"{H - B + 16}\" text-anchor=\"middle\">{ms.ToString("G", inv)} ms</text>\n");
        }
        foreach (var q in new[] { 0.0, 0.5, 0.9, 0.99, 1.0 })
            sb.Append(inv, $"<line x1=\"{L}\" y1=\"{Y(q):F1}\" x2=\"{W - R}\" y2=\"{Y(q):F1}\" stroke=\"#eee\"/><text x=\"{L - 6}\" y=\"{Y(q) + 4:F1}\" text-anchor=\"end\">{q * 100:0.#}%</text>\n");
        for (var i = 0; i < list.Count; i++)
        {
            var s = list[i];
            var step = Math.Max(1, s.Sorted.Length / 800);
            var points = new StringBuilder();
            for (var k = 0; k < s.Sorted.Length; k += step)
                points.Append(inv, $"{X(s.Sorted[k]):F1},{Y((k + 1.0) / s.Sorted.Length):F1} ");
            points.Append(inv, $"{X(s.Sorted[^1]):F1},{Y(1):F1}");
            var colour = colours[i % colours.Length];
            sb.Append(inv, $"<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{points}\"/>\n");
            sb.Append(inv, $"<text x=\"{L + 10}\" y=\"{T + 16 + (i * 16)}\" fill=\"{colour}\">{Escape(s.Name)} (n={s.Samples}, p50 {s.P50:F1}, p99 {s.P99:F1}, max {s.Max:F1} ms)</text>\n");
        }
        sb.Append(inv, $"<text x=\"{W / 2}\" y=\"{H - 15}\" text-anchor=\"middle\">latency (ms, log scale)</text>\n</svg>\n");
        return sb.ToString();
    }

    private static string Escape(string s) => s.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
}
