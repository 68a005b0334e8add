using CsCheck;

namespace DeepSeekWatch.Indicators.Tests;

// Indicators without a baseline file: the reference is NaiveReference (a whole-series calculation from the published
// definitions), and each class adds spot checks against the sample values published in Stock Indicators for .NET's
// own tests (4 or 6 decimals) and cross-checks against indicators that do have baselines.

public sealed class MacdTests : IndicatorTests<double, MacdResult>
{
    private static readonly string[] Fields = ["macd", "signal", "histogram", "fastEma", "slowEma"];

    protected override Indicator<double, MacdResult> Create() => new Macd();
    protected override string ExpectedName => "MACD(12,26,9)";
    protected override string MainField => "signal";
    protected override double[] ReferenceInputs => ReferenceData.Closes;
    protected override IReadOnlyList<IReadOnlyDictionary<string, double?>> ReferenceRows => FromRows(Fields, NaiveReference.Macd(ReferenceData.Closes, 12, 26, 9));
    protected override Gen<double> RandomInput => Inputs.Value;
    protected override IEnumerable<(double Input, string Parameter)> BadInputs => Inputs.BadValues;
    protected override IEnumerable<(Action Construct, string Parameter)> BadParameters =>
        [(() => _ = new Macd(0, 26, 9), "fastPeriod"), (() => _ = new Macd(12, 12, 9), "slowPeriod"), (() => _ = new Macd(12, 26, 0), "signalPeriod")];

    [Theory]
    [InlineData(49, 1.7203, 1.9675, -0.2472, 224.1840, 222.4637)]
    [InlineData(249, 2.2353, 2.3141, -0.0789, 256.6780, 254.4428)]
    [InlineData(501, -6.2198, -5.8569, -0.3629, 245.4957, 251.7155)]
    public void Matches_the_published_sample_values(int row, double macd, double signal, double histogram, double fastEma, double slowEma)
    {
        var r = new Macd().Batch(ReferenceData.Times, ReferenceData.Closes)[row];
        Assert.Equal(macd, r.Macd!.Value, 0.00005);
        Assert.Equal(signal, r.Signal!.Value, 0.00005);
        Assert.Equal(histogram, r.Histogram!.Value, 0.00005);
        Assert.Equal(fastEma, r.FastEma!.Value, 0.00005);
        Assert.Equal(slowEma, r.SlowEma!.Value, 0.00005);
    }

    [Fact]
    public void Has_477_macd_and_469_signal_values_over_the_reference_bars()
    {
        var results = new Macd().Batch(ReferenceData.Times, ReferenceData.Closes);
        Assert.Equal(477, results.Count(r => r.Macd is not null));
        Assert.Equal(469, results.Count(r => r.Signal is not null));
        Assert.Equal(469, results.Count(r => r.Histogram is not null));
    }

    [Fact]
    public void Its_averages_are_the_EMA_indicator_which_matches_its_baseline()
    {
        var macd = new Macd(12, 26, 9).Batch(ReferenceData.Times, ReferenceData.Closes);
        Assert.Equal(new Ema(12).Batch(ReferenceData.Times, ReferenceData.Closes).Select(e => e.Ema), macd.Select(m => m.FastEma));
        Assert.Equal(new Ema(26).Batch(ReferenceData.Times, ReferenceData.Closes).Select(e => e.Ema), macd.Select(m => m.SlowEma));
    }
}

public sealed class RocTests : IndicatorTests<double, RocResult>
{
    protected override Indicator<double, RocResult> Create() => new Roc();
    protected override string ExpectedName => "ROC(14)";
    protected override double[] ReferenceInputs => ReferenceData.Closes;
    protected override IReadOnlyList<IReadOnlyDictionary<string, double?>> ReferenceRows => FromRows(["momentum", "roc"], NaiveReference.Roc(ReferenceData.Closes, 14));
    protected override Gen<double> RandomInput => Inputs.Value;
    protected override IEnumerable<(double Input, string Parameter)> BadInputs => Inputs.BadValues;
    protected override IEnumerable<(Action Construct, string Parameter)> BadParameters => [(() => _ = new Roc(0), "period")];

    [Theory]
    [InlineData(49, 4.96, 2.2465)]
    [InlineData(249, 6.25, 2.4827)]
    [InlineData(501, -22.05, -8.2482)]
    public void Matches_the_published_sample_values_of_ROC_20(int row, double momentum, double roc)
    {
        var r = new Roc(20).Batch(ReferenceData.Times, ReferenceData.Closes)[row];
        Assert.Equal(momentum, r.Momentum!.Value, 0.00005);
        Assert.Equal(roc, r.Roc!.Value, 0.00005);
    }

