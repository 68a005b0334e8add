using System.Globalization;
using DeepSeekWatch.Contracts;
using DeepSeekWatch.Tests.Support;

namespace DeepSeekWatch.Tests.Replay;

/// <summary>
/// The sample tape (real daily bars and headlines, Oct 2024 – Feb 2025) replayed through the real command line: the
/// DeepSeek session's alerts, every other alert listed with the reason it fires, and precision and recall against
/// hand labels beside the naive "down 3% from the previous close" rule (docs/detection.md, "Evaluation").
/// </summary>
public sealed class ReportSampleTapeTests
{
    private static readonly DateOnly DeepSeekMonday = new(2025, 1, 27);

    private static readonly string[] Stocks = ["NVDA", "AVGO", "AMD", "QCOM", "ASML", "TSM", "MSFT", "GOOGL", "AMZN", "META", "AAPL", "TSLA"];

    /// <summary>
    /// Every alert of the tape (latest revision): session, symbol or group, kind, severity, and why. A new alert, a lost
    /// one or a changed kind or severity fails the build. Reasons come from headlines.csv and the reference README; where
    /// the tape has no headline for a move the reason says so. Before 30 Oct 2024 fewer than 20 daily returns are known,
    /// so no z-score or abnormal return filters the raw fall (warm-up).
    /// </summary>
    public static readonly (string Session, string Subject, string Kind, string Severity, string Reason)[] Expected =
    [
        ("2024-10-02", "TSLA", "drop", "watch", "warm-up: raw -3.5%, no AI headline"),
        ("2024-10-03", "TSLA", "drop", "watch", "warm-up: raw -3.4%, no AI headline"),
        ("2024-10-07", "AMZN", "drop", "watch", "warm-up: raw -3.1% on a down day for the market, no AI headline"),
        ("2024-10-07", "TSLA", "drop", "watch", "warm-up: raw -3.7%, no AI headline"),
        ("2024-10-10", "AMD", "drop", "watch", "warm-up: raw -4.0% after AMD's product event, no AI headline on the tape"),
        ("2024-10-11", "TSLA", "drop", "critical", "warm-up: -8.8% after Tesla's robotaxi event, not AI news of this watchlist"),
        ("2024-10-15", "AMD", "drop", "warning", "chips fell with ASML's early results (non-AI chip demand weak); warm-up"),
        ("2024-10-15", "ASML", "drop", "critical", "ASML cut its 2025 outlook, 'non-AI chip demand stays weak' (headline is non-AI)"),
        ("2024-10-15", "AVGO", "drop", "watch", "chips fell with ASML's early results; warm-up"),
        ("2024-10-15", "NVDA", "drop", "watch", "chips fell with ASML's early results; warm-up"),
        ("2024-10-16", "ASML", "drop", "warning", "ASML's second day down after its outlook cut; warm-up"),
        ("2024-10-23", "AVGO", "drop", "watch", "warm-up: raw -3.3% on a down day for tech, no headline"),
        ("2024-10-23", "META", "drop", "watch", "warm-up: raw -3.2% on a down day for tech, no headline"),
        ("2024-10-23", "QCOM", "drop", "watch", "warm-up: raw -3.8% on a down day for tech, no headline"),
        ("2024-10-28", "TSM", "drop", "watch", "warm-up: raw -4.3%, no headline on the tape"),
        ("2024-10-30", "AMD", "ai-news-drop", "critical", "AMD's data-center outlook disappointed (AI headline 29 Oct after the close)"),
        ("2024-10-30", "QCOM", "ai-news-drop", "watch", "chips fell after AMD's outlook; linked through the sector-wide AI-spending headlines"),
        ("2024-10-31", "AMZN", "ai-news-drop", "watch", "big tech fell after the MSFT/META AI-spending guidance of 30 Oct"),
        ("2024-10-31", "META", "ai-news-drop", "watch", "Meta guided AI infrastructure spending up (headline 30 Oct)"),
        ("2024-10-31", "MSFT", "ai-news-drop", "warning", "Microsoft: Azure growth slows as AI capacity stays constrained (30 Oct)"),
        ("2024-10-31", "NVDA", "ai-news-drop", "watch", "big tech fell after the MSFT/META AI-spending guidance of 30 Oct"),
        ("2024-10-31", "magnificent-seven", "sector-shock", "watch", "four members fell with the 30 Oct AI-spending news"),
        ("2024-11-15", "AMZN", "drop", "watch", "broad tech selloff (Powell 'no hurry' to cut), not AI"),
        ("2024-11-15", "ASML", "drop", "watch", "broad tech selloff, not AI"),
        ("2024-11-15", "META", "drop", "watch", "broad tech selloff, not AI"),
        ("2024-11-20", "QCOM", "drop", "warning", "company-specific (investor day), no AI headline"),
        ("2024-11-21", "GOOGL", "drop", "watch", "antitrust: DOJ seeks a Chrome divestiture, not AI"),
        ("2024-12-09", "AMD", "drop", "warning", "company-specific fall, no AI headline"),
        ("2024-12-10", "AVGO", "drop", "watch", "chip stocks down ahead of Broadcom's results, no AI headline"),
        ("2024-12-18", "AMZN", "drop", "watch", "Fed 18 Dec 2024, broad selloff, not AI"),
        ("2024-12-18", "META", "drop", "watch", "Fed 18 Dec 2024, broad selloff, not AI"),
        ("2024-12-18", "MSFT", "drop", "watch", "Fed 18 Dec 2024, broad selloff, not AI"),
        ("2024-12-18", "TSLA", "drop", "warning", "Fed 18 Dec 2024, broad selloff, not AI (high-beta stock)"),
        ("2025-01-07", "NVDA", "drop", "watch", "NVDA reversed after its CES highs as yields rose; no AI headline on the tape"),
        ("2025-01-16", "AAPL", "drop", "watch", "Apple lost iPhone share in China, not AI"),
        ("2025-01-21", "AAPL", "ai-news-drop", "watch", "AAPL -3.2% the session after MLK Day on an analyst downgrade; linked only through group-wide AI news (DeepSeek-R1, Stargate): a weak link, see docs/detection.md"),
        ("2025-01-27", "AMD", "ai-news-drop", "watch", "DeepSeek: chip rout (AMD -6.4%)"),
        ("2025-01-27", "ASML", "ai-news-drop", "watch", "DeepSeek: chip rout (ASML -5.8%)"),
        ("2025-01-27", "AVGO", "ai-news-drop", "critical", "DeepSeek: chip rout (AVGO -17.4%)"),
        ("2025-01-27", "NVDA", "ai-news-drop", "critical", "DeepSeek: chip rout (NVDA -17.0%)"),
        ("2025-01-27", "TSM", "ai-news-drop", "critical", "DeepSeek: chip rout (TSM -13.3%)"),
        ("2025-01-27", "semiconductors", "sector-shock", "critical", "DeepSeek: five chip stocks fell together"),
        ("2025-01-30", "MSFT", "ai-news-drop", "warning", "Azure growth fell short despite heavy AI spending (29 Jan)"),
        ("2025-02-05", "AMD", "ai-news-drop", "watch", "AMD data-center revenue short of estimates (4 Feb)"),
        ("2025-02-05", "GOOGL", "ai-news-drop", "warning", "Alphabet's $75bn AI capex and cloud miss (4 Feb)"),
        ("2025-02-06", "QCOM", "ai-news-drop", "watch", "QCOM results (licensing worries); linked only through the sector-wide AMD headline: a weak link"),
        ("2025-02-07", "AMZN", "ai-news-drop", "watch", "Amazon results (AWS growth, AI capex); the tape has no Amazon headline, linked through the sector-wide one"),
        ("2025-02-11", "TSLA", "drop", "watch", "Tesla sales falling, not AI"),
        ("2025-02-21", "QCOM", "ai-news-drop", "watch", "AI-capex worries after the Microsoft lease report (21 Feb)"),
        ("2025-02-25", "TSLA", "ai-news-drop", "warning", "Tesla's European sales slump; the lease headline (sector-wide) is a WRONG link, see docs"),
        ("2025-02-27", "ASML", "drop", "warning", "chips fell after Nvidia's results; the Nvidia headline names NVDA only"),
        ("2025-02-27", "NVDA", "ai-news-drop", "watch", "Nvidia's gross-margin outlook (26 Feb)"),
        ("2025-02-27", "TSM", "drop", "watch", "chips fell after Nvidia's results; the Nvidia headline names NVDA only"),
    ];

