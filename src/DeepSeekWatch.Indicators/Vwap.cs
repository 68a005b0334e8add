namespace DeepSeekWatch.Indicators;

public readonly record struct VwapResult(DateTimeOffset Time, double? Vwap) : IIndicatorResult
{
    private static readonly string[] Names = ["vwap"];

    public IReadOnlyList<string> FieldNames => Names;

    public double? this[int field] => field == 0 ? Vwap : throw new ArgumentOutOfRangeException(nameof(field));
}

/// <summary>
/// Volume-weighted average price, cumulative from the first bar (or the last <see cref="Indicator{TInput,TResult}.Reset"/>):
/// Σ volume · (high + low + close)/3 ÷ Σ volume; null while no volume has traded.
/// </summary>
public sealed class Vwap : BarIndicator<VwapResult>
{
    private double _volume;
    private double _volumeTimesTypical;

    public Vwap() : base("VWAP", 1)
    {
    }

    public override bool IsReady => _volume > 0;

    protected override VwapResult Compute(DateTimeOffset time, in Bar input)
    {
        _volume += input.Volume;
        _volumeTimesTypical += input.Volume * (input.High + input.Low + input.Close) / 3;
        return new VwapResult(time, _volume != 0 ? _volumeTimesTypical / _volume : null);
    }

    protected override void ResetCore() => _volume = _volumeTimesTypical = 0;
}