    [Fact]
    public void A_zero_value_period_ago_gives_momentum_but_no_rate()
    {
        var times = Enumerable.Range(0, 3).Select(i => DateTimeOffset.UnixEpoch.AddDays(i)).ToArray();
        var r = new Roc(2).Batch(times, [0.0, 5, 7])[2];
        Assert.Equal(7, r.Momentum);
        Assert.Null(r.Roc);
    }
}

public sealed class KeltnerTests : IndicatorTests<Bar, KeltnerResult>
{
    protected override Indicator<Bar, KeltnerResult> Create() => new Keltner();
    protected override string ExpectedName => "KELTNER(20,2,10)";
    protected override Bar[] ReferenceInputs => ReferenceData.Bars;
    protected override IReadOnlyList<IReadOnlyDictionary<string, double?>> ReferenceRows =>
        FromRows(["upperBand", "centerline", "lowerBand", "width"], NaiveReference.Keltner(ReferenceData.Bars, 20, 2, 10));
    protected override Gen<Bar> RandomInput => Inputs.Bar;
    protected override IEnumerable<(Bar Input, string Parameter)> BadInputs => Inputs.BadBars;
    protected override IEnumerable<(Action Construct, string Parameter)> BadParameters =>
        [(() => _ = new Keltner(0, 2, 10), "emaPeriod"), (() => _ = new Keltner(20, -1, 10), "multiplier"), (() => _ = new Keltner(20, 2, 0), "atrPeriod")];

    [Theory]
    [InlineData(485, 275.4260, 265.4599, 255.4938, 0.075085)]
    [InlineData(501, 262.1873, 249.3519, 236.5165, 0.102950)]
    public void Matches_the_published_sample_values(int row, double upper, double centre, double lower, double width)
    {
        var r = new Keltner(20, 2, 10).Batch(ReferenceData.Times, ReferenceData.Bars)[row];
        Assert.Equal(upper, r.UpperBand!.Value, 0.00005);
        Assert.Equal(centre, r.Centerline!.Value, 0.00005);
        Assert.Equal(lower, r.LowerBand!.Value, 0.00005);
        Assert.Equal(width, r.Width!.Value, 0.0000005);
        Assert.Equal(483, new Keltner(20, 2, 10).Batch(ReferenceData.Times, ReferenceData.Bars).Count(x => x.Width is not null));
    }

    [Fact]
    public void Its_centre_is_the_EMA_and_its_bands_two_ATRs_away()
    {
        var keltner = new Keltner(20, 2, 14).Batch(ReferenceData.Times, ReferenceData.Bars);
        var ema = new Ema(20).Batch(ReferenceData.Times, ReferenceData.Closes);
        var atr = new Atr(14).Batch(ReferenceData.Times, ReferenceData.Bars);
        for (var i = 19; i < keltner.Length; i++)
        {
            Assert.Equal(ema[i].Ema, keltner[i].Centerline);
            Assert.True(Close(2 * atr[i].Atr!.Value, keltner[i].UpperBand!.Value - keltner[i].Centerline!.Value));
        }
    }
}

public sealed class ObvTests : IndicatorTests<Bar, ObvResult>
{
    protected override Indicator<Bar, ObvResult> Create() => new Obv();
    protected override string ExpectedName => "OBV";
    protected override Bar[] ReferenceInputs => ReferenceData.Bars;
    protected override IReadOnlyList<IReadOnlyDictionary<string, double?>> ReferenceRows => FromRows(["obv"], NaiveReference.Obv(ReferenceData.Bars));
    protected override Gen<Bar> RandomInput => Inputs.Bar;
    protected override IEnumerable<(Bar Input, string Parameter)> BadInputs => Inputs.BadBars;
    protected override IEnumerable<(Action Construct, string Parameter)> BadParameters => [];

    [Fact]
    public void Matches_the_published_sample_values()
    {
        var results = new Obv().Batch(ReferenceData.Times, ReferenceData.Bars);
        Assert.Equal(1780918888, results[249].Obv);
        Assert.Equal(539843504, results[501].Obv);
    }

    [Fact]
    public void Adds_volume_on_a_higher_close_subtracts_it_on_a_lower_one_and_ignores_an_equal_one()
    {
        var times = Enumerable.Range(0, 4).Select(i => DateTimeOffset.UnixEpoch.AddDays(i)).ToArray();
        Bar B(double close, double volume) => new(close, close, close, close, volume);
        var results = new Obv().Batch(times, [B(10, 5), B(11, 7), B(11, 100), B(9, 3)]);
        Assert.Equal([0, 7, 7, 4], results.Select(r => r.Obv!.Value));
    }
}

