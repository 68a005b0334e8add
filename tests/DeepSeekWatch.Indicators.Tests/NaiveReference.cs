namespace DeepSeekWatch.Indicators.Tests;

/// <summary>
/// Straightforward whole-series calculations written from the published definitions of Stock Indicators for .NET
/// (window loops, no streaming state), used as the reference for indicators that have no baseline file. They share no
/// code with the library.
/// </summary>
internal static class NaiveReference
{
    public static double?[] Ema(IReadOnlyList<double> values, int period)
    {
        var result = new double?[values.Count];
        var k = 2d / (period + 1);
        for (var i = period - 1; i < values.Count; i++)
        {
            if (i == period - 1)
                result[i] = Enumerable.Range(0, period).Sum(p => values[p]) / period;
            else
                result[i] = result[i - 1] + (k * (values[i] - result[i - 1]));
        }
        return result;
    }

    public static double?[][] Macd(IReadOnlyList<double> closes, int fast, int slow, int signal)
    {
        var fastEma = Ema(closes, fast);
        var slowEma = Ema(closes, slow);
        var macd = closes.Select((_, i) => fastEma[i] - slowEma[i]).ToArray();
        var signalLine = new double?[closes.Count];
        var first = slow - 1 + signal - 1;
        var k = 2d / (signal + 1);
        for (var i = first; i < closes.Count; i++)
        {
            signalLine[i] = i == first
                ? Enumerable.Range(i - signal + 1, signal).Sum(p => macd[p]!.Value) / signal
                : signalLine[i - 1] + (k * (macd[i] - signalLine[i - 1]));
        }
        return closes.Select((_, i) => new[] { macd[i], signalLine[i], macd[i] - signalLine[i], fastEma[i], slowEma[i] }).ToArray();
    }

    public static double?[][] Roc(IReadOnlyList<double> values, int period) =>
        values.Select((v, i) => i < period
            ? new double?[] { null, null }
            : [v - values[i - period], values[i - period] == 0 ? null : 100 * (v - values[i - period]) / values[i - period]]).ToArray();

    public static double?[] Atr(IReadOnlyList<Bar> bars, int period)
    {
        var tr = bars.Select((b, i) => i == 0 ? 0 : Math.Max(b.High - b.Low, Math.Max(Math.Abs(b.High - bars[i - 1].Close), Math.Abs(b.Low - bars[i - 1].Close)))).ToArray();
        var atr = new double?[bars.Count];
        for (var i = period; i < bars.Count; i++)
            atr[i] = i == period ? tr.Skip(1).Take(period).Sum() / period : ((atr[i - 1] * (period - 1)) + tr[i]) / period;
        return atr;
    }

    public static double?[][] Keltner(IReadOnlyList<Bar> bars, int emaPeriod, double multiplier, int atrPeriod)
    {
        var ema = Ema(bars.Select(b => b.Close).ToArray(), emaPeriod);
        var atr = Atr(bars, atrPeriod);
        return bars.Select((_, i) => ema[i] is null || atr[i] is null
            ? new double?[4]
            : [ema[i] + (multiplier * atr[i]), ema[i], ema[i] - (multiplier * atr[i]), 2 * multiplier * atr[i] / ema[i]]).ToArray();
    }

    public static double?[][] Obv(IReadOnlyList<Bar> bars)
    {
        double obv = 0;
        return bars.Select((b, i) =>
        {
            if (i > 0)
                obv += b.Close > bars[i - 1].Close ? b.Volume : b.Close < bars[i - 1].Close ? -b.Volume : 0;
            return new double?[] { obv };
        }).ToArray();
    }

    public static double?[][] Vwap(IReadOnlyList<Bar> bars) =>
        bars.Select((_, i) =>
        {
            var volume = bars.Take(i + 1).Sum(b => b.Volume);
            var weighted = bars.Take(i + 1).Sum(b => b.Volume * (b.High + b.Low + b.Close) / 3);
            return new double?[] { volume == 0 ? null : weighted / volume };
        }).ToArray();

    /// <summary>The textbook formula: population moments of A (market) and B (evaluated) over each window.</summary>
    public static double?[][] Correlation(IReadOnlyList<double> a, IReadOnlyList<double> b, int period) =>
        a.Select((_, i) =>
        {
            if (i < period - 1)
                return new double?[5];
            var wa = a.Skip(i - period + 1).Take(period).ToArray();
            var wb = b.Skip(i - period + 1).Take(period).ToArray();
            double ma = wa.Average(), mb = wb.Average();
            var va = wa.Sum(x => (x - ma) * (x - ma)) / period;
            var vb = wb.Sum(x => (x - mb) * (x - mb)) / period;
            var cov = wa.Zip(wb, (x, y) => (x - ma) * (y - mb)).Sum() / period;
            double? r = va * vb == 0 ? null : cov / Math.Sqrt(va * vb);
            return new double?[] { va, vb, cov, r, r * r };
        }).ToArray();

    public static double?[][] ReturnStatistics(IReadOnlyList<double> prices, int period)
    {
        var returns = prices.Select((p, i) => i == 0 ? double.NaN : (p / prices[i - 1]) - 1).ToArray();
        return prices.Select((_, i) =>
        {
            var row = new double?[5];
            if (i == 0)
                return row;
            row[0] = returns[i];
            if (i >= period)
            {
                var (mean, sd) = MeanSd(returns.Skip(i - period + 1).Take(period).ToArray());
                (row[1], row[2], row[3]) = (mean, sd, sd == 0 ? null : (returns[i] - mean) / sd);
            }
            if (i >= period + 1)
            {
                var (mean, sd) = MeanSd(returns.Skip(i - period).Take(period).ToArray());
                row[4] = sd == 0 ? null : (returns[i] - mean) / sd;
            }
            return row;
        }).ToArray();

        static (double Mean, double Sd) MeanSd(double[] w)
        {
            var m = w.Average();
            return (m, Math.Sqrt(w.Sum(x => (x - m) * (x - m)) / w.Length));
        }
    }

    public static double?[][] MinMax(IReadOnlyList<double> values, int period) =>
        values.Select((_, i) => i < period - 1
            ? new double?[2]
            : [values.Skip(i - period + 1).Take(period).Min(), values.Skip(i - period + 1).Take(period).Max()]).ToArray();
}
