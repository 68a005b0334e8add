using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using DeepSeekWatch.Contracts;

namespace DeepSeekWatch.Replay;

/// <summary>A tape line that was skipped, with its 1-based line number and why.</summary>
public sealed record TapeProblem(int LineNumber, string Reason)
{
    public override string ToString() => $"line {LineNumber}: {Reason}";
}

/// <summary>The first bad line of a tape read with <c>strict</c>.</summary>
public sealed class TapeFormatException(TapeProblem problem) : FormatException($"tape {problem}")
{
    public TapeProblem Problem { get; } = problem;
}

/// <summary>What a tape held: its events sorted stably by time, the lines skipped, and the unknown event types counted.</summary>
public sealed record TapeContents(
    IReadOnlyList<TapeEvent> Events,
    IReadOnlyList<TapeProblem> Problems,
    IReadOnlyDictionary<string, int> UnknownTypes)
{
    public int UnknownCount => UnknownTypes.Values.Sum();
}

/// <summary>
/// Reads a tape (contracts.md §1) with its reading rules: a line that is not valid JSON, lacks a required field or
/// carries an impossible value (non-positive or non-finite price, high &lt; low, negative volume) is skipped and reported
/// with its line number; an unknown <c>type</c> is counted and skipped; with <c>strict</c> the first bad line throws
/// <see cref="TapeFormatException"/>. Events are sorted stably by <c>time</c>. <c>.gz</c> tapes are recognised by
/// their magic bytes, whatever their name.
/// </summary>
public static class TapeReader
{
    private static readonly HashSet<string> Intervals = ["1m", "5m", "15m", "1h", "1d"];

