namespace DeepSeekWatch.Indicators;

public readonly record struct BetaResult(DateTimeOffset Time, double? Beta, double? BetaUp, double? BetaDown, double? Ratio, double? Convexity, double? ReturnsEval, double? ReturnsMrkt) : IIndicatorResult
{
    private static readonly string[] Names = ["beta", "betaUp", "betaDown", "ratio", "convexity", "returnsEval", "returnsMrkt"];

    public IReadOnlyList<string> FieldNames => Names;

    public double? this[int field] => field switch
    {
        0 => Beta,
        1 => BetaUp,
        2 => BetaDown,
        3 => Ratio,
        4 => Convexity,
        5 => ReturnsEval,
        6 => ReturnsMrkt,
        _ => throw new ArgumentOutOfRangeException(nameof(field)),
    };
}

/// <summary>
/// Rolling beta ("standard" type) of an evaluated price series against a market price series: the population covariance
/// of their simple returns over the last <c>period</c> returns divided by the market returns' variance (null when that is 0).
/// The first bar's returns are reported as 0 and are not part of any window, so beta is ready after <c>period</c> + 1 bars.
/// betaUp, betaDown, ratio and convexity belong to the other beta types and are always null here.
/// </summary>
public sealed class Beta : Indicator<PricePair, BetaResult>
{
    private readonly RollingCovariance _returns;
    private PricePair _previous;

    public Beta(int period = 50) : base($"BETA({period})", Guard.Period(period, nameof(period)) + 1) => _returns = new RollingCovariance(period);

    /// <summary>Adds the closes of the evaluated series and of the market at <paramref name="time"/>.</summary>
    public BetaResult Update(DateTimeOffset time, double evaluated, double market) => Update(time, new PricePair(evaluated, market));

    protected override void Validate(in PricePair input)
    {
        Guard.PositivePrice(input.Evaluated, "evaluated");
        Guard.PositivePrice(input.Market, "market");
    }

    protected override BetaResult Compute(DateTimeOffset time, in PricePair input)
    {
        double returnEval = 0, returnMarket = 0;
        if (Samples > 0)
        {
            returnEval = (input.Evaluated / _previous.Evaluated) - 1d;
            returnMarket = (input.Market / _previous.Market) - 1d;
            _returns.Add(returnMarket, returnEval);
        }
        _previous = input;
        double? beta = _returns.IsFull ? _returns.Slope.OrNull() : null;
        return new BetaResult(time, beta, null, null, null, null, returnEval, returnMarket);
    }

    protected override void ResetCore()
    {
        _returns.Reset();
        _previous = default;
    }
}
