using System.Text.Json;
using DeepSeekWatch.Tests.Support;

namespace DeepSeekWatch.IntegrationTests.Chaos;

/// <summary>The <c>perf</c> command's argument checks and its in-process run (the broker runs are in docs/performance.md).</summary>
public sealed class PerfCommandTests
{
    [Theory]
    [InlineData("--rabbitmq", "localhost", "--redis", "127.0.0.1:6379")]
    [InlineData("--rabbitmq", "127.0.0.1:99999", "--redis", "127.0.0.1:6379")]
    [InlineData("--rabbitmq", "127.0.0.1:5672")]
    [InlineData("--bars", "5")]
    [InlineData("--rate", "0")]
    [InlineData("--latency-seconds", "0")]
    public async Task Bad_perf_arguments_are_a_usage_error_that_names_the_option(params string[] args)
    {
        var result = await Cli.RunAsync(["perf", .. args]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(args[0], result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Perf_without_a_broker_measures_the_in_process_pipeline_and_writes_json_and_a_chart()
    {
        var json = Repo.TempFile("perf.json");
        var svg = Path.ChangeExtension(json, ".svg");
        var result = await Cli.RunAsync("perf", "--bars", "300", "--out", json);
        Assert.True(result.ExitCode == 0, result.ToString());
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var inProcess = doc.RootElement.GetProperty("inProcess");
        Assert.Equal(300, inProcess.GetProperty("messages").GetInt32());
        Assert.True(inProcess.GetProperty("perSecond").GetDouble() > 0);
        Assert.False(doc.RootElement.TryGetProperty("ceiling", out _));
        Assert.StartsWith("<svg", File.ReadAllText(svg), StringComparison.Ordinal);
    }
}