    /// <summary>
    /// Hand labels of the (session, stock) pairs that are real AI-news-driven drops, made from headlines.csv and the
    /// reference README before reading the detector's output: the README's episodes, restricted to the named stocks (or,
    /// where it names a theme, the stocks that fell at least 3% that session). On 27 Feb 2025 the chip stocks other than
    /// NVDA fell in sympathy with Nvidia's results; whether that is "AI news" for them is unclear, so they are not scored.
    /// </summary>
    public static readonly (string Session, string Symbol)[] AiDrops =
    [
        ("2024-10-30", "AMD"), ("2024-10-31", "MSFT"), ("2024-10-31", "META"),
        ("2025-01-27", "NVDA"), ("2025-01-27", "AVGO"), ("2025-01-27", "TSM"), ("2025-01-27", "AMD"), ("2025-01-27", "ASML"), ("2025-01-27", "GOOGL"),
        ("2025-01-30", "MSFT"), ("2025-02-05", "GOOGL"), ("2025-02-05", "AMD"),
        ("2025-02-21", "AVGO"), ("2025-02-21", "NVDA"), ("2025-02-21", "QCOM"),
        ("2025-02-24", "AVGO"), ("2025-02-24", "NVDA"), ("2025-02-24", "TSM"),
        ("2025-02-27", "NVDA"),
    ];

