using DeepSeekWatch.Alerts;
using DeepSeekWatch.Contracts;
using DeepSeekWatch.Tests.Support;

namespace DeepSeekWatch.Tests.Replay;

public sealed class ReportCommandTests
{
    [Fact]
    public async Task The_report_explains_every_alert_with_its_numbers_and_headlines_and_draws_a_png_chart()
    {
        var dir = Path.GetDirectoryName(Repo.TempFile("x"))!;
        var result = await Cli.RunAsync("report", Repo.SampleTape, "--out", dir);
        Assert.True(result.ExitCode == 0, result.ToString());

        var alerts = File.ReadAllLines(Path.Combine(dir, "alerts.jsonl")).Select(AlertJson.Deserialize).ToList();
        var replayed = await Cli.ReplayAsync(Repo.SampleTape);
        Assert.Equal(replayed.Select(a => a.AlertId).Order(), alerts.Select(a => a.AlertId).Order());
        var text = File.ReadAllText(Path.Combine(dir, "report.txt"));
        Assert.Equal(text, result.Output[..text.Length]);
        foreach (var a in alerts)
            Assert.Contains($"id {a.AlertId})", text, StringComparison.Ordinal);

        // NVDA on 27 January: its numbers, the reason and the DeepSeek headline, as the alert carries them.
        var nvda = alerts.Single(a => a.Symbol == "NVDA" && a.Session == new DateOnly(2025, 1, 27));
        var block = text[text.IndexOf($"NVDA  ai-news-drop critical (rev {nvda.Revision}, id {nvda.AlertId})", StringComparison.Ordinal)..];
        block = block[..block.IndexOf("\n  2025", StringComparison.Ordinal)];
        Assert.Contains($"return {nvda.ReturnPct:F2}% ({nvda.ReferencePrice} -> {nvda.Price})", block, StringComparison.Ordinal);
        Assert.Contains($"abnormal {nvda.AbnormalReturnPct:F2}% vs SPY, z {nvda.ZScore:F2}", block, StringComparison.Ordinal);
        Assert.Contains("AI headline(s) linked", block, StringComparison.Ordinal);
        Assert.Contains("DeepSeek", block, StringComparison.Ordinal);

        // The per-session summary names the session's sector shock and its members.
        var summary = text.Split('\n').Single(l => l.StartsWith("  2025-01-27 Mon:", StringComparison.Ordinal));
        Assert.Contains("sector shock: semiconductors critical (AMD ASML AVGO NVDA TSM)", summary, StringComparison.Ordinal);
        Assert.DoesNotContain("AAPL", summary, StringComparison.Ordinal);

        var png = File.ReadAllBytes(Path.Combine(dir, "chart.png"));
        Assert.True(png.Length > 10_000);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
    }

    [Fact]
    public async Task With_svg_the_chart_is_an_svg_file_marking_the_alerts()
    {
        var dir = Path.GetDirectoryName(Repo.TempFile("x"))!;
        var result = await Cli.RunAsync("report", Repo.SampleTape, "--out", dir, "--from", "2025-01-20", "--to", "2025-01-31", "--svg");
        Assert.True(result.ExitCode == 0, result.ToString());
        var svg = File.ReadAllText(Path.Combine(dir, "chart.svg"));
        Assert.Contains("<svg xmlns=\"http://www.w3.org/2000/svg\"", svg, StringComparison.Ordinal);
        Assert.Contains("NVDA", svg, StringComparison.Ordinal);
        Assert.Contains("semiconductors critical", svg, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(dir, "chart.png")));
    }

    [Fact]
    public async Task A_tape_without_alerts_gives_an_empty_report_and_still_a_chart()
    {
        var lines = File.ReadAllLines(Repo.SampleTape).Where(l => l.Contains("\"subject\":\"AAPL\"", StringComparison.Ordinal)).Take(5);
        var tape = Repo.TempFile("quiet.jsonl");
        File.WriteAllLines(tape, lines);
        var dir = Path.GetDirectoryName(Repo.TempFile("x"))!;
        var result = await Cli.RunAsync("report", tape, "--out", dir);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("0 alert(s)", result.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(dir, "chart.png")));
        Assert.Empty(File.ReadAllLines(Path.Combine(dir, "alerts.jsonl")));
    }

    [Theory]
    [InlineData("/nonexistent/tape.jsonl", null, "does not exist")]
    [InlineData(null, "--from=yesterday", "--from/--to")]
    public async Task Bad_arguments_are_usage_errors_with_exit_code_2(string? tape, string? option, string message)
    {
        string[] args = option is null ? ["report", tape ?? Repo.SampleTape] : ["report", tape ?? Repo.SampleTape, option];
        var result = await Cli.RunAsync(args);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
        Assert.Contains("usage: deepseekwatch report", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_output_path_that_is_a_file_is_a_usage_error_and_the_file_is_kept()
    {
        var file = Repo.TempFile("not-a-folder");
        await File.WriteAllTextAsync(file, "keep me");
        var result = await Cli.RunAsync("report", Repo.SampleTape, "--out", file);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("is a file", result.Error, StringComparison.Ordinal);
        Assert.Equal("keep me", await File.ReadAllTextAsync(file));
    }

    [Fact]
    public async Task A_bad_tape_line_is_reported_and_skipped_unless_strict()
    {
        var lines = File.ReadAllLines(Repo.SampleTape).ToList();
        lines.Insert(3, "{oops");
        var tape = Repo.TempFile("bad.jsonl");
        File.WriteAllLines(tape, lines);
        var dir = Path.GetDirectoryName(Repo.TempFile("x"))!;
        var lenient = await Cli.RunAsync("report", tape, "--out", dir);
        Assert.Equal(0, lenient.ExitCode);
        Assert.Contains("line 4", lenient.Error, StringComparison.Ordinal);
        Assert.Contains(AlertKinds.SectorShock, lenient.Output, StringComparison.Ordinal);
        var strict = await Cli.RunAsync("report", tape, "--out", dir, "--strict");
        Assert.Equal(2, strict.ExitCode);
        Assert.Contains("line 4", strict.Error, StringComparison.Ordinal);
    }
}
