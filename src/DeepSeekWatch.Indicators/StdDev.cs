namespace DeepSeekWatch.Indicators;

public readonly record struct StdDevResult(DateTimeOffset Time, double? StdDev, double? Mean, double? ZScore) : IIndicatorResult
{
    private static readonly string[] Names = ["stdDev", "mean", "zScore"];

    public IReadOnlyList<string> FieldNames => Names;

    public double? this[int field] => field switch
    {
        0 => StdDev,
        1 => Mean,
        2 => ZScore,
        _ => throw new ArgumentOutOfRangeException(nameof(field)),
    };
}

/// <summary>Rolling population standard deviation of the last <c>period</c> values, with their mean and the z-score of the latest value (null when the deviation is 0).</summary>
public sealed class StdDev : ValueIndicator<StdDevResult>
{
    private readonly RollingStatistics _stats;

    public StdDev(int period = 14) : base($"STDEV({period})", Guard.Period(period, nameof(period))) => _stats = new RollingStatistics(period);

    protected override StdDevResult Compute(DateTimeOffset time, in double input)
    {
        _stats.Add(input);
        return _stats.IsFull
            ? new StdDevResult(time, _stats.StdDev, _stats.Mean, _stats.ZScore(input).OrNull())
            : new StdDevResult { Time = time };
    }

    protected override void ResetCore() => _stats.Reset();
}
