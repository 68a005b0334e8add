namespace DeepSeekWatch.Indicators;

public readonly record struct AtrResult(DateTimeOffset Time, double? Tr, double? Atr, double? Atrp) : IIndicatorResult
{
    private static readonly string[] Names = ["tr", "atr", "atrp"];

    public IReadOnlyList<string> FieldNames => Names;

    public double? this[int field] => field switch
    {
        0 => Tr,
        1 => Atr,
        2 => Atrp,
        _ => throw new ArgumentOutOfRangeException(nameof(field)),
    };
}

/// <summary>Wilder's average true range state: true range from the second bar; the first ATR is the mean of the first <c>period</c> true ranges.</summary>
internal struct AtrState(int period)
{
    private int _count;
    private double _previousClose;
    private double _sumTr;

    public double Tr { get; private set; } = double.NaN;

    public double Value { get; private set; } = double.NaN;

    public void Add(in Bar bar)
    {
        if (_count == 0)
        {
            Tr = double.NaN;
        }
        else
        {
            var highMinusPreviousClose = Math.Abs(bar.High - _previousClose);
            var lowMinusPreviousClose = Math.Abs(bar.Low - _previousClose);
            Tr = Math.Max(bar.High - bar.Low, Math.Max(highMinusPreviousClose, lowMinusPreviousClose));
            if (_count < period)
            {
                _sumTr += Tr;
            }
            else if (_count == period)
            {
                _sumTr += Tr;
                Value = _sumTr / period;
            }
            else
            {
                Value = ((Value * (period - 1)) + Tr) / period;
            }
        }
        _previousClose = bar.Close;
        _count++;
    }

    public void Reset()
    {
        _count = 0;
        _previousClose = _sumTr = 0;
        Tr = Value = double.NaN;
    }
}

/// <summary>Average true range with Wilder's smoothing; atrp = atr / close · 100.</summary>
public sealed class Atr : BarIndicator<AtrResult>
{
    private AtrState _state;

    public Atr(int period = 14) : base($"ATR({period})", Guard.Period(period, nameof(period)) + 1) => _state = new AtrState(period);

    protected override AtrResult Compute(DateTimeOffset time, in Bar input)
    {
        _state.Add(in input);
        var atr = _state.Value;
        return new AtrResult(time, _state.Tr.OrNull(), atr.OrNull(), (atr / input.Close * 100).OrNull());
    }

    protected override void ResetCore() => _state.Reset();
}
