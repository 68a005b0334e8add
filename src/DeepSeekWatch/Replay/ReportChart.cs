using DeepSeekWatch.Contracts;
using DeepSeekWatch.Detection;
using ScottPlot;

namespace DeepSeekWatch.Replay;

/// <summary>
/// The chart of <c>report</c>: the return of each alerted symbol since the start of the replayed span (its closes,
/// daily and intraday alike), with every alert marked where it was raised — a triangle coloured by severity (watch
/// amber, warning orange, critical red; sector shocks as a vertical line) — so that the shape of a day like 27 Jan 2025
/// is seen at a glance. At most <see cref="MaxSymbols"/> symbols: those with the deepest alerted falls.
/// </summary>
internal static class ReportChart
{
    public const int MaxSymbols = 10;

    /// <summary>Draws the chart into <paramref name="dir"/>; returns its path, or null with a note when nothing could be drawn.</summary>
    public static string? Draw(string dir, IReadOnlyList<Alert> alerts, IReadOnlyList<PriceBarObserved> bars, bool svg, out string? note)
    {
        note = null;
        var symbols = alerts.Where(a => a.Symbol is not null)
            .GroupBy(a => a.Symbol!)
            .OrderBy(g => g.Min(a => a.ReturnPct ?? 0)).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Take(MaxSymbols).Select(g => g.Key).ToList();
        var plot = new Plot();
        plot.Title(symbols.Count == 0 ? "No alerts" : "Alerted symbols: return since the start of the replay (%), alerts marked");
        plot.YLabel("return since start (%)");
        plot.Axes.DateTimeTicksBottom();
        var palette = new ScottPlot.Palettes.Category10();
        for (var i = 0; i < symbols.Count; i++)
        {
            var series = Series(bars, symbols[i]);
            if (series.Count < 2)
                continue;
            var color = palette.GetColor(i);
            var line = plot.Add.Scatter(series.Select(p => p.Time.UtcDateTime.ToOADate()).ToArray(), series.Select(p => p.Return).ToArray());
            line.LegendText = symbols[i];
            line.Color = color;
            line.MarkerSize = 0;
            line.LineWidth = 1.5f;
            foreach (var a in alerts.Where(a => a.Symbol == symbols[i]))
            {
                var y = ReturnAt(series, a.At);
                var marker = plot.Add.Marker(a.At.UtcDateTime.ToOADate(), y);
                marker.Shape = MarkerShape.FilledTriangleDown;
                marker.Size = 6 + 4 * Math.Max(0, SeverityRank.Of(a.Severity));
                marker.Color = SeverityColor(a.Severity);
            }
        }
        foreach (var shock in alerts.Where(a => a.Kind == AlertKinds.SectorShock))
        {
            var v = plot.Add.VerticalLine(shock.At.UtcDateTime.ToOADate());
            v.Color = SeverityColor(shock.Severity).WithAlpha(0.5);
            v.LinePattern = LinePattern.Dashed;
            v.Text = $"{shock.Group} {shock.Severity}";
        }
        plot.ShowLegend(Edge.Right);

        Directory.CreateDirectory(dir);
        if (!svg)
        {
            var png = Path.Combine(dir, "chart.png");
            try
            {
                plot.SavePng(png, 1400, 800);
                return png;
            }
            catch (Exception ex) when (ex is TypeInitializationException or DllNotFoundException or EntryPointNotFoundException)
            {
                // The PNG renderer needs SkiaSharp's native library; where it cannot load, the chart is written as SVG.
                note = $"PNG rendering unavailable ({ex.GetType().Name}); chart written as SVG";
            }
        }
        var path = Path.Combine(dir, "chart.svg");
        File.WriteAllText(path, plot.GetSvgXml(1400, 800));
        return path;
    }

    /// <summary>The symbol's closes in time order as returns (%) from its first close.</summary>
    internal static List<(DateTimeOffset Time, double Return)> Series(IReadOnlyList<PriceBarObserved> bars, string symbol)
    {
        var own = bars.Where(b => b.Symbol == symbol).OrderBy(b => b.End).ThenBy(b => b.Interval == "1d" ? 1 : 0).ToList();
        if (own.Count == 0)
            return [];
        var first = (double)own[0].Close;
        return own.Select(b => (b.End, ((double)b.Close / first - 1) * 100)).ToList();
    }

    private static double ReturnAt(List<(DateTimeOffset Time, double Return)> series, DateTimeOffset at)
    {
        var y = series[0].Return;
        foreach (var (time, ret) in series)
        {
            if (time > at)
                break;
            y = ret;
        }
        return y;
    }

    private static Color SeverityColor(string severity) => severity switch
    {
        Severities.Critical => Colors.Red,
        Severities.Warning => Colors.Orange,
        _ => Colors.Gold,
    };
}
