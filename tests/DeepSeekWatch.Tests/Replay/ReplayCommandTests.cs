using DeepSeekWatch.Contracts;
using DeepSeekWatch.Tests.Support;

namespace DeepSeekWatch.Tests.Replay;

public class ReplayCommandTests
{
    [Fact]
    public async Task Replaying_the_sample_raises_ai_news_drops_for_NVDA_and_AVGO_on_27_January_with_a_DeepSeek_headline()
    {
        var alerts = await Cli.ReplayAsync(Repo.SampleTape);
        foreach (var symbol in new[] { "NVDA", "AVGO" })
        {
            var alert = Assert.Single(alerts, a => a.Symbol == symbol && a.Session == new DateOnly(2025, 1, 27) && a.Severity == Severities.Critical);
            Assert.Equal(AlertKinds.AiNewsDrop, alert.Kind);
            Assert.Contains(alert.Headlines, h => h.Title.Contains("DeepSeek", StringComparison.Ordinal));
            Assert.True(alert.ReturnPct < -15, $"{symbol} return {alert.ReturnPct}");
            Assert.Equal((double)(alert.Price!.Value / alert.ReferencePrice!.Value - 1) * 100, alert.ReturnPct!.Value, 9);
            Assert.True(alert.Replay);
        }
        Assert.DoesNotContain(alerts, a => a.Session == new DateOnly(2025, 1, 27) && a.Symbol is "AAPL" or "META");
    }

    [Fact]
    public async Task Replaying_the_same_tape_twice_gives_the_same_alerts_with_the_same_ids()
    {
        var first = await Cli.ReplayAsync(Repo.SampleTape);
        var second = await Cli.ReplayAsync(Repo.SampleTape);
        Assert.NotEmpty(first);
        Assert.Equal(first.Select(DeepSeekWatch.Alerts.AlertJson.Serialize), second.Select(DeepSeekWatch.Alerts.AlertJson.Serialize));
        Assert.Equal(first.Count, first.Select(a => a.AlertId).Distinct().Count());
    }

