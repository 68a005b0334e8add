using System.Globalization;
using System.Reflection;
using System.Text.Json;

namespace DeepSeekWatch.Indicators.Tests;

/// <summary>The reference bars and baselines of ../shared/reference/indicators (Stock Indicators for .NET's regression data).</summary>
internal static class ReferenceData
{
    public static readonly string Directory = Path.Combine(
        typeof(ReferenceData).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepoRoot").Value!,
        "..", "shared", "reference", "indicators");

    private static readonly Lazy<(DateTimeOffset[] Times, Bar[] Bars)> DefaultSeries = new(() => ReadBars("default.csv"));
    private static readonly Lazy<(DateTimeOffset[] Times, Bar[] Bars)> CompareSeries = new(() => ReadBars("compare.csv"));

    public static DateTimeOffset[] Times => DefaultSeries.Value.Times;

    public static Bar[] Bars => DefaultSeries.Value.Bars;

    public static double[] Closes => Bars.Select(b => b.Close).ToArray();

    /// <summary>(evaluated = compare.csv close, market = default.csv close) per date.</summary>
    public static PricePair[] Pairs
    {
        get
        {
            var (times, compare) = CompareSeries.Value;
            Assert.Equal(Times, times);
            return compare.Zip(Bars, (c, d) => new PricePair(c.Close, d.Close)).ToArray();
        }
    }

    /// <summary>One baseline: the timestamp and the named fields of every row.</summary>
    public static (string[] Timestamps, IReadOnlyList<Dictionary<string, double?>> Rows) Baseline(string file)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Directory, file)));
        var timestamps = new List<string>();
        var rows = new List<Dictionary<string, double?>>();
        foreach (var row in doc.RootElement.EnumerateArray())
        {
            var fields = new Dictionary<string, double?>();
            foreach (var p in row.EnumerateObject())
            {
                if (p.Name == "timestamp")
                    timestamps.Add(p.Value.GetString()!);
                else
                    fields[p.Name] = p.Value.ValueKind == JsonValueKind.Null ? null : p.Value.GetDouble();
            }
            rows.Add(fields);
        }
        return (timestamps.ToArray(), rows);
    }

    private static (DateTimeOffset[] Times, Bar[] Bars) ReadBars(string file)
    {
        var lines = File.ReadAllLines(Path.Combine(Directory, file));
        Assert.Equal("date,open,high,low,close,volume", lines[0]);
        var times = new List<DateTimeOffset>();
        var bars = new List<Bar>();
        foreach (var line in lines.Skip(1).Where(l => l.Length > 0))
        {
            var c = line.Split(',');
            times.Add(new DateTimeOffset(DateTime.ParseExact(c[0], "yyyy-MM-dd", CultureInfo.InvariantCulture), TimeSpan.Zero));
            double D(int i) => double.Parse(c[i], CultureInfo.InvariantCulture);
            bars.Add(new Bar(D(1), D(2), D(3), D(4), D(5)));
        }
        return (times.ToArray(), bars.ToArray());
    }
}
