namespace DeepSeekWatch.Indicators;

/// <summary>
/// Mean and variance of the last <c>period</c> values, updated in O(1) amortised time without allocating.
/// Sliding Welford updates keep the error small; an exact two-pass recomputation every <c>period</c> values stops drift,
/// and a window of identical values has a variance of exactly zero. No time, no validation: the building block that
/// <see cref="StdDev"/>, <see cref="BollingerBands"/> and <see cref="ReturnStatistics"/> wrap, and that detection code may use directly.
/// </summary>
public sealed class RollingStatistics
{
    private readonly double[] _window;
    private int _next;
    private int _count;
    private int _equalRun;
    private double _mean;
    private double _m2;

    public RollingStatistics(int period)
    {
        Period = Guard.Period(period, nameof(period));
        _window = new double[period];
    }

    public int Period { get; }

    /// <summary>How many values are in the window (at most <see cref="Period"/>).</summary>
    public int Count => _count;

    public bool IsFull => _count == Period;

    /// <summary>The mean of the values in the window (NaN when empty).</summary>
    public double Mean => _count == 0 ? double.NaN : _mean;

    /// <summary>Population variance (divides by the count; NaN when empty).</summary>
    public double Variance => _count == 0 ? double.NaN : _equalRun >= _count ? 0 : Math.Max(0, _m2 / _count);

    /// <summary>Sample variance (divides by count − 1; NaN with fewer than two values).</summary>
    public double SampleVariance => _count < 2 ? double.NaN : _equalRun >= _count ? 0 : Math.Max(0, _m2 / (_count - 1));

    /// <summary>Population standard deviation.</summary>
    public double StdDev => Math.Sqrt(Variance);

    public double SampleStdDev => Math.Sqrt(SampleVariance);

    /// <summary>The most recent value (NaN when empty).</summary>
    public double Last => _count == 0 ? double.NaN : _window[(_next + Period - 1) % Period];

    /// <summary>(<paramref name="value"/> − mean) / population standard deviation; NaN when the deviation is zero or the window is empty.</summary>
    public double ZScore(double value)
    {
        var sd = StdDev;
        return sd == 0 || double.IsNaN(sd) ? double.NaN : (value - _mean) / sd;
    }

    public void Add(double value)
    {
        _equalRun = _count > 0 && value == Last ? _equalRun + 1 : 1;
        if (_count < Period)
        {
            _window[_next] = value;
            _count++;
            var delta = value - _mean;
            _mean += delta / _count;
            _m2 += delta * (value - _mean);
        }
        else if (Period == 1)
        {
            _window[0] = value;
            _mean = value;
            _m2 = 0;
        }
        else
        {
            // Remove the oldest value (inverse Welford step), then add the new one.
            var old = _window[_next];
            _window[_next] = value;
            var n = Period;
            var meanWithout = _mean - ((old - _mean) / (n - 1));
            _m2 -= (old - meanWithout) * (old - _mean);
            var delta = value - meanWithout;
            _mean = meanWithout + (delta / n);
            _m2 += delta * (value - _mean);
        }
        _next = _next + 1 == Period ? 0 : _next + 1;
        if (_next == 0)
            Recompute();
    }

    public void Reset()
    {
        Array.Clear(_window);
        _next = _count = _equalRun = 0;
        _mean = _m2 = 0;
    }

    // Exact two-pass mean and sum of squared deviations, in time order (the window is full and starts at index 0 here).
    private void Recompute()
    {
        double sum = 0;
        for (var i = 0; i < _count; i++)
            sum += _window[i];
        var mean = sum / _count;
        double m2 = 0;
        for (var i = 0; i < _count; i++)
        {
            var d = _window[i] - mean;
            m2 += d * d;
        }
        _mean = mean;
        _m2 = m2;
    }
}
