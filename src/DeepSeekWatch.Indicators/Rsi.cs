namespace DeepSeekWatch.Indicators;

public readonly record struct RsiResult(DateTimeOffset Time, double? Rsi) : IIndicatorResult
{
    private static readonly string[] Names = ["rsi"];

    public IReadOnlyList<string> FieldNames => Names;

    public double? this[int field] => field == 0 ? Rsi : throw new ArgumentOutOfRangeException(nameof(field));
}

/// <summary>
/// Relative strength index with Wilder's smoothing: the first averages are the plain means of the first <c>period</c>
/// gains and losses (from the second value on), then avg = (avg·(period−1) + new)/period; 100 when there is no loss.
/// </summary>
public sealed class Rsi : ValueIndicator<RsiResult>
{
    private readonly int _period;
    private double _previous;
    private double _avgGain;
    private double _avgLoss;

    public Rsi(int period = 14) : base($"RSI({period})", Guard.Period(period, nameof(period)) + 1) => _period = period;

    protected override RsiResult Compute(DateTimeOffset time, in double input)
    {
        var index = Samples;
        var previous = index == 0 ? input : _previous;
        var gain = input > previous ? input - previous : 0;
        var loss = input < previous ? previous - input : 0;
        _previous = input;
        if (index == 0)
            return new RsiResult(time, null);
        if (index < _period)
        {
            _avgGain += gain;
            _avgLoss += loss;
            return new RsiResult(time, null);
        }
        if (index == _period)
        {
            _avgGain = (_avgGain + gain) / _period;
            _avgLoss = (_avgLoss + loss) / _period;
        }
        else
        {
            _avgGain = ((_avgGain * (_period - 1)) + gain) / _period;
            _avgLoss = ((_avgLoss * (_period - 1)) + loss) / _period;
        }
        return new RsiResult(time, _avgLoss > 0 ? 100 - (100 / (1 + (_avgGain / _avgLoss))) : 100);
    }

    protected override void ResetCore() => _previous = _avgGain = _avgLoss = 0;
}
