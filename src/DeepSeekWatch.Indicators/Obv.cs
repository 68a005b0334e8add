namespace DeepSeekWatch.Indicators;

public readonly record struct ObvResult(DateTimeOffset Time, double? Obv) : IIndicatorResult
{
    private static readonly string[] Names = ["obv"];

    public IReadOnlyList<string> FieldNames => Names;

    public double? this[int field] => field == 0 ? Obv : throw new ArgumentOutOfRangeException(nameof(field));
}

/// <summary>On-balance volume: 0 on the first bar, then + volume on a higher close, − volume on a lower close, unchanged on an equal close.</summary>
public sealed class Obv : BarIndicator<ObvResult>
{
    private double _previousClose;
    private double _obv;

    public Obv() : base("OBV", 1)
    {
    }

    protected override ObvResult Compute(DateTimeOffset time, in Bar input)
    {
        if (Samples > 0)
        {
            if (input.Close > _previousClose)
                _obv += input.Volume;
            else if (input.Close < _previousClose)
                _obv -= input.Volume;
        }
        _previousClose = input.Close;
        return new ObvResult(time, _obv);
    }

    protected override void ResetCore() => _previousClose = _obv = 0;
}
