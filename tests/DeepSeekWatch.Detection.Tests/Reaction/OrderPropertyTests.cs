using System.Globalization;
using CsCheck;
using DeepSeekWatch.Contracts;
using static DeepSeekWatch.Detection.Tests.Reaction.Market;

namespace DeepSeekWatch.Detection.Tests.Reaction;

/// <summary>
/// The final alerts must not depend on whether a stock's bar comes before or after its benchmark's bar of the same
/// time (or before or after other members' bars): a bus delivers the bars of one moment in any order.
/// </summary>
public sealed class OrderPropertyTests
{
    private const string Group = "chips";
    private static readonly string[] Stocks = ["A", "B", "C", "D", "E"];

    [Fact]
    public void Daily_bars_of_one_session_in_any_order_give_the_same_alerts()
    {
        var history = History(21, 64, Stocks);
        // The last session: an AI-news shock for A, B, C with the market down, D and E steady.
        var shock = history[^1].ToDictionary(kv => kv.Key, kv => kv.Key switch
        {
            "A" => Math.Round(kv.Value * 0.85m, 4),
            "B" => Math.Round(kv.Value * 0.88m, 4),
            "C" => Math.Round(kv.Value * 0.93m, 4),
            Benchmark => Math.Round(kv.Value * 0.985m, 4),
            _ => kv.Value,
        });
        history.Add(shock);
        var headline = Headline("shock", MarketClock.At(Day(history.Count - 1), 7), groups: [Group]);

        var expected = Run(history, headline, _ => (IEnumerable<string>)[Benchmark, .. Stocks]);
        Assert.Contains(expected, a => a.StartsWith("sector-shock", StringComparison.Ordinal));
        Assert.Contains(expected, a => a.Contains("|A|ai-news-drop|critical|", StringComparison.Ordinal));

        Gen.Int.Sample(seed =>
        {
            var random = new Random(seed);
            var actual = Run(history, headline, keys => keys.OrderBy(_ => random.Next()));
            Assert.Equal(expected, actual);
        }, iter: 60);
    }

    [Fact]
    public void Five_minute_bars_of_one_moment_in_any_order_give_the_same_alerts()
    {
        var history = History(33, 62, Stocks);
        var session = Day(history.Count);
        var last = history[^1];
        // A falls in steps to -12%, B to -7%, C to -8%; the market slips 1%.
        double[] A(int slot) => [1 - 0.012 * slot, 1 - 0.007 * slot, 1 - 0.008 * slot, 1, 1, 1 - 0.001 * slot];
        var slots = Enumerable.Range(0, 11).Select(slot => new Dictionary<string, decimal>
        {
            ["A"] = Math.Round(last["A"] * (decimal)A(slot)[0], 4),
            ["B"] = Math.Round(last["B"] * (decimal)A(slot)[1], 4),
            ["C"] = Math.Round(last["C"] * (decimal)A(slot)[2], 4),
            ["D"] = last["D"],
            ["E"] = last["E"],
            [Benchmark] = Math.Round(last[Benchmark] * (decimal)A(slot)[5], 4),
        }).ToList();
        var headline = Headline("shock", MarketClock.At(session, 7), groups: [Group]);

        List<string> RunIntraday(Func<IEnumerable<string>, IEnumerable<string>> order)
        {
            var detector = Detector(Watchlist(Group, Stocks));
            var alerts = FeedDaily(detector, history);
            alerts.AddRange(detector.OnHeadline(headline).Alerts);
            for (var slot = 0; slot < slots.Count; slot++)
            {
                foreach (var symbol in order(slots[slot].Keys.Order(StringComparer.Ordinal)).ToList())
                    alerts.AddRange(detector.OnBar(FiveMinute(symbol, session, slot, slots[slot][symbol])).Alerts);
            }
            alerts.AddRange(detector.OnClock(MarketClock.At(session, 20)).Alerts);
            return Final(alerts);
        }

        var expected = RunIntraday(keys => keys.OrderBy(k => k == Benchmark ? 0 : 1));
        Assert.Contains(expected, a => a.StartsWith("sector-shock", StringComparison.Ordinal));
        Gen.Int.Sample(seed =>
        {
            var random = new Random(seed);
            Assert.Equal(expected, RunIntraday(keys => keys.OrderBy(_ => random.Next())));
        }, iter: 40);
    }

    private static List<string> Run(List<Dictionary<string, decimal>> history, AiHeadlineDetected headline, Func<IEnumerable<string>, IEnumerable<string>> order)
    {
        var detector = Detector(Watchlist(Group, Stocks));
        var alerts = new List<Alert>();
        for (var d = 0; d < history.Count; d++)
        {
            if (d == history.Count - 1)
                alerts.AddRange(detector.OnHeadline(headline).Alerts);
            foreach (var symbol in order(history[d].Keys.Order(StringComparer.Ordinal)).ToList())
                alerts.AddRange(detector.OnBar(Daily(symbol, Day(d), history[d][symbol])).Alerts);
        }
        alerts.AddRange(detector.OnClock(MarketClock.At(Day(history.Count), 0)).Alerts);
        return Final(alerts);
    }

    /// <summary>The latest revision of each alert, as text with every field that matters, in a stable order.</summary>
    private static List<string> Final(List<Alert> alerts) =>
        alerts.GroupBy(a => a.AlertId).Select(g => g.MaxBy(a => a.Revision)!)
            .Select(a => string.Join('|',
                a.Kind, a.Symbol, a.Kind, a.Severity, a.Session.ToString("O", CultureInfo.InvariantCulture), a.At.ToString("O", CultureInfo.InvariantCulture),
                F(a.ReturnPct), F(a.AbnormalReturnPct), F(a.ZScore), string.Join(',', a.Members), a.Headlines.Count, a.Revision, a.AlertId))
            .Order(StringComparer.Ordinal).ToList();

    private static string F(double? v) => v?.ToString("R", CultureInfo.InvariantCulture) ?? "-";
}