    public static TapeContents ReadFile(string path, bool strict = false, bool replay = true)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return Read(file, strict, replay);
    }

    public static TapeContents Read(Stream stream, bool strict = false, bool replay = true)
    {
        var input = IsGzip(stream) ? new GZipStream(stream, CompressionMode.Decompress, leaveOpen: true) : stream;
        using var reader = new StreamReader(input, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16, leaveOpen: true);
        var events = new List<TapeEvent>();
        var problems = new List<TapeProblem>();
        var unknown = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
                continue;
            var result = ParseLine(line, lineNumber, replay);
            switch (result)
            {
                case { Event: { } e }:
                    events.Add(e);
                    break;
                case { UnknownType: { } type }:
                    unknown[type] = unknown.GetValueOrDefault(type) + 1;
                    break;
                case { Problem: { } p }:
                    if (strict)
                        throw new TapeFormatException(p);
                    problems.Add(p);
                    break;
            }
        }
        if (input != stream)
            input.Dispose();
        // List.Sort is not stable; order by (time, position in the file) instead.
        var sorted = events.Select((e, i) => (e, i)).OrderBy(x => x.e.Time).ThenBy(x => x.i).Select(x => x.e).ToList();
        return new TapeContents(sorted, problems, unknown);
    }

    private static bool IsGzip(Stream stream)
    {
        if (!stream.CanSeek)
            return false;
        var start = stream.Position;
        Span<byte> magic = stackalloc byte[2];
        var n = stream.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        stream.Position = start;
        return n == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    }

    internal readonly record struct LineResult(TapeEvent? Event, string? UnknownType, TapeProblem? Problem);

    internal static LineResult ParseLine(string line, int lineNumber, bool replay)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(line);
        }
        catch (JsonException ex)
        {
            return Bad($"not valid JSON ({ex.Message.Split('.')[0]})");
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                return Bad("not a JSON object");
            if (!Str(root, "specversion", out var specversion, out var err))
                return Bad(err);
            if (specversion != "1.0")
                return Bad($"specversion '{specversion}' is not 1.0");
            if (!Str(root, "id", out var id, out err) || !Str(root, "source", out var source, out err) || !Str(root, "type", out var type, out err))
                return Bad(err);
            if (!Str(root, "time", out var timeText, out err))
                return Bad(err);
            if (!TapeTime.TryParse(timeText, out var time))
                return Bad($"time '{timeText}' is not an ISO-8601 time with an offset");
            if (root.TryGetProperty("datacontenttype", out var ct) && (ct.ValueKind != JsonValueKind.String || !ct.GetString()!.StartsWith("application/json", StringComparison.OrdinalIgnoreCase)))
                return Bad("datacontenttype is not application/json");
            if (type is not (TapeEventTypes.PriceBar or TapeEventTypes.Headline))
                return new LineResult(null, type, null);
            if (!root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object)
                return Bad("lacks the object field 'data'");
            return type == TapeEventTypes.PriceBar ? ParseBar(data, id, source, time) : ParseHeadline(data, id, source);
        }

        LineResult ParseBar(JsonElement data, string id, string source, DateTimeOffset time)
        {
            if (!Str(data, "symbol", out var symbol, out var err) || !Str(data, "interval", out var interval, out err) || !Str(data, "start", out var startText, out err))
                return Bad("data." + err);
            if (!Intervals.Contains(interval))
                return Bad($"data.interval '{interval}' is not one of 1m, 5m, 15m, 1h, 1d");
            if (!TapeTime.TryParse(startText, out var start))
                return Bad($"data.start '{startText}' is not an ISO-8601 time with an offset");
            if (time <= start)
                return Bad($"time {TapeTime.Format(time)} is not after the bar's start {startText}");
            if (!Price(data, "open", out var open, out err) || !Price(data, "high", out var high, out err) || !Price(data, "low", out var low, out err) || !Price(data, "close", out var close, out err))
                return Bad(err);
            if (high < low)
                return Bad($"data.high {high} is below data.low {low}");
            if (!data.TryGetProperty("volume", out var v) || v.ValueKind != JsonValueKind.Number)
                return Bad("data lacks the number 'volume'");
            if (!v.TryGetDecimal(out var volume) || volume != decimal.Truncate(volume) || volume > long.MaxValue)
                return Bad($"data.volume {v.GetRawText()} is not a whole number");
            if (volume < 0)
                return Bad($"data.volume {volume} is negative");
            var bar = new PriceBarObserved(id, source, symbol.Trim().ToUpperInvariant(), interval, start, time, open, high, low, close, (long)volume, replay);
            return new LineResult(new TapeEvent.Bar(bar, lineNumber), null, null);
        }

        LineResult ParseHeadline(JsonElement data, string id, string source)
        {
            if (!Str(data, "title", out var title, out var err) || !Str(data, "url", out var url, out err) || !Str(data, "publisher", out var publisher, out err) || !Str(data, "publishedAt", out var publishedText, out err))
                return Bad("data." + err);
            if (!TapeTime.TryParse(publishedText, out var publishedAt))
                return Bad($"data.publishedAt '{publishedText}' is not an ISO-8601 time with an offset");
            string? summary = null;
            if (data.TryGetProperty("summary", out var s) && s.ValueKind != JsonValueKind.Null)
            {
                if (s.ValueKind != JsonValueKind.String)
                    return Bad("data.summary is not a string");
                summary = s.GetString();
            }
            var tickers = new List<string>();
            if (data.TryGetProperty("tickers", out var t) && t.ValueKind != JsonValueKind.Null)
            {
                if (t.ValueKind != JsonValueKind.Array)
                    return Bad("data.tickers is not an array");
                foreach (var item in t.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(item.GetString()))
                        return Bad("data.tickers holds something other than symbols");
                    tickers.Add(item.GetString()!.Trim().ToUpperInvariant());
                }
            }
            var headline = new HeadlineObserved(id, source, title, url, publisher, publishedAt, summary, tickers, replay);
            return new LineResult(new TapeEvent.Headline(headline, lineNumber), null, null);
        }

        LineResult Bad(string reason) => new(null, null, new TapeProblem(lineNumber, reason));

    }

    private static bool Str(JsonElement obj, string name, out string value, out string error)
    {
        value = "";
        error = "";
        if (!obj.TryGetProperty(name, out var p) || p.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(p.GetString()))
        {
            error = $"lacks the string field '{name}'";
            return false;
        }
        value = p.GetString()!;
        return true;
    }

    private static bool Price(JsonElement obj, string name, out decimal value, out string error)
    {
        value = 0;
        error = "";
        if (!obj.TryGetProperty(name, out var p))
        {
            error = $"data lacks the price '{name}'";
            return false;
        }
        // Non-finite values cannot be JSON numbers; a writer that emits them as strings ("NaN", "Infinity") is caught here.
        if (p.ValueKind != JsonValueKind.Number || !p.TryGetDecimal(out value))
        {
            error = $"data.{name} {p.GetRawText()} is not a finite number";
            return false;
        }
        if (value <= 0)
        {
            error = $"data.{name} {value.ToString(CultureInfo.InvariantCulture)} is not a positive price";
            return false;
        }
        return true;
    }
}
