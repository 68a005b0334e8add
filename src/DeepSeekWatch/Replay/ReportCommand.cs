using System.CommandLine;
using System.Globalization;
using DeepSeekWatch.Contracts;
using DeepSeekWatch.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace DeepSeekWatch.Replay;

/// <summary>
/// <c>report &lt;tape&gt; [--out dir] [--from t] [--to t] [--strict]</c>: replays a tape through the same pipeline as
/// <c>replay --max</c> and explains what it raised: every alert with its numbers and linked headlines, a per-session
/// summary, and a chart of the alerted symbols' returns over the replayed span with the alerts marked. Prints the text
/// and writes <c>report.txt</c>, <c>alerts.jsonl</c> and <c>chart.png</c> (or <c>chart.svg</c> where the PNG renderer
/// cannot load) into the output folder.
/// </summary>
internal static class ReportCommand
{
    public static Command Create()
    {
        var tape = new Argument<string>("tape") { Description = "The tape to evaluate (.jsonl or .jsonl.gz)." };
        var output = new Option<string>("--out") { Description = "Folder for report.txt, alerts.jsonl and the chart.", DefaultValueFactory = _ => "report" };
        var from = new Option<string?>("--from") { Description = "Skip events before this time (ISO-8601 with offset, or yyyy-MM-dd as 00:00 UTC)." };
        var to = new Option<string?>("--to") { Description = "Skip events after this time (ISO-8601 with offset, or yyyy-MM-dd: to the end of that day, UTC)." };
        var strict = new Option<bool>("--strict") { Description = "Stop at the first bad tape line (exit code 2) instead of skipping it." };
        var svg = new Option<bool>("--svg") { Description = "Draw the chart as SVG instead of PNG." };
        var idle = new Option<TimeSpan>("--idle-timeout") { Description = "How long to wait for the pipeline to finish after the last event.", DefaultValueFactory = _ => TimeSpan.FromMinutes(10) };
        var cmd = new Command("report", "Replays a tape and explains every alert: numbers, linked headlines, a per-session summary and a chart.")
        {
            tape, output, from, to, strict, svg, idle,
        };
        cmd.SetAction(async (parse, ct) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            var path = parse.GetValue(tape)!;
            if (!File.Exists(path))
                return Usage(stderr, $"tape '{path}' does not exist");
            if (!ReplayCommand.TryBound(parse.GetValue(from), endOfDay: false, out var lo) || !ReplayCommand.TryBound(parse.GetValue(to), endOfDay: true, out var hi))
                return Usage(stderr, "--from/--to take an ISO-8601 time with an offset or a date yyyy-MM-dd");
            var dir = parse.GetValue(output)!;
            if (File.Exists(dir))
                return Usage(stderr, $"--out '{dir}' is a file, not a folder");

            if (ReplayCommand.ReadTape(path, parse.GetValue(strict), lo, hi, stderr) is not { } read)
                return CommandLine.ExitUsage;
            var (contents, events) = read;

            var builder = CommandHost.CreateBuilder(parse);
            builder.Services.AddReplay(builder.Configuration, notify: false);
            using var host = builder.Build();
            await host.StartAsync(ct);
            ReplayOutcome outcome;
            try
            {
                outcome = await host.Services.GetRequiredService<ReplayRunner>().RunAsync(events, ReplayPace.Max, parse.GetValue(idle), null, ct);
            }
            finally
            {
                await host.StopAsync(CancellationToken.None);
            }

            var bars = events.OfType<TapeEvent.Bar>().Select(b => b.Value).ToList();
            var headlines = events.OfType<TapeEvent.Headline>().Select(h => h.Value).ToList();
            var text = ReportText.Render(outcome.Alerts, bars, headlines);
            Directory.CreateDirectory(dir);
            await File.WriteAllTextAsync(Path.Combine(dir, "report.txt"), text, ct);
            await ReplayCommand.WriteAlertsAsync(Path.Combine(dir, "alerts.jsonl"), outcome.Alerts, ct);
            var chart = ReportChart.Draw(dir, outcome.Alerts, bars, parse.GetValue(svg), out var chartNote);
            stdout.Write(text);
            if (chartNote is not null)
                stderr.WriteLine($"warning: {chartNote}");
            stdout.WriteLine($"report: {outcome.Alerts.Count} alert(s) over {ReportText.Sessions(bars).Count} session(s); wrote {Path.Combine(dir, "report.txt")}, {Path.Combine(dir, "alerts.jsonl")}{(chart is null ? "" : ", " + chart)}");
            if (outcome.Faulted > 0)
            {
                stderr.WriteLine($"error: {outcome.Faulted} message(s) failed in the pipeline; see the logs");
                return CommandLine.ExitFailure;
            }
            return CommandLine.ExitOk;
        });
        return cmd;
    }

    private static int Usage(TextWriter error, string message)
    {
        error.WriteLine($"error: {message}");
        error.WriteLine("usage: deepseekwatch report <tape> [--out <dir>] [--from <time>] [--to <time>] [--strict] [--svg]");
        return CommandLine.ExitUsage;
    }
}
