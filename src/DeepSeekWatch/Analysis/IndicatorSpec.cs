using System.Globalization;
using DeepSeekWatch.Indicators;

namespace DeepSeekWatch.Analysis;

/// <summary>A bad <c>indicators</c> command line or input file: printed as one line, exit code 2.</summary>
internal sealed class IndicatorUsageException(string message) : Exception(message);

/// <summary>
/// Parses <c>name[:p1,p2,..]</c> (contracts.md §3) into a runnable indicator. Omitted parameters take the usual
/// defaults: sma:20, ema:20, rsi:14, macd:12,26,9, bb:20,2, atr:14, stdev:14, roc:14, keltner:20,2,10, beta:50,
/// corr:20, and the detection helpers returns:20, minmax:20.
/// </summary>
internal static class IndicatorSpec
{
    public const string Names = "sma, ema, rsi, macd, bb, atr, stdev, roc, keltner, obv, vwap, beta, corr, returns, minmax";

    public static IndicatorRun Parse(string spec)
    {
        var colon = spec.IndexOf(':', StringComparison.Ordinal);
        var name = (colon < 0 ? spec : spec[..colon]).Trim().ToLowerInvariant();
        var parameters = colon < 0 || spec[(colon + 1)..].Trim().Length == 0
            ? []
            : spec[(colon + 1)..].Split(',').Select(p => p.Trim()).ToArray();
        var reader = new ParameterReader(spec, parameters);
        try
        {
            IndicatorRun run = name switch
            {
                "sma" => Closes(new Sma(reader.Period(0, 20))),
                "ema" => Closes(new Ema(reader.Period(0, 20))),
                "rsi" => Closes(new Rsi(reader.Period(0, 14))),
                "macd" => Closes(new Macd(reader.Period(0, 12), reader.Period(1, 26), reader.Period(2, 9))),
                "bb" => Closes(new BollingerBands(reader.Period(0, 20), reader.Number(1, 2))),
                "atr" => BarsOf(new Atr(reader.Period(0, 14))),
                "stdev" => Closes(new StdDev(reader.Period(0, 14))),
                "roc" => Closes(new Roc(reader.Period(0, 14))),
                "keltner" => BarsOf(new Keltner(reader.Period(0, 20), reader.Number(1, 2), reader.Period(2, 10))),
                "obv" => BarsOf(new Obv()),
                "vwap" => BarsOf(new Vwap()),
                "beta" => PairsOf(new Beta(reader.Period(0, 50))),
                "corr" => PairsOf(new Correlation(reader.Period(0, 20))),
                "returns" => Closes(new ReturnStatistics(reader.Period(0, 20))),
                "minmax" => Closes(new RollingMinMax(reader.Period(0, 20))),
                _ => throw new IndicatorUsageException($"unknown indicator '{name}' in --indicator '{spec}'; expected one of {Names}"),
            };
            reader.EnsureAllUsed();
            return run;
        }
        catch (ArgumentException e)
        {
            throw new IndicatorUsageException($"--indicator '{spec}': {FirstSentence(e.Message)}");
        }
    }

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(" (Parameter", StringComparison.Ordinal);
        return (end < 0 ? message : message[..end]).ReplaceLineEndings(" ");
    }

    private static IndicatorRun<double, TResult> Closes<TResult>(Indicator<double, TResult> indicator)
        where TResult : struct, IIndicatorResult => new(indicator, (bars, _) => Array.ConvertAll(bars, b => b.Close), needsMarket: false);

    private static IndicatorRun<Bar, TResult> BarsOf<TResult>(Indicator<Bar, TResult> indicator)
        where TResult : struct, IIndicatorResult => new(indicator, (bars, _) => bars, needsMarket: false);

    private static IndicatorRun<PricePair, TResult> PairsOf<TResult>(Indicator<PricePair, TResult> indicator)
        where TResult : struct, IIndicatorResult =>
        new(indicator, (bars, market) => bars.Zip(market!, (e, m) => new PricePair(e.Close, m.Close)).ToArray(), needsMarket: true);

    private sealed class ParameterReader(string spec, string[] parameters)
    {
        private int _used;

        public int Period(int index, int defaultValue)
        {
            _used = Math.Max(_used, index + 1);
            if (index >= parameters.Length)
                return defaultValue;
            return int.TryParse(parameters[index], NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
                ? value
                : throw new IndicatorUsageException($"--indicator '{spec}': parameter {index + 1} '{parameters[index]}' is not a whole number");
        }

        public double Number(int index, double defaultValue)
        {
            _used = Math.Max(_used, index + 1);
            if (index >= parameters.Length)
                return defaultValue;
            return double.TryParse(parameters[index], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value)
                ? value
                : throw new IndicatorUsageException($"--indicator '{spec}': parameter {index + 1} '{parameters[index]}' is not a number");
        }

        public void EnsureAllUsed()
        {
            if (parameters.Length > _used)
                throw new IndicatorUsageException($"--indicator '{spec}': takes at most {_used} parameter(s), {parameters.Length} given");
        }
    }
}
