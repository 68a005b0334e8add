using CsCheck;

namespace DeepSeekWatch.Indicators.Tests;

internal static class Inputs
{
    /// <summary>Prices, with a repeated value now and then so that constant stretches occur.</summary>
    public static readonly Gen<double> Price = Gen.OneOf(Gen.Double[1.0, 1000.0], Gen.Double[1.0, 1000.0], Gen.Const(100.0));

    /// <summary>Values of either sign (returns, spreads), with zeros.</summary>
    public static readonly Gen<double> Value = Gen.OneOf(Gen.Double[-1000.0, 1000.0], Gen.Const(0.0));

    public static readonly Gen<Bar> Bar = Gen.Select(Gen.Double[1.0, 1000.0], Gen.Double[0.0, 0.05], Gen.Double[0.0, 1.0], Gen.Double[0.0, 1.0], Gen.Double[0.0, 1e7])
        .Select((low, range, o, c, volume) =>
        {
            var high = low * (1 + range);
            return new Bar(low + (o * (high - low)), high, low, low + (c * (high - low)), Math.Floor(volume));
        });

    public static readonly Gen<PricePair> Pair = Gen.Select(Price, Price).Select((e, m) => new PricePair(e, m));

    public static readonly (double Input, string Parameter)[] BadValues = [(double.NaN, "value"), (double.PositiveInfinity, "value"), (double.NegativeInfinity, "value")];

    public static readonly (Bar Input, string Parameter)[] BadBars =
    [
        (new Bar(double.NaN, 2, 1, 1.5, 100), "open"),
        (new Bar(-1, 2, 1, 1.5, 100), "open"),
        (new Bar(1.5, double.PositiveInfinity, 1, 1.5, 100), "high"),
        (new Bar(1.5, 2, 0, 1.5, 100), "low"),
        (new Bar(1.5, 2, 1, double.NaN, 100), "close"),
        (new Bar(1.5, 2, 1, -3, 100), "close"),
        (new Bar(1.5, 2, 1, 1.5, -1), "volume"),
        (new Bar(1.5, 2, 1, 1.5, double.NaN), "volume"),
        (new Bar(1.5, 1, 2, 1.5, 100), "high"),
    ];
}
