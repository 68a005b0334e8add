using DeepSeekWatch.Alerts;
using DeepSeekWatch.Contracts;
using DeepSeekWatch.Hosting;

namespace DeepSeekWatch.Tests.Support;

/// <summary>Runs the real command line in process and captures what it prints.</summary>
public static class Cli
{
    public sealed record Result(int ExitCode, string Output, string Error)
    {
        public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";
    }

    public static async Task<Result> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await CommandLine.RunAsync(args, output, error);
        return new Result(code, output.ToString(), error.ToString());
    }

    /// <summary>Replays a tape with <c>--out</c> and returns the alerts written, failing the test when the replay fails.</summary>
    public static async Task<List<Alert>> ReplayAsync(string tape, params string[] extra)
    {
        var outFile = Repo.TempFile("alerts.jsonl");
        string[] pace = extra.Contains("--speed") ? [] : ["--max"];
        var result = await RunAsync(["replay", tape, .. pace, "--quiet", "--out", outFile, .. extra]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return File.ReadAllLines(outFile).Where(l => l.Length > 0).Select(AlertJson.Deserialize).ToList();
    }
}
