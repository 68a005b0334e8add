using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using DeepSeekWatch.Indicators;

namespace DeepSeekWatch.Analysis;

/// <summary>One parsed indicator, ready to run over the bars of a file (and of a market file for beta and correlation).</summary>
internal abstract class IndicatorRun
{
    public abstract string Name { get; }

    public abstract bool NeedsMarket { get; }

    public abstract void Write(DateTimeOffset[] times, Bar[] bars, Bar[]? market, TextWriter output, bool csv);
}

internal sealed class IndicatorRun<TInput, TResult>(
    Indicator<TInput, TResult> indicator,
    Func<Bar[], Bar[]?, TInput[]> inputs,
    bool needsMarket) : IndicatorRun
    where TInput : struct
    where TResult : struct, IIndicatorResult
{
    public override string Name => indicator.Name;

    public override bool NeedsMarket => needsMarket;

    public override void Write(DateTimeOffset[] times, Bar[] bars, Bar[]? market, TextWriter output, bool csv)
    {
        var results = indicator.Batch(times, inputs(bars, market));
        if (csv)
            WriteCsv(results, output);
        else
            WriteJson(results, output);
    }

    private static string Timestamp(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);

    private static void WriteJson(TResult[] results, TextWriter output)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartArray();
            foreach (var r in results)
            {
                json.WriteStartObject();
                json.WriteString("timestamp", Timestamp(r.Time));
                for (var f = 0; f < r.FieldNames.Count; f++)
                {
                    if (r[f] is { } value)
                        json.WriteNumber(r.FieldNames[f], value);
                    else
                        json.WriteNull(r.FieldNames[f]);
                }
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        output.WriteLine(Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    private static void WriteCsv(TResult[] results, TextWriter output)
    {
        var names = default(TResult).FieldNames;
        output.WriteLine("timestamp," + string.Join(',', names));
        var line = new StringBuilder();
        foreach (var r in results)
        {
            line.Clear().Append(Timestamp(r.Time));
            for (var f = 0; f < names.Count; f++)
                line.Append(',').Append(r[f]?.ToString("R", CultureInfo.InvariantCulture));
            output.WriteLine(line.ToString());
        }
    }
}
