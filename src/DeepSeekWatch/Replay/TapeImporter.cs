using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using DeepSeekWatch.Contracts;
using DeepSeekWatch.Detection;

namespace DeepSeekWatch.Replay;

/// <summary>
/// Builds tape events from CSV files (contracts.md §3, <c>import</c>): bars as <c>date,open,high,low,close,volume</c>
/// (or <c>time,...</c> for intraday bars, bar open time), the symbol from a <c>symbol</c> column or the file name
/// (<c>NVDA.csv</c>, <c>NVDA_5m.csv</c>); headlines as <c>publishedAt,publisher,title,url</c> (other columns ignored,
/// <c>summary</c> and <c>tickers</c> — space- or semicolon-separated — used when present).
/// Daily bars open at 09:30 and close (their event time) at 16:00 America/New_York, as the contract says.
/// </summary>
internal static class TapeImporter
{
    private static readonly Dictionary<string, TimeSpan> Intervals = new(StringComparer.Ordinal)
    {
        ["1m"] = TimeSpan.FromMinutes(1),
        ["5m"] = TimeSpan.FromMinutes(5),
        ["15m"] = TimeSpan.FromMinutes(15),
        ["1h"] = TimeSpan.FromHours(1),
        ["1d"] = TimeSpan.FromDays(1),
    };

    public static List<TapeEvent> ImportBars(string path, string source, string? interval)
    {
        var rows = BarCsvReader.ReadFile(path);
        var fileSymbol = SymbolFromFileName(path);
        var events = new List<TapeEvent>(rows.Count);
        foreach (var bySymbol in rows.GroupBy(r => (r.Symbol is { Length: > 0 } s ? s : fileSymbol).ToUpperInvariant()))
        {
            var list = bySymbol.ToList();
            var iv = interval ?? InferInterval(list, path);
            if (!Intervals.ContainsKey(iv))
                throw new CsvFormatException($"{path}: interval '{iv}' is not one of {string.Join(", ", Intervals.Keys)}");
            foreach (var r in list)
            {
                if (r.DateOnly && iv != "1d")
                    throw new CsvFormatException($"{path}:{r.LineNumber}: a date-only row cannot be a {iv} bar");
                DateTimeOffset start, end;
                string id;
                if (iv == "1d")
                {
                    var day = DateOnly.FromDateTime(r.Time.UtcDateTime);
                    start = MarketClock.At(day, 9, 30);
                    end = MarketClock.At(day, 16);
                    id = $"bar-{bySymbol.Key}-1d-{day:yyyy-MM-dd}";
                }
                else
                {
                    start = r.Time;
                    end = start + Intervals[iv];
                    id = $"bar-{bySymbol.Key}-{iv}-{TapeTime.Format(start)}";
                }
                var bar = new PriceBarObserved(id, source, bySymbol.Key, iv, start, end, r.Open, r.High, r.Low, r.Close, r.Volume, Replay: false);
                events.Add(new TapeEvent.Bar(bar, r.LineNumber));
            }
        }
        return events;
    }

    public static List<TapeEvent> ImportHeadlines(string path, string source)
    {
        using var reader = new StreamReader(path);
        var header = reader.ReadLine() ?? throw new CsvFormatException($"{path}: the file is empty; expected a header 'publishedAt,publisher,title,url'");
        var columns = CsvLine.Split(header).Select(c => c.Trim()).ToList();
        int Col(string n) => columns.FindIndex(c => string.Equals(c, n, StringComparison.OrdinalIgnoreCase));
        int published = Col("publishedAt"), publisher = Col("publisher"), title = Col("title"), url = Col("url"), summary = Col("summary"), tickers = Col("tickers");
        var missing = new[] { ("publishedAt", published), ("publisher", publisher), ("title", title), ("url", url) }.Where(c => c.Item2 < 0).Select(c => c.Item1).ToList();
        if (missing.Count > 0)
            throw new CsvFormatException($"{path}:1: header lacks column(s) {string.Join(", ", missing)}; expected 'publishedAt,publisher,title,url'");
        var events = new List<TapeEvent>();
        var lineNumber = 1;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
                continue;
            List<string> cells;
            try
            {
                cells = CsvLine.Split(line);
            }
            catch (FormatException ex)
            {
                throw new CsvFormatException($"{path}:{lineNumber}: {ex.Message}");
            }
            if (cells.Count < columns.Count)
                throw new CsvFormatException($"{path}:{lineNumber}: expected {columns.Count} columns, found {cells.Count}");
            if (!TapeTime.TryParse(cells[published].Trim(), out var at))
                throw new CsvFormatException($"{path}:{lineNumber}: publishedAt '{cells[published]}' is not an ISO-8601 time with an offset");
            string Cell(int i, string name) => cells[i].Trim() is { Length: > 0 } v ? v : throw new CsvFormatException($"{path}:{lineNumber}: {name} is empty");
            var t = Cell(title, "title");
            var u = Cell(url, "url");
            var id = "hl-" + Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(u + t)))[..16];
            var tags = tickers >= 0 ? cells[tickers].Split([' ', ';', '|'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => s.ToUpperInvariant()).ToList() : [];
            var headline = new HeadlineObserved(id, source, t, u, Cell(publisher, "publisher"), at, summary >= 0 && cells[summary].Trim().Length > 0 ? cells[summary].Trim() : null, tags, Replay: false);
            events.Add(new TapeEvent.Headline(headline, lineNumber));
        }
        return events;
    }

    /// <summary><c>NVDA.csv</c> → NVDA; <c>NVDA_5m.csv</c> → NVDA.</summary>
    public static string SymbolFromFileName(string path) => Path.GetFileNameWithoutExtension(path).Split('_')[0].ToUpperInvariant();

    private static string InferInterval(List<CsvBar> rows, string path)
    {
        if (rows.All(r => r.DateOnly))
            return "1d";
        var smallest = TimeSpan.MaxValue;
        for (var i = 1; i < rows.Count; i++)
        {
            var gap = rows[i].Time - rows[i - 1].Time;
            if (gap > TimeSpan.Zero && gap < smallest)
                smallest = gap;
        }
        foreach (var (name, span) in Intervals)
        {
            if (span == smallest)
                return name;
        }
        throw new CsvFormatException($"{path}: cannot tell the bar interval from the rows (smallest spacing {(smallest == TimeSpan.MaxValue ? "unknown" : smallest.ToString())}); pass --interval");
    }

    public static IEnumerable<string> ExpandPaths(IEnumerable<string> paths) =>
        paths.SelectMany<string, string>(p => Directory.Exists(p) ? Directory.GetFiles(p, "*.csv").Order(StringComparer.Ordinal) : [p]);

    public static string FormatCount(int n) => n.ToString("N0", CultureInfo.InvariantCulture);
}
