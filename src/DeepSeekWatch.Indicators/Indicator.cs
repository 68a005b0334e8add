namespace DeepSeekWatch.Indicators;

/// <summary>
/// The result of one indicator update: the bar's time and named, nullable fields (null while warming up).
/// Field names are the camelCase names of the Stock Indicators for .NET results, so output can be compared field by field.
/// </summary>
public interface IIndicatorResult
{
    DateTimeOffset Time { get; }

    /// <summary>The field names in output order (a shared static array; do not modify).</summary>
    IReadOnlyList<string> FieldNames { get; }

    /// <summary>The value of field <paramref name="field"/> (an index into <see cref="FieldNames"/>), null while warming up.</summary>
    double? this[int field] { get; }
}

/// <summary>
/// A streaming indicator in Lean's shape: <see cref="Update"/> takes one input at a time in strictly increasing time
/// (an older or duplicate time is rejected with <see cref="ArgumentOutOfRangeException"/> and changes nothing), in O(1)
/// amortised time and without allocating. <see cref="Batch(ReadOnlySpan{DateTimeOffset}, ReadOnlySpan{TInput})"/> runs
/// the same code over a whole series, so batch and streaming give identical numbers by construction.
/// </summary>
/// <typeparam name="TInput">a <see cref="double"/> value, a <see cref="Bar"/> or a <see cref="PricePair"/></typeparam>
/// <typeparam name="TResult">a result struct</typeparam>
public abstract class Indicator<TInput, TResult>
    where TInput : struct
    where TResult : struct, IIndicatorResult
{
    private long _lastUtcTicks;
    private bool _hasLast;
    private DateTimeOffset _lastTime;
    private TResult _current;

    protected Indicator(string name, int warmUpPeriod)
    {
        Name = name;
        WarmUpPeriod = warmUpPeriod;
    }

    /// <summary>A name with the parameters, like <c>RSI(14)</c>.</summary>
    public string Name { get; }

    /// <summary>The number of inputs after which <see cref="IsReady"/> is true (for a well-formed series).</summary>
    public int WarmUpPeriod { get; }

    /// <summary>How many inputs were accepted since construction or the last <see cref="Reset"/>.</summary>
    public int Samples { get; private set; }

    /// <summary>True once the indicator's main value is available.</summary>
    public virtual bool IsReady => Samples >= WarmUpPeriod;

    /// <summary>The time of the last accepted input, or null before the first.</summary>
    public DateTimeOffset? LastTime => _hasLast ? _lastTime : null;

    /// <summary>The result of the last accepted input (default before the first).</summary>
    public TResult Current => _current;

    /// <summary>
    /// Adds one input. Throws <see cref="ArgumentOutOfRangeException"/> (parameter <c>time</c>) for a time that is not
    /// after the last accepted one, and <see cref="ArgumentException"/> naming the field for an invalid value
    /// (NaN, infinite, non-positive price, ...); a rejected input leaves the indicator unchanged.
    /// </summary>
    public TResult Update(DateTimeOffset time, TInput input)
    {
        var ticks = time.UtcTicks;
        if (_hasLast && ticks <= _lastUtcTicks)
            ThrowNotForward(time);
        Validate(in input);
        _current = Compute(time, in input);
        _lastUtcTicks = ticks;
        _lastTime = time;
        _hasLast = true;
        Samples++;
        return _current;
    }

    /// <summary>Forgets every input: the indicator is as new.</summary>
    public void Reset()
    {
        ResetCore();
        _hasLast = false;
        _lastTime = default;
        _lastUtcTicks = 0;
        Samples = 0;
        _current = default;
    }

    /// <summary>Resets, then computes the results of a whole series (times and inputs of equal length) into a new array.</summary>
    public TResult[] Batch(ReadOnlySpan<DateTimeOffset> times, ReadOnlySpan<TInput> inputs)
    {
        var results = new TResult[inputs.Length];
        Batch(times, inputs, results);
        return results;
    }

    /// <summary>Resets, then computes the results of a whole series into <paramref name="destination"/> without allocating.</summary>
    public void Batch(ReadOnlySpan<DateTimeOffset> times, ReadOnlySpan<TInput> inputs, Span<TResult> destination)
    {
        if (times.Length != inputs.Length)
            throw new ArgumentException($"{Name}: {times.Length} times but {inputs.Length} inputs; they must be of equal length.", nameof(times));
        if (destination.Length < inputs.Length)
            throw new ArgumentException($"{Name}: destination holds {destination.Length} results but {inputs.Length} are needed.", nameof(destination));
        Reset();
        for (var i = 0; i < inputs.Length; i++)
            destination[i] = Update(times[i], inputs[i]);
    }

    private void ThrowNotForward(DateTimeOffset time) =>
        throw new ArgumentOutOfRangeException(nameof(time), time,
            $"{Name}: time {time:O} is not after the last accepted time {_lastTime:O}; indicators accept inputs in strictly increasing time only (call Reset() to start over).");

    /// <summary>Throws an <see cref="ArgumentException"/> naming the offending field; must not change state.</summary>
    protected abstract void Validate(in TInput input);

    /// <summary>Advances the state by one validated input and returns the result.</summary>
    protected abstract TResult Compute(DateTimeOffset time, in TInput input);

    protected abstract void ResetCore();

    public override string ToString() => Name;
}
