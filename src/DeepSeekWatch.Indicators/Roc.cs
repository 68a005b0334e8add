namespace DeepSeekWatch.Indicators;

public readonly record struct RocResult(DateTimeOffset Time, double? Momentum, double? Roc) : IIndicatorResult
{
    private static readonly string[] Names = ["momentum", "roc"];

    public IReadOnlyList<string> FieldNames => Names;

    public double? this[int field] => field switch
    {
        0 => Momentum,
        1 => Roc,
        _ => throw new ArgumentOutOfRangeException(nameof(field)),
    };
}

/// <summary>Rate of change over <c>period</c> values: momentum = value − value[period ago]; roc = 100 · momentum / value[period ago] (null when that is 0).</summary>
public sealed class Roc : ValueIndicator<RocResult>
{
    private readonly double[] _window;
    private readonly int _period;
    private int _next;

    public Roc(int period = 14) : base($"ROC({period})", Guard.Period(period, nameof(period)) + 1)
    {
        _period = period;
        _window = new double[period];
    }

    protected override RocResult Compute(DateTimeOffset time, in double input)
    {
        var ready = Samples >= _period;
        var back = _window[_next];
        _window[_next] = input;
        _next = _next + 1 == _period ? 0 : _next + 1;
        if (!ready)
            return new RocResult { Time = time };
        var momentum = input - back;
        return new RocResult(time, momentum, back == 0 ? null : 100d * momentum / back);
    }

    protected override void ResetCore()
    {
        Array.Clear(_window);
        _next = 0;
    }
}
