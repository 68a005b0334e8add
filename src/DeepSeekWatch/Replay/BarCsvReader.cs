using System.Globalization;

namespace DeepSeekWatch.Replay;

/// <summary>One row of a bars CSV. <see cref="Time"/> is the bar's open time (UTC), or midnight UTC of the date for date-only rows.</summary>
internal readonly record struct CsvBar(
    int LineNumber,
    string? Symbol,
    DateTimeOffset Time,
    bool DateOnly,
    decimal Open,
    decimal High,
    decimal Low,
    decimal Close,
    long Volume);

/// <summary>A malformed bars CSV: the message names the file and the line.</summary>
internal sealed class CsvFormatException(string message) : FormatException(message);

/// <summary>
/// Reads bars CSV files: a header naming <c>date</c> (or <c>time</c>), <c>open</c>, <c>high</c>, <c>low</c>,
/// <c>close</c>, <c>volume</c>, optionally <c>symbol</c>, in any order and any case. Dates are
/// <c>yyyy-MM-dd</c>; times are ISO-8601 with an offset (<c>2025-01-27T14:30:00Z</c>).
/// A row that does not parse, or has a non-positive or non-finite price, <c>high &lt; low</c> or a negative
/// volume, throws <see cref="CsvFormatException"/> with its line number.
/// </summary>
internal static class BarCsvReader
{
    public static List<CsvBar> ReadFile(string path)
    {
        using var reader = new StreamReader(path);
        return Read(reader, path);
    }

    public static List<CsvBar> Read(TextReader reader, string name)
    {
        var header = reader.ReadLine() ?? throw new CsvFormatException($"{name}: the file is empty; expected a header 'date,open,high,low,close,volume'");
        var columns = header.Split(',').Select(c => c.Trim().Trim('"').ToLowerInvariant()).ToArray();
        int Col(string n) => Array.IndexOf(columns, n);
        var date = Col("date") >= 0 ? Col("date") : Col("time");
        int open = Col("open"), high = Col("high"), low = Col("low"), close = Col("close"), volume = Col("volume"), symbol = Col("symbol");
        var missing = new[] { ("date", date), ("open", open), ("high", high), ("low", low), ("close", close), ("volume", volume) }
            .Where(c => c.Item2 < 0).Select(c => c.Item1).ToList();
        if (missing.Count > 0)
            throw new CsvFormatException($"{name}:1: header lacks column(s) {string.Join(", ", missing)}; expected 'date,open,high,low,close,volume'");

        var bars = new List<CsvBar>();
        var lineNumber = 1;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
                continue;
            var cells = line.Split(',');
            if (cells.Length < columns.Length)
                throw new CsvFormatException($"{name}:{lineNumber}: expected {columns.Length} columns, found {cells.Length}");
            var (time, dateOnly) = ParseTime(cells[date].Trim(), name, lineNumber);
            var bar = new CsvBar(
                lineNumber,
                symbol >= 0 ? cells[symbol].Trim() : null,
                time,
                dateOnly,
                Price(cells[open], "open"),
                Price(cells[high], "high"),
                Price(cells[low], "low"),
                Price(cells[close], "close"),
                Volume(cells[volume]));
            if (bar.High < bar.Low)
                throw new CsvFormatException($"{name}:{lineNumber}: high {bar.High} is below low {bar.Low}");
            bars.Add(bar);
        }
        return bars;

        decimal Price(string cell, string column)
        {
            if (!double.TryParse(cell.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) || !double.IsFinite(d))
                throw new CsvFormatException($"{name}:{lineNumber}: {column} '{cell.Trim()}' is not a number");
            if (d <= 0)
                throw new CsvFormatException($"{name}:{lineNumber}: {column} {cell.Trim()} is not a positive price");
            return decimal.Parse(cell.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture);
        }

        long Volume(string cell)
        {
            if (!double.TryParse(cell.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) || !double.IsFinite(d) || d != Math.Floor(d) || d > long.MaxValue)
                throw new CsvFormatException($"{name}:{lineNumber}: volume '{cell.Trim()}' is not a whole number");
            if (d < 0)
                throw new CsvFormatException($"{name}:{lineNumber}: volume {cell.Trim()} is negative");
            return (long)d;
        }
    }

    private static (DateTimeOffset Time, bool DateOnly) ParseTime(string cell, string name, int lineNumber)
    {
        if (System.DateOnly.TryParseExact(cell, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
            return (new DateTimeOffset(d.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero), true);
        if (TapeTime.TryParse(cell, out var t))
            return (t, false);
        throw new CsvFormatException($"{name}:{lineNumber}: '{cell}' is neither a date (yyyy-MM-dd) nor an ISO-8601 time with an offset");
    }
}
