namespace DeepSeekWatch.Indicators;

public readonly record struct RollingMinMaxResult(DateTimeOffset Time, double? Min, double? Max) : IIndicatorResult
{
    private static readonly string[] Names = ["min", "max"];

    public IReadOnlyList<string> FieldNames => Names;

    public double? this[int field] => field switch
    {
        0 => Min,
        1 => Max,
        _ => throw new ArgumentOutOfRangeException(nameof(field)),
    };
}

/// <summary>Minimum and maximum of the last <c>period</c> values (monotonic deques; see <see cref="RollingExtremes"/>).</summary>
public sealed class RollingMinMax : ValueIndicator<RollingMinMaxResult>
{
    private readonly RollingExtremes _extremes;

    public RollingMinMax(int period = 20) : base($"MINMAX({period})", Guard.Period(period, nameof(period))) => _extremes = new RollingExtremes(period);

    protected override RollingMinMaxResult Compute(DateTimeOffset time, in double input)
    {
        _extremes.Add(input);
        return _extremes.IsFull ? new RollingMinMaxResult(time, _extremes.Min, _extremes.Max) : new RollingMinMaxResult { Time = time };
    }

    protected override void ResetCore() => _extremes.Reset();
}