public sealed class VwapTests : IndicatorTests<Bar, VwapResult>
{
    protected override Indicator<Bar, VwapResult> Create() => new Vwap();
    protected override string ExpectedName => "VWAP";
    protected override Bar[] ReferenceInputs => ReferenceData.Bars;
    protected override IReadOnlyList<IReadOnlyDictionary<string, double?>> ReferenceRows => FromRows(["vwap"], NaiveReference.Vwap(ReferenceData.Bars));
    protected override Gen<Bar> RandomInput => Inputs.Bar;
    protected override IEnumerable<(Bar Input, string Parameter)> BadInputs => Inputs.BadBars;
    protected override IEnumerable<(Action Construct, string Parameter)> BadParameters => [];

    [Fact]
    public void Weights_each_typical_price_by_its_volume_and_is_null_until_something_trades()
    {
        var times = Enumerable.Range(0, 3).Select(i => DateTimeOffset.UnixEpoch.AddDays(i)).ToArray();
        // Typical prices 10 and 20 (high, low, close averaged); volumes 0, 1, 3.
        var vwap = new Vwap();
        var results = vwap.Batch(times, [new Bar(10, 12, 8, 10, 0), new Bar(10, 12, 8, 10, 1), new Bar(20, 21, 19, 20, 3)]);
        Assert.Null(results[0].Vwap);
        Assert.Equal(10, results[1].Vwap);
        Assert.Equal((10 + (3 * 20)) / 4.0, results[2].Vwap);
        Assert.True(vwap.IsReady);
    }
}

public sealed class CorrelationTests : IndicatorTests<PricePair, CorrelationResult>
{
    protected override Indicator<PricePair, CorrelationResult> Create() => new Correlation();
    protected override string ExpectedName => "CORR(20)";
    protected override string MainField => "correlation";
    protected override PricePair[] ReferenceInputs => ReferenceData.Pairs;
    protected override IReadOnlyList<IReadOnlyDictionary<string, double?>> ReferenceRows =>
        FromRows(["varianceA", "varianceB", "covariance", "correlation", "rSquared"],
            NaiveReference.Correlation(ReferenceData.Pairs.Select(p => p.Market).ToArray(), ReferenceData.Pairs.Select(p => p.Evaluated).ToArray(), 20));
    protected override Gen<PricePair> RandomInput => Inputs.Pair;
    protected override IEnumerable<(PricePair Input, string Parameter)> BadInputs =>
        [(new PricePair(double.NaN, 1), "evaluated"), (new PricePair(1, double.NegativeInfinity), "market")];
    protected override IEnumerable<(Action Construct, string Parameter)> BadParameters => [(() => _ = new Correlation(0), "period")];

    [Theory]
    [InlineData(19, 0.6933, 0.4806)]
    [InlineData(257, -0.1347, 0.0181)]
    [InlineData(501, 0.8460, 0.7157)]
    public void Matches_the_published_sample_values(int row, double correlation, double rSquared)
    {
        var r = new Correlation(20).Batch(ReferenceData.Times, ReferenceData.Pairs)[row];
        Assert.Equal(correlation, r.Correlation!.Value, 0.00005);
        Assert.Equal(rSquared, r.RSquared!.Value, 0.00005);
    }

    [Fact]
    public void Covariance_over_market_variance_of_the_returns_is_the_beta_baseline()
    {
        var (_, beta) = ReferenceData.Baseline("beta.json");
        var returns = beta.Select(r => new PricePair(r["returnsEval"]!.Value, r["returnsMrkt"]!.Value)).ToArray();
        var correlation = new Correlation(50).Batch(ReferenceData.Times, returns);
        for (var i = 50; i < returns.Length; i++)
            Assert.True(Close(beta[i]["beta"]!.Value, correlation[i].Covariance!.Value / correlation[i].VarianceA!.Value), $"row {i}");
    }

    [Fact]
    public void Variance_A_is_the_square_of_the_market_standard_deviation()
    {
        var correlation = new Correlation(14).Batch(ReferenceData.Times, ReferenceData.Pairs);
        var (_, stdev) = ReferenceData.Baseline("stdev.json");
        for (var i = 13; i < correlation.Length; i++)
            Assert.True(Close(stdev[i]["stdDev"]!.Value * stdev[i]["stdDev"]!.Value, correlation[i].VarianceA!.Value), $"row {i}");
    }

    [Fact]
    public void A_constant_series_has_no_correlation()
    {
        var times = Enumerable.Range(0, 10).Select(i => DateTimeOffset.UnixEpoch.AddDays(i)).ToArray();
        var last = new Correlation(5).Batch(times, Enumerable.Range(0, 10).Select(i => new PricePair(i * 1.1, 3.3)).ToArray())[^1];
        Assert.Null(last.Correlation);
        Assert.Null(last.RSquared);
        Assert.Equal(0, last.VarianceA);
        Assert.Equal(0, last.Covariance);
    }
}

