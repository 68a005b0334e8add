using CsCheck;

namespace DeepSeekWatch.Indicators.Tests;

public sealed class SmaTests : IndicatorTests<double, SmaResult>
{
    protected override Indicator<double, SmaResult> Create() => new Sma(20);
    protected override string ExpectedName => "SMA(20)";
    protected override double[] ReferenceInputs => ReferenceData.Closes;
    protected override IReadOnlyList<IReadOnlyDictionary<string, double?>> ReferenceRows => FromBaseline("sma.json");
    protected override Gen<double> RandomInput => Inputs.Value;
    protected override IEnumerable<(double Input, string Parameter)> BadInputs => Inputs.BadValues;
    protected override IEnumerable<(Action Construct, string Parameter)> BadParameters => [(() => _ = new Sma(0), "period"), (() => _ = new Sma(-3), "period")];
}

public sealed class EmaTests : IndicatorTests<double, EmaResult>
{
    protected override Indicator<double, EmaResult> Create() => new Ema(20);
    protected override string ExpectedName => "EMA(20)";
    protected override double[] ReferenceInputs => ReferenceData.Closes;
    protected override IReadOnlyList<IReadOnlyDictionary<string, double?>> ReferenceRows => FromBaseline("ema.json");
    protected override Gen<double> RandomInput => Inputs.Value;
    protected override IEnumerable<(double Input, string Parameter)> BadInputs => Inputs.BadValues;
    protected override IEnumerable<(Action Construct, string Parameter)> BadParameters => [(() => _ = new Ema(0), "period")];
}

public sealed class RsiTests : IndicatorTests<double, RsiResult>
{
    protected override Indicator<double, RsiResult> Create() => new Rsi(14);
    protected override string ExpectedName => "RSI(14)";
    protected override double[] ReferenceInputs => ReferenceData.Closes;
    protected override IReadOnlyList<IReadOnlyDictionary<string, double?>> ReferenceRows => FromBaseline("rsi.json");
    protected override Gen<double> RandomInput => Inputs.Price;
    protected override IEnumerable<(double Input, string Parameter)> BadInputs => Inputs.BadValues;
    protected override IEnumerable<(Action Construct, string Parameter)> BadParameters => [(() => _ = new Rsi(0), "period")];

    [Fact]
    public void A_series_that_never_falls_has_an_RSI_of_100()
    {
        var rsi = new Rsi(3);
        var times = Enumerable.Range(0, 6).Select(i => DateTimeOffset.UnixEpoch.AddDays(i)).ToArray();
        var results = rsi.Batch(times, [1.0, 2, 2, 3, 4, 5]);
        Assert.Equal([null, null, null, 100, 100, 100], results.Select(r => r.Rsi));
    }

    [Fact]
    public void RSI_stays_between_0_and_100() =>
        Gen.Double[1.0, 100.0].Array[20, 100].Sample(values =>
        {
            var times = values.Select((_, i) => DateTimeOffset.UnixEpoch.AddDays(i)).ToArray();
            Assert.All(new Rsi(5).Batch(times, values), r => Assert.InRange(r.Rsi ?? 50, 0, 100));
        });
}

public sealed class BollingerBandsTests : IndicatorTests<double, BollingerBandsResult>
{
    protected override Indicator<double, BollingerBandsResult> Create() => new BollingerBands(20, 2);
    protected override string ExpectedName => "BB(20,2)";
    protected override double[] ReferenceInputs => ReferenceData.Closes;
    protected override IReadOnlyList<IReadOnlyDictionary<string, double?>> ReferenceRows => FromBaseline("bb.json");
    protected override Gen<double> RandomInput => Inputs.Price;
    protected override IEnumerable<(double Input, string Parameter)> BadInputs => Inputs.BadValues;
    protected override IEnumerable<(Action Construct, string Parameter)> BadParameters =>
        [(() => _ = new BollingerBands(0, 2), "period"), (() => _ = new BollingerBands(20, 0), "standardDeviations"), (() => _ = new BollingerBands(20, double.NaN), "standardDeviations")];

