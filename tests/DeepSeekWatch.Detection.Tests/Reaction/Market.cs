using DeepSeekWatch.Contracts;
using DeepSeekWatch.Detection.Reaction;

namespace DeepSeekWatch.Detection.Tests.Reaction;

/// <summary>Builds detector inputs directly: sessions, daily and 5-minute bars, headlines, and small watchlists.</summary>
internal static class Market
{
    public const string Benchmark = "SPY";

    /// <summary>The <paramref name="n"/>-th weekday from Tuesday 2 January 2024 (n = 0).</summary>
    public static DateOnly Day(int n)
    {
        var d = new DateOnly(2024, 1, 2);
        for (var i = 0; i < n;)
        {
            d = d.AddDays(1);
            if (d.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday))
                i++;
        }
        return d;
    }

    public static PriceBarObserved Daily(string symbol, DateOnly session, decimal close) =>
        new($"bar-{symbol}-1d-{session:yyyy-MM-dd}", "test", symbol, "1d", MarketClock.At(session, 9, 30), MarketClock.At(session, 16), close, close, close, close, 1_000, false);

    /// <summary>A 5-minute bar of <paramref name="session"/> opening <paramref name="slot"/> × 5 minutes after 9:30 New York time.</summary>
    public static PriceBarObserved FiveMinute(string symbol, DateOnly session, int slot, decimal close)
    {
        var start = MarketClock.At(session, 9, 30) + TimeSpan.FromMinutes(5 * slot);
        return new($"bar-{symbol}-5m-{start:O}", "test", symbol, "5m", start, start + TimeSpan.FromMinutes(5), close, close, close, close, 1_000, false);
    }

    public static AiHeadlineDetected Headline(string id, DateTimeOffset publishedAt, string[]? symbols = null, string[]? groups = null, string title = "DeepSeek model rattles chip stocks") =>
        new(id, "test", title, "https://example.test/" + id, "Test", publishedAt, 2.5, ["deepseek"], symbols ?? [], groups ?? [], false);

    public static Watchlist Watchlist(string group, params string[] symbols) =>
        new(new Dictionary<string, WatchGroupOptions> { [group] = new() { Symbols = [.. symbols], Benchmark = Benchmark } });

    public static ReactionDetector Detector(Watchlist watchlist, Action<DetectionOptions>? configure = null)
    {
        var options = new DetectionOptions();
        configure?.Invoke(options);
        Assert.Empty(options.Validate());
        return new ReactionDetector(options, watchlist);
    }

    /// <summary>
    /// Random daily closes for <paramref name="sessions"/> sessions: the benchmark moves with 1% daily volatility, each
    /// stock with its own beta (1 + index/4) on it plus 1.5% of noise of its own. Deterministic for a seed.
    /// </summary>
    public static List<Dictionary<string, decimal>> History(int seed, int sessions, params string[] stocks)
    {
        var random = new Random(seed);
        var closes = new Dictionary<string, double> { [Benchmark] = 500 };
        foreach (var s in stocks)
            closes[s] = 100;
        var result = new List<Dictionary<string, decimal>>();
        for (var d = 0; d < sessions; d++)
        {
            if (d > 0)
            {
                var market = Normal(random) * 0.01;
                closes[Benchmark] *= 1 + market;
                for (var i = 0; i < stocks.Length; i++)
                    closes[stocks[i]] *= 1 + (1 + i / 4.0) * market + Normal(random) * 0.015;
            }
            result.Add(closes.ToDictionary(c => c.Key, c => Math.Round((decimal)c.Value, 4)));
        }
        return result;
    }

    /// <summary>Feeds each session's daily bars (benchmark first unless told otherwise) and returns every alert raised or revised.</summary>
    public static List<Alert> FeedDaily(IDetectionEngine detector, IReadOnlyList<Dictionary<string, decimal>> history, int firstDay = 0, bool benchmarkLast = false)
    {
        var alerts = new List<Alert>();
        for (var d = 0; d < history.Count; d++)
        {
            var order = history[d].Keys.OrderBy(k => (k == Benchmark) == benchmarkLast ? 1 : 0).ThenBy(k => k, StringComparer.Ordinal);
            foreach (var symbol in order)
                alerts.AddRange(detector.OnBar(Daily(symbol, Day(firstDay + d), history[d][symbol])).Alerts);
        }
        return alerts;
    }

    public static double Return(decimal close, decimal reference) => (double)close / (double)reference - 1;

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
