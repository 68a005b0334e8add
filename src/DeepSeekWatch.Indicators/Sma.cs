namespace DeepSeekWatch.Indicators;

public readonly record struct SmaResult(DateTimeOffset Time, double? Sma) : IIndicatorResult
{
    private static readonly string[] Names = ["sma"];

    public IReadOnlyList<string> FieldNames => Names;

    public double? this[int field] => field == 0 ? Sma : throw new ArgumentOutOfRangeException(nameof(field));
}

/// <summary>Simple moving average of the last <c>period</c> values: a running sum, re-summed exactly every <c>period</c> values.</summary>
public sealed class Sma : ValueIndicator<SmaResult>
{
    private readonly double[] _window;
    private readonly int _period;
    private int _next;
    private int _count;
    private double _sum;

    public Sma(int period = 20) : base($"SMA({period})", Guard.Period(period, nameof(period)))
    {
        _period = period;
        _window = new double[period];
    }

    protected override SmaResult Compute(DateTimeOffset time, in double input)
    {
        if (_count < _period)
        {
            _count++;
            _sum += input;
        }
        else
        {
            _sum += input - _window[_next];
        }
        _window[_next] = input;
        _next = _next + 1 == _period ? 0 : _next + 1;
        if (_next == 0)
        {
            // Re-sum in time order so that rounding errors of the running sum never accumulate.
            double sum = 0;
            for (var i = 0; i < _period; i++)
                sum += _window[i];
            _sum = sum;
        }
        return new SmaResult(time, _count == _period ? _sum / _period : null);
    }

    protected override void ResetCore()
    {
        Array.Clear(_window);
        _next = _count = 0;
        _sum = 0;
    }
}