    [Fact]
    public void A_constant_window_has_no_z_score_or_percent_b_and_zero_width()
    {
        var times = Enumerable.Range(0, 30).Select(i => DateTimeOffset.UnixEpoch.AddDays(i)).ToArray();
        // Values that are far from zero and not exactly representable, after a varying stretch.
        var values = Enumerable.Range(0, 30).Select(i => i < 10 ? 100.1 + i : 257.3).ToArray();
        var last = new BollingerBands(5, 2).Batch(times, values)[^1];
        Assert.Null(last.ZScore);
        Assert.Null(last.PercentB);
        Assert.Equal(0, last.Width);
        Assert.Equal(last.UpperBand, last.LowerBand);
    }
}

public sealed class AtrTests : IndicatorTests<Bar, AtrResult>
{
    protected override Indicator<Bar, AtrResult> Create() => new Atr(14);
    protected override string ExpectedName => "ATR(14)";
    protected override string MainField => "atr";
    protected override Bar[] ReferenceInputs => ReferenceData.Bars;
    protected override IReadOnlyList<IReadOnlyDictionary<string, double?>> ReferenceRows => FromBaseline("atr.json");
    protected override Gen<Bar> RandomInput => Inputs.Bar;
    protected override IEnumerable<(Bar Input, string Parameter)> BadInputs => Inputs.BadBars;
    protected override IEnumerable<(Action Construct, string Parameter)> BadParameters => [(() => _ = new Atr(0), "period")];
}

public sealed class StdDevTests : IndicatorTests<double, StdDevResult>
{
    protected override Indicator<double, StdDevResult> Create() => new StdDev(14);
    protected override string ExpectedName => "STDEV(14)";
    protected override double[] ReferenceInputs => ReferenceData.Closes;
    protected override IReadOnlyList<IReadOnlyDictionary<string, double?>> ReferenceRows => FromBaseline("stdev.json");
    protected override Gen<double> RandomInput => Inputs.Value;
    protected override IEnumerable<(double Input, string Parameter)> BadInputs => Inputs.BadValues;
    protected override IEnumerable<(Action Construct, string Parameter)> BadParameters => [(() => _ = new StdDev(0), "period")];

    [Fact]
    public void A_constant_window_has_a_deviation_of_exactly_zero_and_no_z_score()
    {
        var times = Enumerable.Range(0, 40).Select(i => DateTimeOffset.UnixEpoch.AddDays(i)).ToArray();
        var values = Enumerable.Range(0, 40).Select(i => i < 17 ? Math.Sqrt(i + 2) * 1000 : 0.1 * 3).ToArray();
        var last = new StdDev(7).Batch(times, values)[^1];
        Assert.Equal(0, last.StdDev);
        Assert.Null(last.ZScore);
    }
}

public sealed class BetaTests : IndicatorTests<PricePair, BetaResult>
{
    protected override Indicator<PricePair, BetaResult> Create() => new Beta(50);
    protected override string ExpectedName => "BETA(50)";
    protected override PricePair[] ReferenceInputs => ReferenceData.Pairs;
    protected override IReadOnlyList<IReadOnlyDictionary<string, double?>> ReferenceRows => FromBaseline("beta.json");
    protected override Gen<PricePair> RandomInput => Inputs.Pair;
    protected override IEnumerable<(PricePair Input, string Parameter)> BadInputs =>
        [(new PricePair(double.NaN, 1), "evaluated"), (new PricePair(-1, 1), "evaluated"), (new PricePair(1, 0), "market"), (new PricePair(1, double.PositiveInfinity), "market")];
    protected override IEnumerable<(Action Construct, string Parameter)> BadParameters => [(() => _ = new Beta(0), "period")];

    [Fact]
    public void An_evaluated_series_that_moves_twice_as_much_as_the_market_has_a_beta_of_2()
    {
        var beta = new Beta(10);
        double market = 100, evaluated = 50;
        var random = new Random(7);
        BetaResult last = default;
        for (var i = 0; i < 40; i++)
        {
            var r = (random.NextDouble() - 0.5) / 20;
            market *= 1 + r;
            evaluated *= 1 + (2 * r);
            last = beta.Update(DateTimeOffset.UnixEpoch.AddDays(i), evaluated, market);
        }
        Assert.Equal(2, last.Beta!.Value, 12);
    }
}
