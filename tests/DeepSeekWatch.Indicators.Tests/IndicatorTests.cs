using System.Globalization;
using CsCheck;

namespace DeepSeekWatch.Indicators.Tests;

/// <summary>
/// Gives every indicator the same proofs (Lean's <c>CommonIndicatorTests&lt;T&gt;</c>, Stock Indicators' regression base):
/// reference values on every row, warm-up nulls exactly where the reference has them, IsReady/WarmUpPeriod, streaming
/// equals batch (reference data and random series), reset, forward-only time, bad input and bad parameters, and no
/// allocation per streaming update.
/// </summary>
public abstract class IndicatorTests<TInput, TResult>
    where TInput : struct
    where TResult : struct, IIndicatorResult
{
    private static readonly DateTimeOffset Start = new(2020, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>A new indicator with the parameters the reference was computed with.</summary>
    protected abstract Indicator<TInput, TResult> Create();

    /// <summary>The indicator's expected <see cref="Indicator{TInput,TResult}.Name"/>.</summary>
    protected abstract string ExpectedName { get; }

    /// <summary>The reference inputs, one per date of <see cref="ReferenceData.Times"/>.</summary>
    protected abstract TInput[] ReferenceInputs { get; }

    private TInput[]? _inputs;
    private IReadOnlyList<IReadOnlyDictionary<string, double?>>? _rows;

    /// <summary>Computed once per test class instance (the naive references are slow).</summary>
    private TInput[] Inputs => _inputs ??= ReferenceInputs;

    private IReadOnlyList<IReadOnlyDictionary<string, double?>> Rows => _rows ??= ReferenceRows;

    /// <summary>The expected fields of every row of the reference inputs, keyed by field name (a baseline file, or <see cref="NaiveReference"/>).</summary>
    protected abstract IReadOnlyList<IReadOnlyDictionary<string, double?>> ReferenceRows { get; }

    /// <summary>Valid random inputs.</summary>
    protected abstract Gen<TInput> RandomInput { get; }

    /// <summary>Invalid inputs, each with the parameter name its <see cref="ArgumentException"/> must carry.</summary>
    protected abstract IEnumerable<(TInput Input, string Parameter)> BadInputs { get; }

    /// <summary>Constructors with bad parameters, each with the parameter name its <see cref="ArgumentException"/> must carry (empty for an indicator without parameters).</summary>
    protected abstract IEnumerable<(Action Construct, string Parameter)> BadParameters { get; }

    /// <summary>The field that is null exactly until <see cref="Indicator{TInput,TResult}.IsReady"/>.</summary>
    protected virtual string MainField => Create().Current.FieldNames[0];

    protected static IReadOnlyList<IReadOnlyDictionary<string, double?>> FromBaseline(string file)
    {
        var (timestamps, rows) = ReferenceData.Baseline(file);
        Assert.Equal(ReferenceData.Times.Select(Timestamp), timestamps);
        return rows;
    }

    protected static IReadOnlyList<IReadOnlyDictionary<string, double?>> FromRows(string[] fields, IEnumerable<double?[]> rows) =>
        rows.Select(r => (IReadOnlyDictionary<string, double?>)fields.Select((f, i) => (f, r[i])).ToDictionary(x => x.f, x => x.Item2)).ToList();

    private static string Timestamp(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture);

    private static DateTimeOffset[] TimesFor(int count) => Enumerable.Range(0, count).Select(i => Start.AddDays(i)).ToArray();

    private TResult[] Stream(Indicator<TInput, TResult> indicator, DateTimeOffset[] times, TInput[] inputs)
    {
        var results = new TResult[inputs.Length];
        for (var i = 0; i < inputs.Length; i++)
            results[i] = indicator.Update(times[i], inputs[i]);
        return results;
    }

    /// <summary>Relative 1e-9, or absolute 1e-12 near zero.</summary>
    protected static bool Close(double expected, double actual) =>
        Math.Abs(actual - expected) <= Math.Max(1e-12, 1e-9 * Math.Abs(expected));

    [Fact]
    public void Name_states_the_indicator_and_its_parameters() => Assert.Equal(ExpectedName, Create().Name);

    [Fact]
    public void Results_have_exactly_the_reference_fields()
    {
        var fields = Create().Current.FieldNames;
        Assert.Equal(Rows[0].Keys.Order(StringComparer.Ordinal), fields.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Every_row_matches_the_reference_within_1e_9_relative()
    {
        var results = Create().Batch(ReferenceData.Times, Inputs);
        Assert.Equal(Rows.Count, results.Length);
        for (var i = 0; i < results.Length; i++)
        {
            Assert.Equal(ReferenceData.Times[i], results[i].Time);
            var fields = results[i].FieldNames;
            for (var f = 0; f < fields.Count; f++)
            {
                var expected = Rows[i][fields[f]];
                var actual = results[i][f];
                if (expected is null || actual is null)
                    continue;
                Assert.True(Close(expected.Value, actual.Value), $"row {i} ({Timestamp(results[i].Time)}) {fields[f]}: expected {expected:R}, got {actual:R}");
            }
        }
    }

    [Fact]
    public void Warm_up_values_are_null_exactly_where_the_reference_has_nulls()
    {
        var results = Create().Batch(ReferenceData.Times, Inputs);
        for (var i = 0; i < results.Length; i++)
        {
            var fields = results[i].FieldNames;
            for (var f = 0; f < fields.Count; f++)
                Assert.True(Rows[i][fields[f]] is null == results[i][f] is null, $"row {i} {fields[f]}: expected {Rows[i][fields[f]]?.ToString("R") ?? "null"}, got {results[i][f]?.ToString("R") ?? "null"}");
        }
    }

    [Fact]
    public void IsReady_turns_true_after_WarmUpPeriod_inputs_when_the_main_value_appears()
    {
        var indicator = Create();
        var main = indicator.Current.FieldNames.ToList().IndexOf(MainField);
        Assert.False(indicator.IsReady);
        var firstValue = Rows.Select((r, i) => (r, i)).First(x => x.r[MainField] is not null).i;
        Assert.Equal(firstValue + 1, indicator.WarmUpPeriod);
        for (var i = 0; i < Inputs.Length; i++)
        {
            var result = indicator.Update(ReferenceData.Times[i], Inputs[i]);
            Assert.Equal(i + 1 >= indicator.WarmUpPeriod, indicator.IsReady);
            Assert.Equal(indicator.IsReady, result[main] is not null);
            Assert.Equal(i + 1, indicator.Samples);
            Assert.Equal(result, indicator.Current);
        }
    }

    [Fact]
    public void Streaming_equals_batch_on_the_reference_data()
    {
        var batch = Create().Batch(ReferenceData.Times, Inputs);
        var streamed = Stream(Create(), ReferenceData.Times, Inputs);
        Assert.Equal(batch, streamed);
    }

    [Fact]
    public void Streaming_equals_batch_on_random_series()
    {
        var reused = Create();
        RandomInput.Array[0, 300].Sample(inputs =>
        {
            var times = TimesFor(inputs.Length);
            var streamed = Stream(Create(), times, inputs);
            // Batch on a used instance must start over by itself (one thread: the instance is shared).
            var batch = reused.Batch(times, inputs);
            Assert.Equal(streamed, batch);
        }, iter: 200, threads: 1);
    }

    [Fact]
    public void Random_series_give_finite_numbers_or_nulls()
    {
        RandomInput.Array[1, 200].Sample(inputs =>
        {
            foreach (var r in Create().Batch(TimesFor(inputs.Length), inputs))
            {
                for (var f = 0; f < r.FieldNames.Count; f++)
                    Assert.True(r[f] is null || double.IsFinite(r[f]!.Value), $"{r.FieldNames[f]} = {r[f]}");
            }
        }, iter: 100);
    }

    [Fact]
    public void Reset_makes_the_indicator_as_good_as_new()
    {
        var indicator = Create();
        var inputs = Inputs;
        Stream(indicator, ReferenceData.Times, inputs[..(inputs.Length / 2)]);
        indicator.Reset();
        Assert.False(indicator.IsReady);
        Assert.Equal(0, indicator.Samples);
        Assert.Null(indicator.LastTime);
        Assert.Equal(default, indicator.Current);
        // Earlier times are accepted again after a reset.
        var again = Stream(indicator, ReferenceData.Times, inputs);
        Assert.Equal(Create().Batch(ReferenceData.Times, inputs), again);
    }

    [Fact]
    public void An_older_or_duplicate_time_is_rejected_and_changes_nothing()
    {
        var inputs = Inputs;
        var times = ReferenceData.Times;
        var indicator = Create();
        Stream(indicator, times, inputs[..60]);
        var before = indicator.Current;

        var duplicate = Assert.Throws<ArgumentOutOfRangeException>(() => indicator.Update(times[59], inputs[60]));
        Assert.Equal("time", duplicate.ParamName);
        Assert.Contains("not after the last accepted time", duplicate.Message, StringComparison.Ordinal);
        var older = Assert.Throws<ArgumentOutOfRangeException>(() => indicator.Update(times[10], inputs[60]));
        Assert.Equal("time", older.ParamName);
        // The same instant in another offset is the same time.
        Assert.Throws<ArgumentOutOfRangeException>(() => indicator.Update(times[59].ToOffset(TimeSpan.FromHours(5)), inputs[60]));

        Assert.Equal(before, indicator.Current);
        Assert.Equal(60, indicator.Samples);
        Assert.Equal(times[59], indicator.LastTime);
        var rest = Stream(indicator, times[60..], inputs[60..]);
        Assert.Equal(Create().Batch(times, inputs)[60..], rest);
    }

    [Fact]
    public void Bad_input_is_rejected_naming_the_parameter_and_changes_nothing()
    {
        var inputs = Inputs;
        var times = ReferenceData.Times;
        var expected = Create().Batch(times, inputs);
        Assert.NotEmpty(BadInputs);
        foreach (var (bad, parameter) in BadInputs)
        {
            var indicator = Create();
            Stream(indicator, times, inputs[..60]);
            var e = Assert.ThrowsAny<ArgumentException>(() => indicator.Update(times[60], bad));
            Assert.Equal(parameter, e.ParamName);
            Assert.Contains(parameter, e.Message, StringComparison.Ordinal);
            Assert.Equal(60, indicator.Samples);
            Assert.Equal(expected[60..], Stream(indicator, times[60..], inputs[60..]));
        }
    }

    [Fact]
    public void Bad_parameters_throw_ArgumentException_naming_the_parameter()
    {
        if (!BadParameters.Any())
        {
            // Only an indicator without parameters may have no bad ones.
            Assert.All(Create().GetType().GetConstructors(), c => Assert.Empty(c.GetParameters()));
            return;
        }
        foreach (var (construct, parameter) in BadParameters)
        {
            var e = Assert.ThrowsAny<ArgumentException>(construct);
            Assert.Equal(parameter, e.ParamName);
        }
    }

    [Fact]
    public void Batch_rejects_times_and_inputs_of_different_lengths()
    {
        var e = Assert.Throws<ArgumentException>(() => Create().Batch(ReferenceData.Times[..10], Inputs[..9]));
        Assert.Equal("times", e.ParamName);
    }

    [Fact]
    public void A_streaming_update_allocates_nothing()
    {
        var indicator = Create();
        var inputs = Inputs;
        var times = ReferenceData.Times;
        for (var i = 0; i < 100; i++)
            indicator.Update(times[i], inputs[i]);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 100; i < inputs.Length; i++)
            indicator.Update(times[i], inputs[i]);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
