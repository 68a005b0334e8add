using System.Diagnostics;
using DeepSeekWatch.Replay;
using DeepSeekWatch.Tests.Support;

namespace DeepSeekWatch.Tests.Replay;

public class ImportCommandTests
{
    private static string Daily => Path.Combine(Repo.Shared, "reference", "market", "daily");

    private static string Headlines => Path.Combine(Repo.Shared, "reference", "market", "headlines.csv");

    [Fact]
    public async Task Import_writes_the_same_events_as_the_independent_tape_builder()
    {
        var ours = Repo.TempFile("ours.jsonl");
        var result = await Cli.RunAsync("import", "--bars", Daily, "--headlines", Headlines, "--out", ours);
        Assert.True(result.ExitCode == 0, result.ToString());

        var theirs = Repo.TempFile("theirs.jsonl");
        var python = Process.Start(new ProcessStartInfo("python3", [Path.Combine(Repo.Shared, "tools", "build_tape.py"), theirs, "--daily", Daily, "--headlines", Headlines]) { RedirectStandardOutput = true })!;
        await python.WaitForExitAsync();
        Assert.Equal(0, python.ExitCode);

        var a = TapeReader.ReadFile(ours);
        var b = TapeReader.ReadFile(theirs);
        Assert.Empty(a.Problems);
        Assert.Equal(b.Events.Count, a.Events.Count);
        Assert.Equal(b.Events.Select(Key).Order(), a.Events.Select(Key).Order());

        static string Key(TapeEvent e) => e switch
        {
            TapeEvent.Bar x => $"{x.Value.EventId}|{x.Value.Symbol}|{x.Value.Interval}|{x.Value.Start:O}|{x.Value.End:O}|{(double)x.Value.Open}|{(double)x.Value.High}|{(double)x.Value.Low}|{(double)x.Value.Close}|{x.Value.Volume}",
            TapeEvent.Headline x => $"{x.Value.EventId}|{x.Value.Title}|{x.Value.Url}|{x.Value.Publisher}|{x.Value.PublishedAt:O}",
            _ => "",
        };
    }

    [Fact]
    public async Task Intraday_files_get_their_interval_from_the_rows_and_their_symbol_from_the_name()
    {
        var output = Repo.TempFile("intraday.jsonl");
        var result = await Cli.RunAsync("import", "--bars", Path.Combine(Repo.Shared, "reference", "market", "intraday", "NVDA_5m.csv"), "--out", output);
        Assert.True(result.ExitCode == 0, result.ToString());
        var bars = TapeReader.ReadFile(output).Events.OfType<TapeEvent.Bar>().Select(b => b.Value).ToList();
        Assert.Equal(156, bars.Count);
        Assert.All(bars, b => Assert.Equal(("NVDA", "5m", TimeSpan.FromMinutes(5)), (b.Symbol, b.Interval, b.End - b.Start)));
    }

    [Fact]
    public async Task The_committed_sample_tape_is_what_import_builds_from_the_reference_data()
    {
        var output = Repo.TempFile("sample.jsonl");
        var result = await Cli.RunAsync("import", "--bars", Daily, "--headlines", Headlines, "--out", output, "--source", "reference");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(File.ReadAllText(Repo.SampleTape), File.ReadAllText(output));
    }

    [Theory]
    [InlineData("date,open,high,low,close,volume\n2025-01-27,1,2,0.5,1.5,100\n2025-01-28,1,oops,0.5,1.5,100\n", "NVDA.csv:3", "not a number")]
    [InlineData("date,open,high,low,close,volume\n2025-01-27,1,2,0.5,-1.5,100\n", "NVDA.csv:2", "positive")]
    [InlineData("date,open,high,low,close,volume\n2025-01-27,1,0.4,0.5,1.5,100\n", "NVDA.csv:2", "below low")]
    [InlineData("date,open,high,low,close,volume\n2025-01-27,1,2,0.5,1.5,-100\n", "NVDA.csv:2", "negative")]
    [InlineData("date,open,high,low,close\n2025-01-27,1,2,0.5,1.5\n", "NVDA.csv:1", "volume")]
    [InlineData("date,open,high,low,close,volume\n27/01/2025,1,2,0.5,1.5,100\n", "NVDA.csv:2", "neither a date")]
    [InlineData("date,open,high,low,close,volume\n2025-01-27,1,2,0.5\n", "NVDA.csv:2", "columns")]
    public async Task A_malformed_bars_row_is_an_error_naming_the_file_and_line(string csv, string where, string reason)
    {
        var dir = Path.GetDirectoryName(Repo.TempFile("x"))!;
        var file = Path.Combine(dir, "NVDA.csv");
        await File.WriteAllTextAsync(file, csv);
        var result = await Cli.RunAsync("import", "--bars", file, "--out", Path.Combine(dir, "t.jsonl"));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(where, result.Error, StringComparison.Ordinal);
        Assert.Contains(reason, result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(dir, "t.jsonl")));
    }

    [Fact]
    public async Task Headlines_with_quoted_commas_are_read_whole()
    {
        var file = Repo.TempFile("h.csv");
        await File.WriteAllTextAsync(file, "publishedAt,publisher,title,url\n2025-01-27T14:00:00Z,Fortune,\"DeepSeek, the \"\"Sputnik moment\"\"\",https://example.com/x\n");
        var output = Repo.TempFile("h.jsonl");
        var result = await Cli.RunAsync("import", "--headlines", file, "--out", output);
        Assert.True(result.ExitCode == 0, result.ToString());
        var h = Assert.IsType<TapeEvent.Headline>(Assert.Single(TapeReader.ReadFile(output).Events)).Value;
        Assert.Equal("DeepSeek, the \"Sputnik moment\"", h.Title);
    }

    [Fact]
    public async Task Import_without_inputs_is_a_usage_error()
    {
        var result = await Cli.RunAsync("import", "--out", Repo.TempFile("t.jsonl"));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("usage:", result.Error, StringComparison.Ordinal);
    }
}
