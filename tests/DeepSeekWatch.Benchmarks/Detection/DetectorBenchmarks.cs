using BenchmarkDotNet.Attributes;
using DeepSeekWatch.Contracts;
using DeepSeekWatch.Detection;
using DeepSeekWatch.Detection.Reaction;

namespace DeepSeekWatch.Benchmarks.Detection;

/// <summary>
/// The detector core (<see cref="ReactionDetector.OnBar"/>) on a 20-symbol universe (two groups of stocks, 19 in all,
/// and their benchmark SPY) in steady state: each iteration starts from a detector warmed up on 70 sessions of daily
/// bars (not measured), then feeds 10 sessions of 5-minute bars (78 a session and symbol, 15,600 bars) in time order,
/// benchmark first. Prices are random walks with realistic volatility, so alerts are rare (as in a real market) and
/// the time and bytes reported per bar (OperationsPerInvoke) are those of the common path.
/// Run: <c>dotnet run -c Release --project tests/DeepSeekWatch.Benchmarks -- --filter '*DetectorBenchmarks*' --job short</c>.
/// </summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class DetectorBenchmarks
{
    private const int HistorySessions = 70;
    private const int IntradaySessions = 10;
    private const int BarsPerSession = 78;
    private static readonly string[] Chips = ["NVDA", "AVGO", "AMD", "QCOM", "ASML", "TSM", "MU", "INTC", "ARM", "SMCI"];
    private static readonly string[] Tech = ["AAPL", "MSFT", "GOOGL", "AMZN", "META", "TSLA", "ORCL", "CRM", "ADBE"];
    private const int Measured = IntradaySessions * BarsPerSession * 20;

    private PriceBarObserved[] _history = [];
    private PriceBarObserved[] _intraday = [];
    private Watchlist _watchlist = null!;
    private DetectionOptions _options = null!;
    private ReactionDetector _detector = null!;

    [GlobalSetup]
    public void Setup()
    {
        _watchlist = new Watchlist(new Dictionary<string, WatchGroupOptions>
        {
            ["chips"] = new() { Symbols = [.. Chips], Benchmark = "SPY" },
            ["tech"] = new() { Symbols = [.. Tech], Benchmark = "SPY" },
        });
        _options = new DetectionOptions();
        string[] symbols = ["SPY", .. Chips, .. Tech];
        var random = new Random(42);
        var price = symbols.ToDictionary(s => s, _ => 100.0);
        var history = new List<PriceBarObserved>();
        var intraday = new List<PriceBarObserved>();
        var day = new DateOnly(2024, 1, 2);
        for (var d = 0; d < HistorySessions + IntradaySessions; d++)
        {
            while (day.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday)
                day = day.AddDays(1);
            var open = MarketClock.At(day, 9, 30);
            if (d < HistorySessions)
            {
                var market = Normal(random) * 0.01;
                foreach (var s in symbols)
                {
                    price[s] *= 1 + market + (s == "SPY" ? 0 : Normal(random) * 0.012);
                    var c = (decimal)Math.Round(price[s], 2);
                    history.Add(new PriceBarObserved($"b-{s}-{d}", "bench", s, "1d", open, MarketClock.At(day, 16), c, c, c, c, 1, false));
                }
            }
            else
            {
                for (var slot = 0; slot < BarsPerSession; slot++)
                {
                    var market = Normal(random) * 0.0011;
                    var start = open + TimeSpan.FromMinutes(5 * slot);
                    foreach (var s in symbols)
                    {
                        price[s] *= 1 + market + (s == "SPY" ? 0 : Normal(random) * 0.0013);
                        var c = (decimal)Math.Round(price[s], 2);
                        intraday.Add(new PriceBarObserved($"b-{s}-{d}-{slot}", "bench", s, "5m", start, start + TimeSpan.FromMinutes(5), c, c, c, c, 1, false));
                    }
                }
            }
            day = day.AddDays(1);
        }
        _history = [.. history];
        _intraday = [.. intraday];
    }

    [IterationSetup]
    public void WarmUp()
    {
        _detector = new ReactionDetector(_options, _watchlist);
        foreach (var bar in _history)
            _detector.OnBar(bar);
    }

    [Benchmark(OperationsPerInvoke = Measured)]
    public int OnBar()
    {
        var alerts = 0;
        foreach (var bar in _intraday)
            alerts += _detector.OnBar(bar).Alerts.Count;
        return alerts;
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
