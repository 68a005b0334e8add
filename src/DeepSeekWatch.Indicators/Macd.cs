namespace DeepSeekWatch.Indicators;

public readonly record struct MacdResult(DateTimeOffset Time, double? Macd, double? Signal, double? Histogram, double? FastEma, double? SlowEma) : IIndicatorResult
{
    private static readonly string[] Names = ["macd", "signal", "histogram", "fastEma", "slowEma"];

    public IReadOnlyList<string> FieldNames => Names;

    public double? this[int field] => field switch
    {
        0 => Macd,
        1 => Signal,
        2 => Histogram,
        3 => FastEma,
        4 => SlowEma,
        _ => throw new ArgumentOutOfRangeException(nameof(field)),
    };
}

/// <summary>
/// Moving average convergence/divergence: macd = EMA(fast) − EMA(slow); signal = EMA(signal) of macd (seeded with the
/// SMA of its first values); histogram = macd − signal. Ready when the signal is (after slow + signal − 1 values).
/// </summary>
public sealed class Macd : ValueIndicator<MacdResult>
{
    private EmaState _fast;
    private EmaState _slow;
    private EmaState _signal;

    public Macd(int fastPeriod = 12, int slowPeriod = 26, int signalPeriod = 9)
        : base($"MACD({fastPeriod},{slowPeriod},{signalPeriod})", Validated(fastPeriod, slowPeriod, signalPeriod))
    {
        _fast = new EmaState(fastPeriod);
        _slow = new EmaState(slowPeriod);
        _signal = new EmaState(signalPeriod);
    }

    private static int Validated(int fastPeriod, int slowPeriod, int signalPeriod)
    {
        Guard.Period(fastPeriod, nameof(fastPeriod));
        Guard.Period(signalPeriod, nameof(signalPeriod));
        if (slowPeriod <= fastPeriod)
            throw new ArgumentOutOfRangeException(nameof(slowPeriod), slowPeriod, $"slowPeriod must be greater than fastPeriod ({fastPeriod}).");
        return slowPeriod + signalPeriod - 1;
    }

    protected override MacdResult Compute(DateTimeOffset time, in double input)
    {
        var fast = _fast.Add(input);
        var slow = _slow.Add(input);
        var macd = fast - slow;
        var signal = double.IsNaN(macd) ? double.NaN : _signal.Add(macd);
        return new MacdResult(time, macd.OrNull(), signal.OrNull(), (macd - signal).OrNull(), fast.OrNull(), slow.OrNull());
    }

    protected override void ResetCore()
    {
        _fast.Reset();
        _slow.Reset();
        _signal.Reset();
    }
}
