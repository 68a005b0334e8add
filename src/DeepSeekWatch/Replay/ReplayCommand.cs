using System.CommandLine;
using DeepSeekWatch.Alerts;
using DeepSeekWatch.Contracts;
using DeepSeekWatch.Hosting;
using DeepSeekWatch.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Spectre.Console;

namespace DeepSeekWatch.Replay;

/// <summary>
/// <c>replay &lt;tape&gt; [--speed x | --max] [--from t] [--to t] [--out alerts.jsonl] [--notify] [--strict]</c>:
/// feeds a tape through the same pipeline as <c>run</c>, prints the alerts, and writes them with <c>--out</c>.
/// </summary>
internal static class ReplayCommand
{
    public static Command Create()
    {
        var tape = new Argument<string>("tape") { Description = "The tape to replay (.jsonl or .jsonl.gz)." };
        var speed = new Option<double?>("--speed") { Description = "Replay at this multiple of the tape's own pace (e.g. 60: an hour a minute)." };
        var max = new Option<bool>("--max") { Description = "Replay as fast as the pipeline goes (the default)." };
        var from = new Option<string?>("--from") { Description = "Skip events before this time (ISO-8601 with offset, or yyyy-MM-dd as 00:00 UTC)." };
        var to = new Option<string?>("--to") { Description = "Skip events after this time (ISO-8601 with offset, or yyyy-MM-dd: to the end of that day, UTC)." };
        var output = new Option<string?>("--out") { Description = "Write the alerts (latest revision each) as JSON Lines to this file." };
        var notify = new Option<bool>("--notify") { Description = "Deliver the alerts to the configured Slack and webhook routes (marked replay: true). Off by default." };
        var strict = new Option<bool>("--strict") { Description = "Stop at the first bad tape line (exit code 2) instead of skipping it." };
        var idle = new Option<TimeSpan>("--idle-timeout") { Description = "How long to wait for the pipeline to finish after the last event.", DefaultValueFactory = _ => TimeSpan.FromMinutes(10) };
        var quiet = new Option<bool>("--quiet") { Description = "Print no table and no progress; only the summary line." };
        var cmd = new Command("replay", "Feeds a tape through the pipeline on a virtual clock and prints the alerts it raises.")
        {
            tape, speed, max, from, to, output, notify, strict, idle, quiet,
        };
        cmd.Validators.Add(r =>
        {
            if (r.GetValue(speed) is { } s && (!double.IsFinite(s) || s <= 0))
                r.AddError("--speed must be a positive number");
            if (r.GetValue(speed) is not null && r.GetValue(max))
                r.AddError("--speed and --max cannot be used together");
        });
        cmd.SetAction(async (parse, ct) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            var path = parse.GetValue(tape)!;
            if (!File.Exists(path))
                return Usage(stderr, $"tape '{path}' does not exist");
            if (!TryBound(parse.GetValue(from), endOfDay: false, out var lo) || !TryBound(parse.GetValue(to), endOfDay: true, out var hi))
                return Usage(stderr, "--from/--to take an ISO-8601 time with an offset or a date yyyy-MM-dd");

            if (ReadTape(path, parse.GetValue(strict), lo, hi, stderr) is not { } read)
                return CommandLine.ExitUsage;
            var (contents, events) = read;

            var builder = CommandHost.CreateBuilder(parse);
            builder.Services.AddReplay(builder.Configuration, parse.GetValue(notify));
            using var host = builder.Build();
            await host.StartAsync(ct);
            ReplayOutcome outcome;
            var showProgress = !parse.GetValue(quiet) && events.Count >= 5_000;
            try
            {
                outcome = await host.Services.GetRequiredService<ReplayRunner>().RunAsync(
                    events,
                    parse.GetValue(speed) is { } x ? new ReplayPace(x) : ReplayPace.Max,
                    parse.GetValue(idle),
                    showProgress ? (done, total) => stderr.WriteLine($"replay: {done:N0}/{total:N0} events ({100.0 * done / Math.Max(1, total):F0}%)") : null,
                    ct);
            }
            catch (ReplayPublishException ex)
            {
                // Surfaced, not dropped: the alerts stored so far stay; replaying the tape again is safe (idempotent store).
                stderr.WriteLine($"error: {ex.Message}; replay the tape again once the broker is reachable");
                return CommandLine.ExitFailure;
            }
            finally
            {
                if (parse.GetValue(notify))
                    await DrainDeliveriesAsync(host.Services, stderr, ct);
                await host.StopAsync(CancellationToken.None);
            }

            if (parse.GetValue(output) is { } outPath)
                await WriteAlertsAsync(outPath, outcome.Alerts, ct);
            if (!parse.GetValue(quiet))
                PrintTable(stdout, outcome.Alerts);
            var bars = events.Count(e => e is TapeEvent.Bar);
            stdout.WriteLine($"replayed {events.Count:N0} events ({bars:N0} bars, {events.Count - bars:N0} headlines); skipped {contents.Problems.Count} bad line(s) and {contents.UnknownCount} unknown event(s); {outcome.Alerts.Count} alert(s)");
            if (outcome.Faulted > 0)
            {
                stderr.WriteLine($"error: {outcome.Faulted} message(s) failed in the pipeline and were moved to an _error queue; see the logs");
                return CommandLine.ExitFailure;
            }
            return CommandLine.ExitOk;
        });
        return cmd;
    }

    /// <summary>The replay's composition: the shared pipeline plus the runner, its virtual clock and the alert collector.</summary>
    internal static IServiceCollection AddReplay(this IServiceCollection services, Microsoft.Extensions.Configuration.IConfiguration configuration, bool notify)
    {
        services.AddSingleton<ReplayAlertCollector>();
        services.AddSingleton<IAlertStoredListener>(sp => sp.GetRequiredService<ReplayAlertCollector>());
        services.AddSingleton<VirtualClock>();
        services.AddOptions<ReplayPublishOptions>().BindConfiguration(ReplayPublishOptions.Section).ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<ReplayPublishOptions>>(new ReplayPublishOptionsValidator());
        services.AddSingleton(sp => sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<ReplayPublishOptions>>().Value);
        services.AddSingleton<ReplayRunner>();
        return services.AddDeepSeekWatchPipeline(configuration, new PipelineSettings { Notify = notify, Replay = true });
    }

    /// <summary>With <c>--notify</c>: sends every delivery that is due now before the replay exits; retries due later stay in the store.</summary>
    private static async Task DrainDeliveriesAsync(IServiceProvider services, TextWriter stderr, CancellationToken ct)
    {
        var dispatcher = services.GetRequiredService<Delivery.DeliveryDispatcher>();
        while (await dispatcher.DispatchDueAsync(ct) > 0)
        {
        }
        var waiting = await services.GetRequiredService<Delivery.IDeliveryStore>().ListPendingAsync(1000, ct);
        if (waiting.Count > 0)
            stderr.WriteLine($"warning: {waiting.Count} deliveries wait for a retry; they stay in the store (Store:Kind=redis) for `run` to send, or are dropped with the memory store");
    }

    internal static async Task WriteAlertsAsync(string path, IReadOnlyList<Alert> alerts, CancellationToken ct)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null)
            Directory.CreateDirectory(dir);
        await using var file = new StreamWriter(path, append: false, new System.Text.UTF8Encoding(false));
        foreach (var alert in alerts)
            await file.WriteLineAsync(AlertJson.Serialize(alert).AsMemory(), ct);
    }

    private static void PrintTable(TextWriter output, IReadOnlyList<Alert> alerts)
    {
        if (alerts.Count == 0)
            return;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 160;
        var table = new Table().Border(TableBorder.Simple);
        foreach (var c in new[] { "session", "at (UTC)", "symbol", "kind", "severity", "return %", "abnormal %", "z", "rev", "headline" })
            table.AddColumn(c);
        foreach (var a in alerts)
        {
            table.AddRow(
                a.Session.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
                a.At.UtcDateTime.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture),
                Markup.Escape(a.Symbol ?? $"{a.Group} ({string.Join(' ', a.Members)})"),
                a.Kind,
                a.Severity,
                F(a.ReturnPct),
                F(a.AbnormalReturnPct),
                F(a.ZScore),
                a.Revision.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Markup.Escape(a.Headlines.Count > 0 ? Truncate(a.Headlines[0].Title, 60) : ""));
        }
        console.Write(table);

        static string F(double? v) => v is { } x ? x.ToString("F2", System.Globalization.CultureInfo.InvariantCulture) : "-";
        static string Truncate(string s, int n) => s.Length <= n ? s : s[..(n - 1)] + "…";
    }

    /// <summary>
    /// Reads a tape for replay or report: bad lines are reported on stderr (the first one is fatal with
    /// <paramref name="strict"/>: null, exit code 2), unknown types counted, and events outside [lo, hi] dropped.
    /// </summary>
    internal static (TapeContents Contents, List<TapeEvent> Events)? ReadTape(string path, bool strict, DateTimeOffset? lo, DateTimeOffset? hi, TextWriter stderr)
    {
        TapeContents contents;
        try
        {
            contents = TapeReader.ReadFile(path, strict, replay: true);
        }
        catch (TapeFormatException ex)
        {
            stderr.WriteLine($"error: {path}: {ex.Problem}");
            return null;
        }
        foreach (var p in contents.Problems.Take(20))
            stderr.WriteLine($"warning: {path}: skipped {p}");
        if (contents.Problems.Count > 20)
            stderr.WriteLine($"warning: {path}: {contents.Problems.Count - 20} more bad lines skipped");
        foreach (var (type, n) in contents.UnknownTypes)
            stderr.WriteLine($"warning: {path}: skipped {n} event(s) of unknown type '{type}'");
        var events = contents.Events.Where(e => (lo is null || e.Time >= lo) && (hi is null || e.Time <= hi)).ToList();
        return (contents, events);
    }

    /// <summary>A <c>--from</c>/<c>--to</c> bound: an ISO-8601 time with an offset, or a date (its start, or with <paramref name="endOfDay"/> its end, UTC).</summary>
    internal static bool TryBound(string? text, bool endOfDay, out DateTimeOffset? value)
    {
        value = null;
        if (text is null)
            return true;
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var d))
        {
            var start = new DateTimeOffset(d.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            value = endOfDay ? start.AddDays(1).AddTicks(-1) : start;
            return true;
        }
        if (TapeTime.TryParse(text, out var t))
        {
            value = t;
            return true;
        }
        return false;
    }

    private static int Usage(TextWriter error, string message)
    {
        error.WriteLine($"error: {message}");
        error.WriteLine("usage: deepseekwatch replay <tape> [--speed <x> | --max] [--from <time>] [--to <time>] [--out <alerts.jsonl>] [--notify] [--strict]");
        return CommandLine.ExitUsage;
    }
}
