namespace DeepSeekWatch.Indicators;

/// <summary>An indicator of one value per time (usually a close); the value must be finite.</summary>
public abstract class ValueIndicator<TResult>(string name, int warmUpPeriod) : Indicator<double, TResult>(name, warmUpPeriod)
    where TResult : struct, IIndicatorResult
{
    protected override void Validate(in double input) => Guard.Finite(input, "value");
}

/// <summary>An indicator of price bars; prices must be positive and finite, high ≥ low, volume ≥ 0.</summary>
public abstract class BarIndicator<TResult>(string name, int warmUpPeriod) : Indicator<Bar, TResult>(name, warmUpPeriod)
    where TResult : struct, IIndicatorResult
{
    protected override void Validate(in Bar input) => Guard.Bar(in input);
}

internal static class NaNExtensions
{
    /// <summary>NaN (an undefined value) becomes null, as in the reference results.</summary>
    public static double? OrNull(this double value) => double.IsNaN(value) ? null : value;
}
