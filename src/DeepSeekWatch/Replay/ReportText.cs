using System.Globalization;
using System.Text;
using DeepSeekWatch.Contracts;
using DeepSeekWatch.Detection;

namespace DeepSeekWatch.Replay;

/// <summary>The text of <c>report</c>: a per-session summary, then every alert with its numbers and linked headlines.</summary>
internal static class ReportText
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static SortedSet<DateOnly> Sessions(IEnumerable<PriceBarObserved> bars) => [.. bars.Select(b => MarketClock.SessionDate(b.Start))];

    public static string Render(IReadOnlyList<Alert> alerts, IReadOnlyList<PriceBarObserved> bars, IReadOnlyList<HeadlineObserved> headlines)
    {
        var sb = new StringBuilder();
        var sessions = Sessions(bars);
        var ordered = alerts.OrderBy(a => a.Session).ThenBy(a => a.At).ThenBy(a => a.Symbol ?? "~" + a.Group, StringComparer.Ordinal).ThenBy(a => SeverityRank.Of(a.Severity)).ToList();
        var span = sessions.Count > 0 ? $"{sessions.Min:yyyy-MM-dd} to {sessions.Max:yyyy-MM-dd}" : "no sessions";
        sb.Append(Inv, $"DeepSeekWatch report: {sessions.Count} session(s), {span}; {bars.Count} bars, {headlines.Count} headlines; {alerts.Count} alert(s)").AppendLine();
        sb.Append(Inv, $"by severity: critical {Count(alerts, Severities.Critical)}, warning {Count(alerts, Severities.Warning)}, watch {Count(alerts, Severities.Watch)}; ")
          .Append(Inv, $"by kind: ai-news-drop {alerts.Count(a => a.Kind == AlertKinds.AiNewsDrop)}, drop {alerts.Count(a => a.Kind == AlertKinds.Drop)}, sector-shock {alerts.Count(a => a.Kind == AlertKinds.SectorShock)}").AppendLine();
        sb.AppendLine();

        sb.AppendLine("Sessions with alerts");
        foreach (var group in ordered.GroupBy(a => a.Session))
        {
            var list = group.ToList();
            var symbols = list.Where(a => a.Symbol is not null).GroupBy(a => a.Symbol!).Select(g => g.MaxBy(a => SeverityRank.Of(a.Severity))!)
                .OrderBy(a => a.ReturnPct).Select(a => $"{a.Symbol} {F(a.ReturnPct)}% {a.Severity}{(a.Kind == AlertKinds.AiNewsDrop ? " AI" : "")}");
            var shocks = list.Where(a => a.Kind == AlertKinds.SectorShock).GroupBy(a => a.Group).Select(g => g.MaxBy(a => SeverityRank.Of(a.Severity))!)
                .Select(a => $"{a.Group} {a.Severity} ({string.Join(' ', a.Members)})");
            var news = headlines.Count(h => MarketClock.SessionDate(h.PublishedAt) == group.Key);
            sb.Append(Inv, $"  {group.Key:yyyy-MM-dd} {Weekday(group.Key)}: {list.Count} alert(s): {string.Join(", ", symbols)}");
            if (shocks.Any())
                sb.Append("; sector shock: ").Append(string.Join(", ", shocks));
            sb.Append(Inv, $"; headlines that day: {news}").AppendLine();
        }
        sb.AppendLine();

        sb.AppendLine("Alerts");
        foreach (var a in ordered)
        {
            var subject = a.Symbol ?? $"{a.Group} [{string.Join(' ', a.Members)}]";
            sb.Append(Inv, $"  {a.Session:yyyy-MM-dd} {a.At.UtcDateTime:HH:mm}Z  {subject}  {a.Kind} {a.Severity} (rev {a.Revision}, id {a.AlertId})").AppendLine();
            if (a.Kind == AlertKinds.SectorShock)
                sb.Append(Inv, $"      mean return of the AI-news members {F(a.ReturnPct)}%, group {a.Group}, benchmark {a.Benchmark}").AppendLine();
            else
                sb.Append(Inv, $"      return {F(a.ReturnPct)}% ({a.ReferencePrice?.ToString(Inv)} -> {a.Price?.ToString(Inv)}), abnormal {F(a.AbnormalReturnPct)}% vs {a.Benchmark}, z {F(a.ZScore)}, group {a.Group}").AppendLine();
            sb.Append("      why: ").Append(Why(a)).AppendLine();
            foreach (var h in a.Headlines)
                sb.Append(Inv, $"      headline {h.PublishedAt.UtcDateTime:yyyy-MM-dd HH:mm}Z {h.Publisher}: \"{h.Title}\" score {h.Score:F2} [{string.Join(", ", h.MatchedTerms)}]").AppendLine();
        }
        return sb.ToString();
    }

    private static string Why(Alert a)
    {
        if (a.Kind == AlertKinds.SectorShock)
            return $"{a.Members.Count} members of {a.Group} fell in the session with AI news linked";
        var parts = new List<string> { $"fell {F(-a.ReturnPct)}% from the previous close" };
        parts.Add(a.ZScore is null ? "no z-score yet (warm-up)" : $"{F(-a.ZScore)} daily standard deviations");
        parts.Add(a.AbnormalReturnPct is null ? "no abnormal return (warm-up or no benchmark bar)" : $"{F(-a.AbnormalReturnPct)}% worse than its beta to {a.Benchmark} predicts");
        parts.Add(a.Headlines.Count > 0 ? $"{a.Headlines.Count} AI headline(s) linked in the look-back window" : "no AI headline linked");
        return string.Join("; ", parts);
    }

    private static int Count(IReadOnlyList<Alert> alerts, string severity) => alerts.Count(a => a.Severity == severity);

    private static string Weekday(DateOnly d) => d.DayOfWeek.ToString()[..3];

    private static string F(double? v) => v is { } x ? x.ToString("F2", Inv) : "-";
}
