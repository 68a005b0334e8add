namespace DeepSeekWatch.Indicators;

/// <summary>
/// Minimum and maximum of the last <c>period</c> values with two monotonic deques: O(1) amortised per value,
/// bounded memory (two rings of <c>period</c> entries), no allocation after construction.
/// </summary>
public sealed class RollingExtremes
{
    private readonly MonotonicDeque _max;
    private readonly MonotonicDeque _min;
    private long _index;

    public RollingExtremes(int period)
    {
        Period = Guard.Period(period, nameof(period));
        _max = new MonotonicDeque(period, keepLarger: true);
        _min = new MonotonicDeque(period, keepLarger: false);
    }

    public int Period { get; }

    public int Count => (int)Math.Min(_index, Period);

    public bool IsFull => _index >= Period;

    /// <summary>The smallest value in the window (NaN when empty).</summary>
    public double Min => _min.Front;

    /// <summary>The largest value in the window (NaN when empty).</summary>
    public double Max => _max.Front;

    public void Add(double value)
    {
        _max.Push(_index, value, _index - Period);
        _min.Push(_index, value, _index - Period);
        _index++;
    }

    public void Reset()
    {
        _max.Clear();
        _min.Clear();
        _index = 0;
    }

    // A ring of (index, value) whose values are monotonic from front to back; the front is the window's extreme.
    private sealed class MonotonicDeque(int capacity, bool keepLarger)
    {
        private readonly long[] _indices = new long[capacity];
        private readonly double[] _values = new double[capacity];
        private int _head;
        private int _count;

        public double Front => _count == 0 ? double.NaN : _values[_head];

        public void Push(long index, double value, long expiredAtOrBefore)
        {
            while (_count > 0 && _indices[_head] <= expiredAtOrBefore)
            {
                _head = _head + 1 == capacity ? 0 : _head + 1;
                _count--;
            }
            while (_count > 0)
            {
                var back = (_head + _count - 1) % capacity;
                if (keepLarger ? _values[back] > value : _values[back] < value)
                    break;
                _count--;
            }
            var slot = (_head + _count) % capacity;
            _indices[slot] = index;
            _values[slot] = value;
            _count++;
        }

        public void Clear() => _head = _count = 0;
    }
}