public sealed class ReturnStatisticsTests : IndicatorTests<double, ReturnStatisticsResult>
{
    protected override Indicator<double, ReturnStatisticsResult> Create() => new ReturnStatistics(20);
    protected override string ExpectedName => "RETURNS(20)";
    protected override string MainField => "stdDev";
    protected override double[] ReferenceInputs => ReferenceData.Closes;
    protected override IReadOnlyList<IReadOnlyDictionary<string, double?>> ReferenceRows =>
        FromRows(["return", "mean", "stdDev", "zScore", "priorZScore"], NaiveReference.ReturnStatistics(ReferenceData.Closes, 20));
    protected override Gen<double> RandomInput => Inputs.Price;
    protected override IEnumerable<(double Input, string Parameter)> BadInputs => [(0, "price"), (-2, "price"), (double.NaN, "price"), (double.PositiveInfinity, "price")];
    protected override IEnumerable<(Action Construct, string Parameter)> BadParameters => [(() => _ = new ReturnStatistics(0), "period")];

    [Fact]
    public void Its_deviation_is_the_StdDev_indicator_over_the_beta_baselines_returns()
    {
        var (_, beta) = ReferenceData.Baseline("beta.json");
        var returns = beta.Select(r => r["returnsMrkt"]!.Value).ToArray();
        var stats = new ReturnStatistics(14).Batch(ReferenceData.Times, ReferenceData.Closes);
        var stdev = new StdDev(14).Batch(ReferenceData.Times[1..], returns[1..]);
        for (var i = 14; i < stats.Length; i++)
        {
            Assert.True(Close(returns[i], stats[i].Return!.Value));
            Assert.True(Close(stdev[i - 1].StdDev!.Value, stats[i].StdDev!.Value), $"row {i}");
        }
    }

    [Fact]
    public void Sample_deviation_divides_by_one_less_than_the_number_of_returns()
    {
        var stats = new ReturnStatistics(3);
        double[] prices = [100, 110, 99, 99, 108.9];
        for (var i = 0; i < prices.Length; i++)
            stats.Update(DateTimeOffset.UnixEpoch.AddDays(i), prices[i]);
        // Returns in the window: -0.1, 0, 0.1 → mean 0, sample variance 0.02 / 2.
        Assert.Equal(3, stats.ReturnCount);
        Assert.Equal(0.1, stats.SampleStdDev, 12);
        Assert.Equal(Math.Sqrt(0.02 / 3), stats.Current.StdDev!.Value, 12);
    }

    [Fact]
    public void A_sudden_drop_after_a_calm_stretch_has_a_large_negative_prior_z_score()
    {
        var prices = Enumerable.Range(0, 30).Select(i => 100 * (1 + (0.001 * (i % 3)))).Append(83.0).ToArray();
        var times = prices.Select((_, i) => DateTimeOffset.UnixEpoch.AddDays(i)).ToArray();
        var last = new ReturnStatistics(20).Batch(times, prices)[^1];
        Assert.True(last.PriorZScore < -10, $"prior z {last.PriorZScore}");
        Assert.True(last.ZScore > last.PriorZScore, "the drop inflates its own window's deviation");
    }
}

public sealed class RollingMinMaxTests : IndicatorTests<double, RollingMinMaxResult>
{
    protected override Indicator<double, RollingMinMaxResult> Create() => new RollingMinMax(20);
    protected override string ExpectedName => "MINMAX(20)";
    protected override double[] ReferenceInputs => ReferenceData.Closes;
    protected override IReadOnlyList<IReadOnlyDictionary<string, double?>> ReferenceRows => FromRows(["min", "max"], NaiveReference.MinMax(ReferenceData.Closes, 20));
    protected override Gen<double> RandomInput => Inputs.Value;
    protected override IEnumerable<(double Input, string Parameter)> BadInputs => Inputs.BadValues;
    protected override IEnumerable<(Action Construct, string Parameter)> BadParameters => [(() => _ = new RollingMinMax(0), "period")];

    [Fact]
    public void Equals_the_window_minimum_and_maximum_on_random_series() =>
        Gen.Select(Inputs.Value.Array[1, 200], Gen.Int[1, 30]).Sample((values, period) =>
        {
            var times = values.Select((_, i) => DateTimeOffset.UnixEpoch.AddDays(i)).ToArray();
            var results = new RollingMinMax(period).Batch(times, values);
            var expected = NaiveReference.MinMax(values, period);
            Assert.Equal(expected.Select(e => e[0]), results.Select(r => r.Min));
            Assert.Equal(expected.Select(e => e[1]), results.Select(r => r.Max));
        });
}
