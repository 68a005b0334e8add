namespace DeepSeekWatch.Indicators;

public readonly record struct KeltnerResult(DateTimeOffset Time, double? UpperBand, double? Centerline, double? LowerBand, double? Width) : IIndicatorResult
{
    private static readonly string[] Names = ["upperBand", "centerline", "lowerBand", "width"];

    public IReadOnlyList<string> FieldNames => Names;

    public double? this[int field] => field switch
    {
        0 => UpperBand,
        1 => Centerline,
        2 => LowerBand,
        3 => Width,
        _ => throw new ArgumentOutOfRangeException(nameof(field)),
    };
}

/// <summary>Keltner channels: centre EMA(emaPeriod) of close, bands ± multiplier · ATR(atrPeriod) (Wilder); width = (upper − lower)/centre.</summary>
public sealed class Keltner : BarIndicator<KeltnerResult>
{
    private readonly double _multiplier;
    private EmaState _ema;
    private AtrState _atr;

    public Keltner(int emaPeriod = 20, double multiplier = 2, int atrPeriod = 10)
        : base($"KELTNER({emaPeriod},{Guard.Format(multiplier)},{atrPeriod})",
            Math.Max(Guard.Period(emaPeriod, nameof(emaPeriod)), Guard.Period(atrPeriod, nameof(atrPeriod)) + 1))
    {
        _multiplier = Guard.PositiveFactor(multiplier, nameof(multiplier));
        _ema = new EmaState(emaPeriod);
        _atr = new AtrState(atrPeriod);
    }

    protected override KeltnerResult Compute(DateTimeOffset time, in Bar input)
    {
        var ema = _ema.Add(input.Close);
        _atr.Add(in input);
        var atr = _atr.Value;
        if (double.IsNaN(ema) || double.IsNaN(atr))
            return new KeltnerResult { Time = time };
        var span = atr * _multiplier;
        return new KeltnerResult(time, ema + span, ema, ema - span, ema == 0 ? null : 2 * span / ema);
    }

    protected override void ResetCore()
    {
        _ema.Reset();
        _atr.Reset();
    }
}
