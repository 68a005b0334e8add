namespace DeepSeekWatch.Indicators;

public readonly record struct CorrelationResult(DateTimeOffset Time, double? VarianceA, double? VarianceB, double? Covariance, double? Correlation, double? RSquared) : IIndicatorResult
{
    private static readonly string[] Names = ["varianceA", "varianceB", "covariance", "correlation", "rSquared"];

    public IReadOnlyList<string> FieldNames => Names;

    public double? this[int field] => field switch
    {
        0 => VarianceA,
        1 => VarianceB,
        2 => Covariance,
        3 => Correlation,
        4 => RSquared,
        _ => throw new ArgumentOutOfRangeException(nameof(field)),
    };
}

/// <summary>
/// Rolling Pearson correlation of two value series over the last <c>period</c> values, with population variances and
/// covariance. Series A is the market (<see cref="PricePair.Market"/>), series B the evaluated one, as in Stock
/// Indicators for .NET's <c>ToCorrelation(A, B)</c>. Correlation and r² are null when either series is constant.
/// </summary>
public sealed class Correlation : Indicator<PricePair, CorrelationResult>
{
    private readonly RollingCovariance _window;

    public Correlation(int period = 20) : base($"CORR({period})", Guard.Period(period, nameof(period))) => _window = new RollingCovariance(period);

    public CorrelationResult Update(DateTimeOffset time, double evaluated, double market) => Update(time, new PricePair(evaluated, market));

    protected override void Validate(in PricePair input)
    {
        Guard.Finite(input.Evaluated, "evaluated");
        Guard.Finite(input.Market, "market");
    }

    protected override CorrelationResult Compute(DateTimeOffset time, in PricePair input)
    {
        _window.Add(input.Market, input.Evaluated);
        if (!_window.IsFull)
            return new CorrelationResult { Time = time };
        var correlation = _window.Correlation.OrNull();
        return new CorrelationResult(time, _window.VarianceA, _window.VarianceB, _window.Covariance, correlation, correlation * correlation);
    }

    protected override void ResetCore() => _window.Reset();
}
