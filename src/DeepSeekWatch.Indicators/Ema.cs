namespace DeepSeekWatch.Indicators;

public readonly record struct EmaResult(DateTimeOffset Time, double? Ema) : IIndicatorResult
{
    private static readonly string[] Names = ["ema"];

    public IReadOnlyList<string> FieldNames => Names;

    public double? this[int field] => field == 0 ? Ema : throw new ArgumentOutOfRangeException(nameof(field));
}

/// <summary>The state of an exponential moving average: seeded with the simple average of the first <c>period</c> values, then ema += k·(value − ema), k = 2/(period+1).</summary>
internal struct EmaState(int period)
{
    private readonly double _k = 2d / (period + 1);
    private double _sum;
    private int _count;

    public double Value { get; private set; } = double.NaN;

    public double Add(double value)
    {
        if (_count < period)
        {
            _count++;
            _sum += value;
            if (_count == period)
                Value = _sum / period;
        }
        else
        {
            Value += _k * (value - Value);
        }
        return Value;
    }

    public void Reset()
    {
        _sum = 0;
        _count = 0;
        Value = double.NaN;
    }
}

/// <summary>Exponential moving average, seeded with the SMA of the first <c>period</c> values (as Stock Indicators for .NET).</summary>
public sealed class Ema : ValueIndicator<EmaResult>
{
    private EmaState _state;

    public Ema(int period = 20) : base($"EMA({period})", Guard.Period(period, nameof(period))) => _state = new EmaState(period);

    protected override EmaResult Compute(DateTimeOffset time, in double input) => new(time, _state.Add(input).OrNull());

    protected override void ResetCore() => _state.Reset();
}
