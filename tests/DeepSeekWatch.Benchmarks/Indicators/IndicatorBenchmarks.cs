using System.Globalization;
using BenchmarkDotNet.Attributes;
using DeepSeekWatch.Indicators;

namespace DeepSeekWatch.Benchmarks.Indicators;

/// <summary>
/// Per-bar cost of each indicator over the 502 reference bars (../shared/reference/indicators/default.csv):
/// <c>Streaming</c> is one <c>Update</c> per bar on a warmed-up indicator (its state carries on from call to call),
/// <c>Batch</c> is one <c>Batch</c> call over all 502 bars into a preallocated span; both report time per bar
/// (OperationsPerInvoke = 502) and bytes allocated per bar.
/// Run: <c>dotnet run -c Release --project tests/DeepSeekWatch.Benchmarks -- --filter '*IndicatorBenchmarks*' --job short</c>
/// (set DSW_BENCH_INDICATORS to run a few).
/// </summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class IndicatorBenchmarks
{
    private const int Bars = 502;

    private Target _target = null!;

    private static readonly string[] AllIndicators =
        ["sma:20", "ema:20", "rsi:14", "macd:12,26,9", "bb:20,2", "atr:14", "stdev:14", "roc:14", "keltner:20,2,10", "obv", "vwap", "beta:50", "corr:20", "returns:20", "minmax:20"];

    /// <summary>All indicators, or those listed (separated by ';') in DSW_BENCH_INDICATORS, e.g. "sma:20;ema:20;rsi:14".</summary>
    public static IEnumerable<string> Indicators =>
        Environment.GetEnvironmentVariable("DSW_BENCH_INDICATORS") is { Length: > 0 } list ? list.Split(';') : AllIndicators;

    [ParamsSource(nameof(Indicators))]
    public string Indicator { get; set; } = "sma:20";

    [GlobalSetup]
    public void Setup()
    {
        var (times, bars, pairs) = ReferenceBars.Load();
        var closes = Array.ConvertAll(bars, b => b.Close);
        _target = Indicator switch
        {
            "sma:20" => Target.Of(() => new Sma(20), times, closes),
            "ema:20" => Target.Of(() => new Ema(20), times, closes),
            "rsi:14" => Target.Of(() => new Rsi(14), times, closes),
            "macd:12,26,9" => Target.Of(() => new Macd(12, 26, 9), times, closes),
            "bb:20,2" => Target.Of(() => new BollingerBands(20, 2), times, closes),
            "atr:14" => Target.Of(() => new Atr(14), times, bars),
            "stdev:14" => Target.Of(() => new StdDev(14), times, closes),
            "roc:14" => Target.Of(() => new Roc(14), times, closes),
            "keltner:20,2,10" => Target.Of(() => new Keltner(20, 2, 10), times, bars),
            "obv" => Target.Of(() => new Obv(), times, bars),
            "vwap" => Target.Of(() => new Vwap(), times, bars),
            "beta:50" => Target.Of(() => new Beta(50), times, pairs),
            "corr:20" => Target.Of(() => new Correlation(20), times, pairs),
            "returns:20" => Target.Of(() => new ReturnStatistics(20), times, closes),
            "minmax:20" => Target.Of(() => new RollingMinMax(20), times, closes),
            _ => throw new ArgumentException($"unknown indicator {Indicator}"),
        };
    }

    [Benchmark(OperationsPerInvoke = Bars)]
    public void Streaming() => _target.Stream();

    [Benchmark(OperationsPerInvoke = Bars, Baseline = true)]
    public void Batch() => _target.Batch();

    private abstract class Target
    {
        public abstract void Stream();

        public abstract void Batch();

        public static Target Of<TInput, TResult>(Func<Indicator<TInput, TResult>> create, DateTimeOffset[] times, TInput[] inputs)
            where TInput : struct
            where TResult : struct, IIndicatorResult => new Target<TInput, TResult>(create(), create(), times, inputs);
    }

    private sealed class Target<TInput, TResult>(Indicator<TInput, TResult> streaming, Indicator<TInput, TResult> batch, DateTimeOffset[] times, TInput[] inputs) : Target
        where TInput : struct
        where TResult : struct, IIndicatorResult
    {
        private readonly TResult[] _results = new TResult[inputs.Length];
        private long _ticks = times[0].UtcTicks;

        // Streaming state carries on across invocations: times keep increasing (a second per bar, so that hundreds of
        // millions of updates stay within DateTimeOffset's range) and the indicator stays warm.
        public override void Stream()
        {
            var ticks = _ticks;
            for (var i = 0; i < inputs.Length; i++)
            {
                ticks += TimeSpan.TicksPerSecond;
                streaming.Update(new DateTimeOffset(ticks, TimeSpan.Zero), inputs[i]);
            }
            _ticks = ticks;
        }

        public override void Batch() => batch.Batch(times, inputs, _results);
    }
}

internal static class ReferenceBars
{
    /// <summary>Finds ../shared/reference/indicators above the working directory or the binary (BenchmarkDotNet runs a copy elsewhere).</summary>
    public static (DateTimeOffset[] Times, Bar[] Bars, PricePair[] Pairs) Load()
    {
        var directory = new[] { Environment.CurrentDirectory, AppContext.BaseDirectory }
            .SelectMany(Ancestors)
            .Select(d => Path.Combine(d, "..", "shared", "reference", "indicators"))
            .FirstOrDefault(d => File.Exists(Path.Combine(d, "default.csv")))
            ?? throw new FileNotFoundException("../shared/reference/indicators/default.csv not found above the working directory");
        var (times, bars) = Read(Path.Combine(directory, "default.csv"));
        var (_, compare) = Read(Path.Combine(directory, "compare.csv"));
        return (times, bars, compare.Zip(bars, (e, m) => new PricePair(e.Close, m.Close)).ToArray());
    }

    private static IEnumerable<string> Ancestors(string path)
    {
        for (var d = new DirectoryInfo(path); d is not null; d = d.Parent)
            yield return d.FullName;
    }

    private static (DateTimeOffset[] Times, Bar[] Bars) Read(string path)
    {
        var rows = File.ReadLines(path).Skip(1).Where(l => l.Length > 0).Select(l => l.Split(',')).ToArray();
        var times = rows.Select(c => new DateTimeOffset(DateTime.ParseExact(c[0], "yyyy-MM-dd", CultureInfo.InvariantCulture), TimeSpan.Zero)).ToArray();
        var bars = rows.Select(c => new Bar(D(c[1]), D(c[2]), D(c[3]), D(c[4]), D(c[5]))).ToArray();
        return (times, bars);

        static double D(string s) => double.Parse(s, CultureInfo.InvariantCulture);
    }
}
