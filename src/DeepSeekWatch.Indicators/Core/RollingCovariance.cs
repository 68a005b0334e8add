namespace DeepSeekWatch.Indicators;

/// <summary>
/// Means, population variances and covariance of the last <c>period</c> pairs (a, b), in O(1) amortised time without
/// allocating (sliding Welford co-moments, with an exact recomputation every <c>period</c> pairs). The building block of
/// <see cref="Beta"/> and <see cref="Correlation"/>; a is the market (or the first series), b the evaluated one.
/// </summary>
public sealed class RollingCovariance
{
    private readonly double[] _a;
    private readonly double[] _b;
    private int _next;
    private int _count;
    private int _equalRunA;
    private int _equalRunB;
    private double _meanA;
    private double _meanB;
    private double _caa;
    private double _cbb;
    private double _cab;

    public RollingCovariance(int period)
    {
        Period = Guard.Period(period, nameof(period));
        _a = new double[period];
        _b = new double[period];
    }

    public int Period { get; }

    public int Count => _count;

    public bool IsFull => _count == Period;

    public double MeanA => _count == 0 ? double.NaN : _meanA;

    public double MeanB => _count == 0 ? double.NaN : _meanB;

    /// <summary>Population variance of a.</summary>
    public double VarianceA => _count == 0 ? double.NaN : _equalRunA >= _count ? 0 : Math.Max(0, _caa / _count);

    /// <summary>Population variance of b.</summary>
    public double VarianceB => _count == 0 ? double.NaN : _equalRunB >= _count ? 0 : Math.Max(0, _cbb / _count);

    /// <summary>Population covariance of a and b.</summary>
    public double Covariance => _count == 0 ? double.NaN : _equalRunA >= _count || _equalRunB >= _count ? 0 : _cab / _count;

    /// <summary>Covariance / variance of a: the regression slope of b on a (beta of b against the market a); NaN when a is constant.</summary>
    public double Slope
    {
        get
        {
            var va = VarianceA;
            return va == 0 || double.IsNaN(va) ? double.NaN : Covariance / va;
        }
    }

    /// <summary>Pearson correlation; NaN when either series is constant over the window.</summary>
    public double Correlation
    {
        get
        {
            var divisor = Math.Sqrt(VarianceA * VarianceB);
            return divisor == 0 || double.IsNaN(divisor) ? double.NaN : Math.Clamp(Covariance / divisor, -1, 1);
        }
    }

    public void Add(double a, double b)
    {
        var lastIndex = (_next + Period - 1) % Period;
        _equalRunA = _count > 0 && a == _a[lastIndex] ? _equalRunA + 1 : 1;
        _equalRunB = _count > 0 && b == _b[lastIndex] ? _equalRunB + 1 : 1;
        if (_count < Period)
        {
            _a[_next] = a;
            _b[_next] = b;
            _count++;
            AddPair(a, b, _count);
        }
        else if (Period == 1)
        {
            _a[0] = a;
            _b[0] = b;
            _meanA = a;
            _meanB = b;
            _caa = _cbb = _cab = 0;
        }
        else
        {
            var oldA = _a[_next];
            var oldB = _b[_next];
            _a[_next] = a;
            _b[_next] = b;
            // Inverse Welford step for the oldest pair, then a normal step for the new one.
            var n = Period;
            var meanA = _meanA - ((oldA - _meanA) / (n - 1));
            var meanB = _meanB - ((oldB - _meanB) / (n - 1));
            _caa -= (oldA - meanA) * (oldA - _meanA);
            _cbb -= (oldB - meanB) * (oldB - _meanB);
            _cab -= (oldA - meanA) * (oldB - _meanB);
            _meanA = meanA;
            _meanB = meanB;
            AddPair(a, b, n);
        }
        _next = _next + 1 == Period ? 0 : _next + 1;
        if (_next == 0)
            Recompute();
    }

    public void Reset()
    {
        Array.Clear(_a);
        Array.Clear(_b);
        _next = _count = _equalRunA = _equalRunB = 0;
        _meanA = _meanB = _caa = _cbb = _cab = 0;
    }

    private void AddPair(double a, double b, int n)
    {
        var da = a - _meanA;
        var db = b - _meanB;
        _meanA += da / n;
        _meanB += db / n;
        _caa += da * (a - _meanA);
        _cbb += db * (b - _meanB);
        _cab += da * (b - _meanB);
    }

    private void Recompute()
    {
        double sumA = 0, sumB = 0;
        for (var i = 0; i < _count; i++)
        {
            sumA += _a[i];
            sumB += _b[i];
        }
        double meanA = sumA / _count, meanB = sumB / _count, caa = 0, cbb = 0, cab = 0;
        for (var i = 0; i < _count; i++)
        {
            var da = _a[i] - meanA;
            var db = _b[i] - meanB;
            caa += da * da;
            cbb += db * db;
            cab += da * db;
        }
        (_meanA, _meanB, _caa, _cbb, _cab) = (meanA, meanB, caa, cbb, cab);
    }
}
