namespace DeepSeekWatch.Indicators;

public readonly record struct ReturnStatisticsResult(DateTimeOffset Time, double? Return, double? Mean, double? StdDev, double? ZScore, double? PriorZScore) : IIndicatorResult
{
    private static readonly string[] Names = ["return", "mean", "stdDev", "zScore", "priorZScore"];

    public IReadOnlyList<string> FieldNames => Names;

    public double? this[int field] => field switch
    {
        0 => Return,
        1 => Mean,
        2 => StdDev,
        3 => ZScore,
        4 => PriorZScore,
        _ => throw new ArgumentOutOfRangeException(nameof(field)),
    };
}

/// <summary>
/// Rolling statistics of simple returns (close / previous close − 1) of a positive price series, for detection:
/// <c>mean</c>, population <c>stdDev</c> (the rolling volatility) and <c>zScore</c> over the last <c>period</c> returns
/// including the latest; <c>priorZScore</c> is the latest return's z-score against the <c>period</c> returns before it,
/// so a sudden drop is measured against a baseline it has not inflated. Return from the second price; mean, stdDev and
/// zScore after <c>period</c> + 1 prices; priorZScore after <c>period</c> + 2.
/// </summary>
public sealed class ReturnStatistics : Indicator<double, ReturnStatisticsResult>
{
    private readonly RollingStatistics _returns;
    private double _previous;

    public ReturnStatistics(int period = 20) : base($"RETURNS({period})", Guard.Period(period, nameof(period)) + 1) => _returns = new RollingStatistics(period);

    /// <summary>The sample (n − 1) standard deviation of the returns in the window, NaN with fewer than two.</summary>
    public double SampleStdDev => _returns.SampleStdDev;

    /// <summary>How many returns are in the window (at most the period).</summary>
    public int ReturnCount => _returns.Count;

    protected override void Validate(in double input) => Guard.PositivePrice(input, "price");

    protected override ReturnStatisticsResult Compute(DateTimeOffset time, in double input)
    {
        if (Samples == 0)
        {
            _previous = input;
            return new ReturnStatisticsResult { Time = time };
        }
        var r = (input / _previous) - 1d;
        _previous = input;
        double? prior = _returns.IsFull ? _returns.ZScore(r).OrNull() : null;
        _returns.Add(r);
        if (!_returns.IsFull)
            return new ReturnStatisticsResult(time, r, null, null, null, prior);
        return new ReturnStatisticsResult(time, r, _returns.Mean, _returns.StdDev, _returns.ZScore(r).OrNull(), prior);
    }

    protected override void ResetCore()
    {
        _returns.Reset();
        _previous = 0;
    }
}