    [Fact]
    public async Task A_bad_line_is_reported_with_its_number_and_the_replay_goes_on()
    {
        var lines = File.ReadAllLines(Repo.SampleTape).ToList();
        lines.Insert(5, "{not json");
        var tape = Repo.TempFile("bad.jsonl");
        File.WriteAllLines(tape, lines);
        var outFile = Repo.TempFile("alerts.jsonl");
        var result = await Cli.RunAsync("replay", tape, "--max", "--out", outFile);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("line 6", result.Error, StringComparison.Ordinal);
        Assert.Contains("skipped 1 bad line", result.Output, StringComparison.Ordinal);
        Assert.Contains(File.ReadAllLines(outFile), l => l.Contains("\"symbol\":\"NVDA\"", StringComparison.Ordinal) && l.Contains("2025-01-27", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Strict_replay_stops_at_the_bad_line_with_exit_code_2_and_its_number()
    {
        var lines = File.ReadAllLines(Repo.SampleTape).ToList();
        lines.Insert(5, "{not json");
        var tape = Repo.TempFile("bad.jsonl");
        File.WriteAllLines(tape, lines);
        var result = await Cli.RunAsync("replay", tape, "--max", "--strict");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("line 6", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task From_and_to_limit_the_replay_to_a_window()
    {
        var alerts = await Cli.ReplayAsync(Repo.SampleTape, "--from", "2025-01-20", "--to", "2025-01-28");
        Assert.NotEmpty(alerts);
        Assert.All(alerts, a => Assert.InRange(a.Session, new DateOnly(2025, 1, 21), new DateOnly(2025, 1, 28)));
        Assert.Contains(alerts, a => a.Symbol == "NVDA" && a.Kind == AlertKinds.AiNewsDrop);
    }

    [Theory]
    [InlineData("replay")]
    [InlineData("replay", "x.jsonl", "--speed", "0")]
    [InlineData("replay", "x.jsonl", "--speed", "2", "--max")]
    [InlineData("replay", "x.jsonl", "--speed", "abc")]
    [InlineData("replay", "x.jsonl", "--speed", "1", "--speed", "2")]
    [InlineData("replay", "x.jsonl", "--bogus")]
    [InlineData("frobnicate")]
    public async Task Bad_arguments_print_one_error_line_and_the_usage_with_exit_code_2(params string[] args)
    {
        var result = await Cli.RunAsync(args);
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: ", result.Error, StringComparison.Ordinal);
        Assert.Contains("usage: deepseekwatch", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_tape_is_a_usage_error()
    {
        var result = await Cli.RunAsync("replay", "/nonexistent/tape.jsonl");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("does not exist", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Bus:Transport=kafka", "Bus:Transport")]
    [InlineData("Store:Kind=mongo", "Store:Kind")]
    [InlineData("Bus:RabbitMq:Port=abc", "Bus:RabbitMq:Port")]
    [InlineData("Bus:DetectorConcurrency=0", "Bus:DetectorConcurrency")]
    [InlineData("Detection:LookBack=-01:00:00", "Detection:LookBack")]
    [InlineData("Detection:Thresholds:Critical:ReturnPct=5", "Detection:Thresholds:Critical:ReturnPct")]
    [InlineData("Detection:Classifier:Threshold=NaN", "Detection:Classifier:Threshold")]
    [InlineData("Watchlist:Groups:chips:Symbols:0=N V D A", "Watchlist:Groups:chips:Symbols:0")]
    public async Task Bad_configuration_stops_start_up_naming_the_key(string setting, string key)
    {
        var result = await Cli.RunAsync("replay", Repo.SampleTape, "--max", "--set", setting);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(key, result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Bus:RabbitMq:PrefetchCount=0", "Bus:RabbitMq:PrefetchCount")]
    [InlineData("Bus:RabbitMq:DetectorPrefetchCount=0", "Bus:RabbitMq:DetectorPrefetchCount")]
    [InlineData("Bus:RabbitMq:DetectorPrefetchCount=10001", "Bus:RabbitMq:DetectorPrefetchCount")]
    [InlineData("Bus:RabbitMq:Serializer=xml", "Bus:RabbitMq:Serializer")]
    [InlineData("Bus:RabbitMq:ConsumerCheckInterval=-00:00:01", "Bus:RabbitMq:ConsumerCheckInterval")]
    [InlineData("Bus:RabbitMq:ConsumerCheckInterval=often", "Bus:RabbitMq:ConsumerCheckInterval")]
    [InlineData("Bus:RabbitMq:ConsumerCheckGrace=00:00:00", "Bus:RabbitMq:ConsumerCheckGrace")]
    public async Task Bad_RabbitMQ_settings_stop_start_up_naming_the_key_before_any_connection(string setting, string key)
    {
        var result = await Cli.RunAsync("replay", Repo.SampleTape, "--max", "--transport", "rabbitmq", "--set", "Bus:RabbitMq:Port=1", "--set", setting);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(key, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_paced_replay_gives_the_same_alerts_as_an_unpaced_one()
    {
        var window = new[] { "--from", "2025-01-24", "--to", "2025-01-28" };
        var max = await Cli.ReplayAsync(Repo.SampleTape, window);
        // 4 days of tape at 10 million times real time: about 35 ms of pacing.
        var paced = await Cli.ReplayAsync(Repo.SampleTape, [.. window.Skip(0), "--speed", "10000000"]);
        Assert.NotEmpty(max);
        Assert.Equal(max.Select(DeepSeekWatch.Alerts.AlertJson.Serialize), paced.Select(DeepSeekWatch.Alerts.AlertJson.Serialize));
    }

    [Fact]
    public async Task A_long_tape_reports_its_progress_on_standard_error()
    {
        var tape = Repo.TempFile("long.jsonl");
        var start = new DateTimeOffset(2025, 1, 27, 14, 30, 0, TimeSpan.Zero);
        await using (var writer = DeepSeekWatch.Replay.TapeWriter.Create(tape))
        {
            for (var i = 0; i < 6_000; i++)
            {
                var t = start.AddMinutes(i);
                writer.Write(new PriceBarObserved($"b{i}", "test", "SPY", "1m", t, t.AddMinutes(1), 600, 601, 599, 600, 1000, false));
            }
        }
        var result = await Cli.RunAsync("replay", tape, "--max");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("replay: 6,000/6,000 events (100%)", result.Error, StringComparison.Ordinal);
    }
}

/// <summary>The environment test of <see cref="ReplayCommandTests"/>, alone (see <see cref="EnvironmentCollection"/>).</summary>
[Collection(nameof(EnvironmentCollection))]
public sealed class ReplayEnvironmentTests
{
    [Fact]
    public async Task Configuration_from_the_environment_is_read_with_the_DSW_prefix()
    {
        Environment.SetEnvironmentVariable("DSW_Store__Kind", "cassandra");
        try
        {
            var result = await Cli.RunAsync("replay", Repo.SampleTape, "--max");
            Assert.Equal(2, result.ExitCode);
            Assert.Contains("Store:Kind", result.Error, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable("DSW_Store__Kind", null);
        }
    }

    [Fact]
    public async Task Two_bad_sections_at_once_exit_2_naming_both_keys()
    {
        var result = await Cli.RunAsync("replay", Repo.SampleTape, "--max", "--set", "Store:Kind=cassandra", "--set", "Scale:Partitions=0");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Store:Kind", result.Error, StringComparison.Ordinal);
        Assert.Contains("Scale:Partitions", result.Error, StringComparison.Ordinal);
    }
}