    public static readonly (string Session, string Symbol)[] Unscored =
    [
        ("2025-02-27", "AVGO"), ("2025-02-27", "TSM"), ("2025-02-27", "ASML"), ("2025-02-27", "AMD"), ("2025-02-27", "QCOM"),
    ];

    [Fact]
    public async Task On_27_January_NVDA_and_AVGO_are_critical_ai_news_drops_with_a_DeepSeek_headline_and_the_chips_make_a_sector_shock()
    {
        var alerts = await Cli.ReplayAsync(Repo.SampleTape);
        var day = alerts.Where(a => a.Session == DeepSeekMonday).ToList();
        foreach (var symbol in new[] { "NVDA", "AVGO" })
        {
            var alert = Assert.Single(day, a => a.Symbol == symbol && a.Severity == Severities.Critical);
            Assert.Equal(AlertKinds.AiNewsDrop, alert.Kind);
            Assert.Contains(alert.Headlines, h => h.Title.Contains("DeepSeek", StringComparison.Ordinal));
            Assert.True(alert.AbnormalReturnPct < alert.ReturnPct + 5, "abnormal return shown beside the raw one");
        }
        var shock = Assert.Single(day, a => a.Kind == AlertKinds.SectorShock && a.Group == "semiconductors");
        Assert.Contains("NVDA", shock.Members);
        Assert.Contains("AVGO", shock.Members);
        Assert.Contains(shock.Headlines, h => h.Title.Contains("DeepSeek", StringComparison.Ordinal));
        Assert.DoesNotContain(day, a => a.Symbol is "AAPL" or "META" || a.Members.Contains("AAPL") || a.Members.Contains("META"));
    }

