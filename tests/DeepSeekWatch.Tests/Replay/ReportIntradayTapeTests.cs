using DeepSeekWatch.Contracts;
using DeepSeekWatch.Detection;
using DeepSeekWatch.Tests.Support;

namespace DeepSeekWatch.Tests.Replay;

/// <summary>
/// samples/deepseek-2025-01-27-intraday.jsonl: real daily bars to Friday 24 Jan 2025, then the real 5-minute bars of
/// 24 and 27 Jan (no GOOG: the intraday file is GOOG, the watchlist has GOOGL) and the headlines to 27 Jan.
/// </summary>
public sealed class ReportIntradayTapeTests
{
    private static readonly DateOnly Monday = new(2025, 1, 27);

    private static string IntradayTape => Path.Combine(Repo.Root, "samples", "deepseek-2025-01-27-intraday.jsonl");

    [Fact]
    public async Task NVDA_alerts_on_the_first_five_minute_bar_of_27_January_and_later_bars_escalate_instead_of_repeating()
    {
        var alerts = await Cli.ReplayAsync(IntradayTape);
        var firstBarEnd = new DateTimeOffset(2025, 1, 27, 14, 35, 0, TimeSpan.Zero);
        Assert.Equal(MarketClock.At(Monday, 9, 35), firstBarEnd);

        var nvda = alerts.Where(a => a.Symbol == "NVDA" && a.Session == Monday).OrderBy(a => a.At).ToList();
        var first = nvda[0];
        Assert.Equal(firstBarEnd, first.At);
        Assert.Equal(AlertKinds.AiNewsDrop, first.Kind);
        Assert.Contains(first.Headlines, h => h.Title.Contains("DeepSeek", StringComparison.Ordinal) && h.PublishedAt < firstBarEnd);
        Assert.InRange(first.ReturnPct!.Value, -13, -9); // opened about 12% below Friday's close
        Assert.Equal(142.62m, first.ReferencePrice); // Friday's daily close, not the last 5-minute close
        AssertEscalatesOnly(nvda);

        // Every stock of the session: one alert per level reached, each later one higher than the one before.
        foreach (var symbol in alerts.Where(a => a.Session == Monday && a.Symbol is not null).Select(a => a.Symbol!).Distinct())
            AssertEscalatesOnly(alerts.Where(a => a.Symbol == symbol && a.Session == Monday).OrderBy(a => a.At).ToList());
        // TSM opens at warning and escalates to critical on a later bar.
        var tsm = alerts.Where(a => a.Symbol == "TSM" && a.Session == Monday).OrderBy(a => a.At).ToList();
        Assert.True(tsm.Count >= 2, "TSM escalates");
        Assert.Equal(Severities.Critical, tsm[^1].Severity);
        Assert.True(tsm[^1].At > tsm[0].At);

        Assert.Contains(alerts, a => a.Kind == AlertKinds.SectorShock && a.Group == "semiconductors" && a.Session == Monday && a.Members.Contains("NVDA"));
        Assert.DoesNotContain(alerts, a => a.Session == Monday && a.Symbol is "AAPL" or "META");
    }

    [Fact]
    public async Task The_intraday_sample_is_what_the_documented_import_command_builds()
    {
        var reference = Path.Combine(Repo.Shared, "reference", "market");
        var daily = Path.GetDirectoryName(Repo.TempFile("x"))!;
        foreach (var file in Directory.GetFiles(Path.Combine(reference, "daily"), "*.csv"))
        {
            var lines = File.ReadAllLines(file);
            File.WriteAllLines(Path.Combine(daily, Path.GetFileName(file)), lines.Take(1).Concat(lines.Skip(1).Where(l => string.CompareOrdinal(l[..10], "2025-01-24") <= 0)));
        }
        var intraday = Directory.GetFiles(Path.Combine(reference, "intraday"), "*_5m.csv").Where(f => !Path.GetFileName(f).StartsWith("GOOG_", StringComparison.Ordinal)).Order(StringComparer.Ordinal);
        var tape = Repo.TempFile("intraday.jsonl");
        var result = await Cli.RunAsync(["import", "--bars", daily, .. intraday, "--headlines", Path.Combine(reference, "headlines.csv"), "--to", "2025-01-27", "--source", "reference", "--out", tape]);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(File.ReadAllLines(IntradayTape), File.ReadAllLines(tape));
    }

    private static void AssertEscalatesOnly(List<Alert> sameSymbolSameSession)
    {
        Assert.NotEmpty(sameSymbolSameSession);
        Assert.Equal(sameSymbolSameSession.Count, sameSymbolSameSession.Select(a => a.AlertId).Distinct().Count());
        for (var i = 1; i < sameSymbolSameSession.Count; i++)
            Assert.True(SeverityRank.Of(sameSymbolSameSession[i].Severity) > SeverityRank.Of(sameSymbolSameSession[i - 1].Severity), "a later alert of the session must be an escalation");
    }
}
