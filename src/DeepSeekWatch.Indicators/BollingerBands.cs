namespace DeepSeekWatch.Indicators;

public readonly record struct BollingerBandsResult(DateTimeOffset Time, double? Sma, double? UpperBand, double? LowerBand, double? PercentB, double? ZScore, double? Width) : IIndicatorResult
{
    private static readonly string[] Names = ["sma", "upperBand", "lowerBand", "percentB", "zScore", "width"];

    public IReadOnlyList<string> FieldNames => Names;

    public double? this[int field] => field switch
    {
        0 => Sma,
        1 => UpperBand,
        2 => LowerBand,
        3 => PercentB,
        4 => ZScore,
        5 => Width,
        _ => throw new ArgumentOutOfRangeException(nameof(field)),
    };
}

/// <summary>
/// Bollinger Bands: SMA(period) ± k population standard deviations; %B = (value − lower)/(upper − lower),
/// z-score = (value − sma)/sd (null when sd = 0), width = (upper − lower)/sma.
/// </summary>
public sealed class BollingerBands : ValueIndicator<BollingerBandsResult>
{
    private readonly RollingStatistics _stats;
    private readonly double _k;

    public BollingerBands(int period = 20, double standardDeviations = 2)
        : base($"BB({period},{Guard.Format(standardDeviations)})", Guard.Period(period, nameof(period)))
    {
        _k = Guard.PositiveFactor(standardDeviations, nameof(standardDeviations));
        _stats = new RollingStatistics(period);
    }

    protected override BollingerBandsResult Compute(DateTimeOffset time, in double input)
    {
        _stats.Add(input);
        if (!_stats.IsFull)
            return new BollingerBandsResult { Time = time };
        var sma = _stats.Mean;
        var sd = _stats.StdDev;
        var upper = sma + (_k * sd);
        var lower = sma - (_k * sd);
        return new BollingerBandsResult(
            time,
            sma,
            upper,
            lower,
            upper == lower ? null : (input - lower) / (upper - lower),
            sd == 0 ? null : (input - sma) / sd,
            sma == 0 ? null : (upper - lower) / sma);
    }

    protected override void ResetCore() => _stats.Reset();
}