    [Fact]
    public async Task Every_alert_of_the_sample_tape_is_one_listed_with_its_reason()
    {
        var alerts = await Cli.ReplayAsync(Repo.SampleTape);
        var actual = alerts.Select(a => (Session: a.Session.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), Subject: a.Symbol ?? a.Group, a.Kind, a.Severity))
            .Order().Select(x => $"{x.Session} {x.Subject} {x.Kind} {x.Severity}").ToList();
        var expected = Expected.Select(x => (x.Session, x.Subject, x.Kind, x.Severity)).Order().Select(x => $"{x.Session} {x.Subject} {x.Kind} {x.Severity}").ToList();
        var unexpected = actual.Except(expected).ToList();
        var missing = expected.Except(actual).ToList();
        Assert.True(unexpected.Count == 0 && missing.Count == 0,
            $"new alerts (false alarms?): {string.Join("; ", unexpected)}\nexpected but not raised: {string.Join("; ", missing)}");
        Assert.All(Expected, e => Assert.False(string.IsNullOrWhiteSpace(e.Reason)));
    }

    [Fact]
    public async Task Warning_or_higher_alerts_number_at_most_a_quarter_of_the_naive_three_percent_rule()
    {
        var naive = NaiveFires();
        Assert.Equal(105, naive.Count);
        Assert.Equal(53, naive.Select(n => n.Session).Distinct().Count());

        var alerts = await Cli.ReplayAsync(Repo.SampleTape);
        var serious = alerts.Count(a => a.Severity is Severities.Warning or Severities.Critical);
        Assert.True(serious * 4 <= naive.Count, $"{serious} alerts at warning or above against {naive.Count} naive ones");
    }

    [Fact]
    public async Task Ai_news_drop_alerts_beat_the_naive_rule_on_precision_at_a_useful_recall_on_the_labelled_sessions()
    {
        var alerts = await Cli.ReplayAsync(Repo.SampleTape);
        var ai = alerts.Where(a => a.Kind == AlertKinds.AiNewsDrop).Select(a => (a.Session.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), a.Symbol!)).ToHashSet();
        var naive = NaiveFires().Select(n => (n.Session, n.Symbol)).ToHashSet();
        var (detectorPrecision, detectorRecall) = Score(ai);
        var (naivePrecision, naiveRecall) = Score(naive);

        // The naive rule catches every labelled drop (the labels are falls of 3% or more) at a precision under 0.2.
        Assert.Equal(1.0, naiveRecall);
        Assert.InRange(naivePrecision, 0.15, 0.2);
        // docs/detection.md states the figures: precision 13/19, recall 13/19 on this tape.
        Assert.True(detectorPrecision >= 0.6, $"precision {detectorPrecision:F2}");
        Assert.True(detectorRecall >= 0.6, $"recall {detectorRecall:F2}");
        Assert.True(detectorPrecision >= 3 * naivePrecision);
    }

    private static (double Precision, double Recall) Score(IReadOnlySet<(string Session, string Symbol)> predicted)
    {
        var positives = AiDrops.ToHashSet();
        var scored = predicted.Where(p => !Unscored.Contains(p)).ToList();
        var hits = scored.Count(positives.Contains);
        return (scored.Count == 0 ? 0 : (double)hits / scored.Count, (double)hits / positives.Count);
    }

    /// <summary>The naive rule computed straight from the reference CSVs: close at least 3% below the previous close.</summary>
    private static List<(string Session, string Symbol)> NaiveFires()
    {
        var fires = new List<(string, string)>();
        foreach (var symbol in Stocks)
        {
            var rows = File.ReadAllLines(Path.Combine(Repo.Shared, "reference", "market", "daily", symbol + ".csv")).Skip(1)
                .Select(l => l.Split(',')).Select(c => (Date: c[0], Close: decimal.Parse(c[4], CultureInfo.InvariantCulture))).ToList();
            for (var i = 1; i < rows.Count; i++)
            {
                if (rows[i].Close / rows[i - 1].Close - 1 <= -0.03m)
                    fires.Add((rows[i].Date, symbol));
            }
        }
        return fires;
    }
}
