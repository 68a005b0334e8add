using System.Globalization;
using System.Reflection;
using System.Text.Json;
using DeepSeekWatch.Hosting;

namespace DeepSeekWatch.Tests.Analysis;

public sealed class IndicatorsCommandTests : IDisposable
{
    private static readonly string Reference = Path.Combine(
        typeof(IndicatorsCommandTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepoRoot").Value!,
        "..", "shared", "reference", "indicators");

    private static readonly string DefaultCsv = Path.Combine(Reference, "default.csv");
    private static readonly string CompareCsv = Path.Combine(Reference, "compare.csv");

    private readonly string _temp = Directory.CreateTempSubdirectory("dsw-indicators-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    private static async Task<(int Exit, string Out, string Err)> Run(params string[] args)
    {
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        using var error = new StringWriter(CultureInfo.InvariantCulture);
        var exit = await CommandLine.RunAsync(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    private string TempCsv(string name, params string[] lines)
    {
        var path = Path.Combine(_temp, name);
        File.WriteAllLines(path, lines);
        return path;
    }

    [Theory]
    [InlineData("sma:20", "sma.json", false)]
    [InlineData("ema:20", "ema.json", false)]
    [InlineData("rsi:14", "rsi.json", false)]
    [InlineData("bb:20,2", "bb.json", false)]
    [InlineData("atr:14", "atr.json", false)]
    [InlineData("stdev:14", "stdev.json", false)]
    [InlineData("beta:50", "beta.json", true)]
    public async Task Json_output_reproduces_the_reference_baseline(string spec, string baseline, bool withMarket)
    {
        string[] args = withMarket
            ? ["indicators", CompareCsv, "--indicator", spec, "--market", DefaultCsv, "--format", "json"]
            : ["indicators", DefaultCsv, "--indicator", spec, "--format", "json"];
        var (exit, output, error) = await Run(args);
        Assert.Equal(0, exit);
        Assert.Equal("", error);

        using var got = JsonDocument.Parse(output);
        using var expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(Reference, baseline)));
        var gotRows = got.RootElement.EnumerateArray().ToList();
        var expectedRows = expected.RootElement.EnumerateArray().ToList();
        Assert.Equal(expectedRows.Count, gotRows.Count);
        for (var i = 0; i < gotRows.Count; i++)
        {
            var g = gotRows[i].EnumerateObject().ToDictionary(p => p.Name, p => p.Value);
            var e = expectedRows[i].EnumerateObject().ToDictionary(p => p.Name, p => p.Value);
            Assert.Equal(e.Keys.Order(StringComparer.Ordinal), g.Keys.Order(StringComparer.Ordinal));
            Assert.Equal(e["timestamp"].GetString(), g["timestamp"].GetString());
            foreach (var (key, value) in e.Where(p => p.Key != "timestamp"))
            {
                Assert.True(value.ValueKind == JsonValueKind.Null == (g[key].ValueKind == JsonValueKind.Null), $"row {i} {key}: {g[key]} vs {value}");
                if (value.ValueKind == JsonValueKind.Null)
                    continue;
                double ev = value.GetDouble(), gv = g[key].GetDouble();
                Assert.True(Math.Abs(gv - ev) <= Math.Max(1e-12, 1e-9 * Math.Abs(ev)), $"row {i} {key}: {gv:R} vs {ev:R}");
            }
        }
    }

    [Theory]
    [InlineData("sma", "sma")]
    [InlineData("ema", "ema")]
    [InlineData("rsi", "rsi")]
    [InlineData("macd", "macd,signal,histogram,fastEma,slowEma")]
    [InlineData("macd:12,26,9", "macd,signal,histogram,fastEma,slowEma")]
    [InlineData("bb", "sma,upperBand,lowerBand,percentB,zScore,width")]
    [InlineData("atr", "tr,atr,atrp")]
    [InlineData("stdev", "stdDev,mean,zScore")]
    [InlineData("roc:14", "momentum,roc")]
    [InlineData("keltner:20,2,10", "upperBand,centerline,lowerBand,width")]
    [InlineData("obv", "obv")]
    [InlineData("vwap", "vwap")]
    [InlineData("returns:20", "return,mean,stdDev,zScore,priorZScore")]
    [InlineData("minmax:20", "min,max")]
    public async Task Csv_output_has_a_header_of_the_fields_and_one_row_per_bar(string spec, string fields)
    {
        var (exit, output, error) = await Run("indicators", DefaultCsv, "--indicator", spec, "--format", "csv");
        Assert.Equal(0, exit);
        Assert.Equal("", error);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("timestamp," + fields, lines[0]);
        Assert.Equal(503, lines.Length);
        Assert.StartsWith("2017-01-03T00:00:00,", lines[1], StringComparison.Ordinal);
        Assert.StartsWith("2018-12-31T00:00:00,", lines[^1], StringComparison.Ordinal);
        // The last row is past every warm-up: every field has a number.
        Assert.All(lines[^1].Split(',').Skip(1), cell => double.Parse(cell, CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Correlation_takes_the_market_as_series_A_and_prints_its_fields()
    {
        var (exit, output, _) = await Run("indicators", CompareCsv, "--indicator", "corr:20", "--market", DefaultCsv);
        Assert.Equal(0, exit);
        var rows = JsonDocument.Parse(output).RootElement.EnumerateArray().ToList();
        Assert.Equal(502, rows.Count);
        Assert.Equal(JsonValueKind.Null, rows[18].GetProperty("correlation").ValueKind);
        // Published sample value of Stock Indicators for .NET (default.csv against compare.csv, 20 periods).
        Assert.Equal(0.6933, rows[19].GetProperty("correlation").GetDouble(), 0.00005);
        Assert.Equal(["timestamp", "varianceA", "varianceB", "covariance", "correlation", "rSquared"], rows[19].EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task Json_is_the_default_format() =>
        Assert.Equal(JsonValueKind.Array, JsonDocument.Parse((await Run("indicators", DefaultCsv, "-i", "sma:5")).Out).RootElement.ValueKind);

    public static TheoryData<string[], string> BadArguments => new()
    {
        { ["indicators", DefaultCsv, "--indicator", "foo:3"], "unknown indicator 'foo'" },
        { ["indicators", DefaultCsv, "--indicator", "sma:0"], "period must be at least 1" },
        { ["indicators", DefaultCsv, "--indicator", "sma:x"], "'x' is not a whole number" },
        { ["indicators", DefaultCsv, "--indicator", "bb:20,-2"], "standardDeviations must be a positive" },
        { ["indicators", DefaultCsv, "--indicator", "macd:26,12,9"], "slowPeriod must be greater than fastPeriod" },
        { ["indicators", DefaultCsv, "--indicator", "sma:5,6"], "takes at most 1 parameter" },
        { ["indicators", DefaultCsv], "--indicator" },
        { ["indicators", DefaultCsv, "--indicator", "sma", "--format", "xml"], "--format must be json or csv" },
        { ["indicators", DefaultCsv, "--indicator", "beta:50"], "needs --market" },
        { ["indicators", DefaultCsv, "--indicator", "sma", "--market", CompareCsv], "takes no --market" },
        { ["indicators", "/no/such/bars.csv", "--indicator", "sma"], "/no/such/bars.csv" },
        { ["indicators", DefaultCsv, "--indicator", "beta", "--market", "/no/such/market.csv"], "/no/such/market.csv" },
    };

    [Theory]
    [MemberData(nameof(BadArguments))]
    public async Task Bad_arguments_give_a_clear_error_and_exit_code_2(string[] args, string message)
    {
        var (exit, output, error) = await Run(args);
        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.StartsWith("error: ", error, StringComparison.Ordinal);
        Assert.Contains(message, error.Split('\n')[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_row_is_reported_with_its_line_number_and_exit_code_2()
    {
        var csv = TempCsv("bad.csv", "date,open,high,low,close,volume", "2025-01-02,1,2,0.5,1.5,100", "2025-01-03,1,2,0.5,abc,100");
        var (exit, output, error) = await Run("indicators", csv, "--indicator", "sma:1");
        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.Contains("bad.csv:3", error, StringComparison.Ordinal);
        Assert.Contains("close", error, StringComparison.Ordinal);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Bars_out_of_time_order_are_rejected_naming_the_line()
    {
        var csv = TempCsv("order.csv", "date,open,high,low,close,volume", "2025-01-03,1,2,0.5,1.5,100", "2025-01-02,1,2,0.5,1.5,100");
        var (exit, _, error) = await Run("indicators", csv, "--indicator", "sma:1");
        Assert.Equal(2, exit);
        Assert.Contains("order.csv:3", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_market_file_with_other_dates_is_rejected_naming_the_line()
    {
        var evaluated = TempCsv("eval.csv", "date,open,high,low,close,volume", "2025-01-02,1,2,0.5,1.5,100", "2025-01-03,1,2,0.5,1.5,100");
        var market = TempCsv("market.csv", "date,open,high,low,close,volume", "2025-01-02,1,2,0.5,1.5,100", "2025-01-06,1,2,0.5,1.5,100");
        var (exit, _, error) = await Run("indicators", evaluated, "--indicator", "corr:2", "--market", market);
        Assert.Equal(2, exit);
        Assert.Contains("market.csv:3", error, StringComparison.Ordinal);

        var shorter = TempCsv("short.csv", "date,open,high,low,close,volume", "2025-01-02,1,2,0.5,1.5,100");
        (exit, _, error) = await Run("indicators", evaluated, "--indicator", "beta:1", "--market", shorter);
        Assert.Equal(2, exit);
        Assert.Contains("same dates", error, StringComparison.Ordinal);
    }
}
