using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using ScottPlot;

namespace DeepSeekWatch.Perf;

/// <summary>
/// Writes a <see cref="PerfResult"/> as JSON (for comparison across commits) and the latency distributions as an SVG
/// chart and a PNG chart (ScottPlot) of the same four cumulative curves.
/// </summary>
internal static class PerfReport
{
    public const int PngWidth = 1200, PngHeight = 700;
    private const string NoLatency = "no latency measured (run with --rabbitmq and --redis)";
    private static readonly string[] Colours = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#7f7f7f"];
    private static readonly JsonSerializerOptions Json = new(JsonSerializerOptions.Web) { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <summary>Writes the three files; returns a note when the PNG could not be rendered (the JSON and SVG are written regardless).</summary>
    public static string? Write(PerfResult result, string jsonPath, string chartPath, string pngPath)
    {
        foreach (var path in new[] { jsonPath, chartPath, pngPath })
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
            BrokerLatencyFixed = Slim(result.BrokerLatencyFixed),
        };
        File.WriteAllText(jsonPath, JsonSerializer.Serialize(slim, Json));
        LatencySummary?[] series = [result.BarLatencyFixed, result.AlertLatencyFixed, result.BarLatencySaturated, result.AlertLatencySaturated, result.AlertFromBenchmarkFixed, result.BrokerLatencyFixed];
        File.WriteAllText(chartPath, Svg(series));
        try
        {
            File.WriteAllBytes(pngPath, Png(series, Title(result), PngWidth, PngHeight));
            return null;
        }
        catch (Exception ex) when (ex is TypeInitializationException or DllNotFoundException or EntryPointNotFoundException)
        {
            // ScottPlot renders with SkiaSharp's native library; where it cannot load, a long run still keeps its JSON and SVG.
            return $"PNG chart not written: rendering unavailable ({ex.GetType().Name})";
        }
    }

    /// <summary>The chart title: when the run started and the offered rates of its two latency runs.</summary>
    internal static string Title(PerfResult result)
    {
        var inv = CultureInfo.InvariantCulture;
        var when = result.StartedUtc.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", inv);
        var rates = new[] { result.BarLatencyFixed, result.BarLatencySaturated }
            .Where(l => l is not null).Select(l => l!.OfferedPerSecond.ToString("0.#", inv) + "/s").ToList();
        return $"DeepSeekWatch latency distribution (cumulative), {when}"
            + (rates.Count == 0 ? ", in-process run only" : $", offered {string.Join(" and ", rates)}");
    }

    /// <summary>
    /// The same cumulative curves as <see cref="Svg"/>, drawn by ScottPlot as a PNG of <paramref name="width"/> x
    /// <paramref name="height"/> pixels. ScottPlot 5 has no log axis: the x values plotted are log10(ms), with major
    /// ticks on whole decades labelled in ms and log-spaced minor ticks.
    /// </summary>
    internal static byte[] Png(IEnumerable<LatencySummary?> series, string title, int width, int height)
    {
        var inv = CultureInfo.InvariantCulture;
        var list = series.Where(s => s is { Sorted.Length: > 0 }).Cast<LatencySummary>().ToList();
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel("latency (ms, log scale)");
        plot.YLabel("share of samples at or under it");
        if (list.Count == 0)
        {
            // An empty frame with the note, as the SVG: no tick labels that would read as measured values.
            plot.Add.Annotation(NoLatency, Alignment.MiddleCenter);
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual();
            plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual();
            return plot.GetImageBytes(width, height, ImageFormat.Png);
        }
        var lo = Math.Max(0.01, list.Min(s => s.Sorted[0]));
        var hi = Math.Max(lo * 10, list.Max(s => s.Sorted[^1]));
        var (logLo, logHi) = (Math.Floor(Math.Log10(lo)), Math.Ceiling(Math.Log10(hi)));
        for (var i = 0; i < list.Count; i++)
        {
            var s = list[i];
            var step = Math.Max(1, s.Sorted.Length / 800);
            var xs = new List<double>();
            var ys = new List<double>();
            for (var k = 0; k < s.Sorted.Length; k += step)
            {
                xs.Add(Math.Log10(Math.Max(s.Sorted[k], Math.Pow(10, logLo))));
                ys.Add((k + 1.0) / s.Sorted.Length);
            }
            xs.Add(Math.Log10(Math.Max(s.Sorted[^1], Math.Pow(10, logLo))));
            ys.Add(1);
            var line = plot.Add.Scatter(xs.ToArray(), ys.ToArray());
            line.Color = Color.FromHex(Colours[i % Colours.Length]);
            line.MarkerSize = 0;
            line.LineWidth = 2;
            line.LegendText = string.Create(inv, $"{s.Name} (n={s.Samples}, p50 {s.P50:F1}, p99 {s.P99:F1}, max {s.Max:F1} ms)");
        }
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            IntegerTicksOnly = true,
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            LabelFormatter = e => Math.Pow(10, e).ToString("G", inv) + " ms",
        };
        var quantiles = new ScottPlot.TickGenerators.NumericManual();
        // No 100% label: on a linear axis it would overprint the 99% one; the top of the frame is 100%.
        foreach (var q in new[] { 0.0, 0.5, 0.9, 0.99 })
            quantiles.AddMajor(q, (q * 100).ToString("0.#", inv) + "%");
        plot.Axes.Left.TickGenerator = quantiles;
        // A tenth of a decade either side keeps the outer decade labels inside the image.
        plot.Axes.SetLimits(logLo - 0.1, logHi + 0.1, 0, 1.02);
        plot.Grid.MajorLineColor = Colors.Black.WithOpacity(.15);
        plot.Grid.MinorLineColor = Colors.Black.WithOpacity(.05);
        plot.Grid.MinorLineWidth = 1;
        // Below the frame, so that no part of a curve (the tail above 90% least of all) is hidden.
        plot.ShowLegend(Edge.Bottom);
        return plot.GetImageBytes(width, height, ImageFormat.Png);
    }

    /// <summary>Latency distributions as cumulative curves: x = latency (ms, log scale), y = share of samples at or under it.</summary>
    internal static string Svg(IEnumerable<LatencySummary?> series)
    {
        const int W = 900, H = 500, L = 70, R = 20, T = 40, B = 60;
        var list = series.Where(s => s is { Sorted.Length: > 0 }).Cast<LatencySummary>().ToList();
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        sb.Append(inv, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        sb.Append(inv, $"<rect width=\"{W}\" height=\"{H}\" fill=\"white\"/>\n<text x=\"{W / 2}\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">DeepSeekWatch latency distribution (cumulative)</text>\n");
        if (list.Count == 0)
        {
            sb.Append(inv, $"<text x=\"{W / 2}\" y=\"{H / 2}\" text-anchor=\"middle\">{NoLatency}</text>\n</svg>\n");
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
            var colour = Colours[i % Colours.Length];
            sb.Append(inv, $"<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{points}\"/>\n");
            sb.Append(inv, $"<text x=\"{L + 10}\" y=\"{T + 16 + (i * 16)}\" fill=\"{colour}\">{Escape(s.Name)} (n={s.Samples}, p50 {s.P50:F1}, p99 {s.P99:F1}, max {s.Max:F1} ms)</text>\n");
        }
        sb.Append(inv, $"<text x=\"{W / 2}\" y=\"{H - 15}\" text-anchor=\"middle\">latency (ms, log scale)</text>\n</svg>\n");
        return sb.ToString();
    }

    private static string Escape(string s) => s.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
}
