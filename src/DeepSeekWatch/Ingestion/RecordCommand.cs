using System.CommandLine;
using DeepSeekWatch.Hosting;
using DeepSeekWatch.Replay;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DeepSeekWatch.Ingestion;

/// <summary>
/// <c>record --out &lt;tape.jsonl&gt; [--cycles N]</c> (contracts.md §3): runs the pollers only and writes what they
/// observe as a tape. Without <c>--cycles</c> the Quartz schedules run until Ctrl+C; with it, every poller runs N
/// cycles (<c>Sources:PollInterval</c> apart) and the command exits.
/// </summary>
internal static class RecordCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "The tape to write (.jsonl, or .jsonl.gz for gzip).", Required = true };
        var cycles = new Option<int?>("--cycles") { Description = "Stop after N poll cycles of every poller (N >= 1)." };
        cycles.Validators.Add(result =>
        {
            // A token that is not a number is already a parse error; only the range is checked here.
            if (result.Tokens.Count == 1 && int.TryParse(result.Tokens[0].Value, out var n) && n < 1)
                result.AddError("--cycles must be at least 1");
        });
        output.Validators.Add(result =>
        {
            if (result.Tokens.Count == 1 && string.IsNullOrWhiteSpace(result.Tokens[0].Value))
                result.AddError("--out must name a file");
        });
        var cmd = new Command("record", "Runs the pollers only and writes what they observe as a tape.");
        cmd.Options.Add(output);
        cmd.Options.Add(cycles);
        cmd.SetAction((parse, ct) => RunAsync(parse, parse.GetValue(output)!, parse.GetValue(cycles), ct));
        return cmd;
    }

    private static async Task<int> RunAsync(ParseResult parse, string path, int? cycles, CancellationToken ct)
    {
        var error = parse.InvocationConfiguration.Error;
        var output = parse.InvocationConfiguration.Output;
        IHost host;
        try
        {
            var builder = CommandHost.CreateBuilder(parse, LogLevel.Information);
            // Registered before AddIngestion, which then keeps it instead of the bus sink. Created on first use, so a
            // bad configuration leaves no empty tape behind; disposed (and so flushed) with the host.
            builder.Services.AddSingleton<IObservationSink>(_ => new TapeObservationSink(TapeWriter.Create(path)));
            builder.Services.AddDeepSeekWatchStore(builder.Configuration);
            builder.Services.AddIngestion(builder.Configuration);
            host = builder.Build();
            _ = host.Services.GetRequiredService<IOptionsMonitor<SourcesOptions>>().CurrentValue; // validates
        }
        catch (ConfigurationException e)
        {
            await error.WriteLineAsync($"error: {e.Message}");
            return CommandLine.ExitUsage;
        }
        catch (OptionsValidationException e)
        {
            await error.WriteLineAsync($"error: {string.Join("; ", e.Failures)}");
            return CommandLine.ExitUsage;
        }

        await using (host as IAsyncDisposable)
        {
            try
            {
                if (cycles is { } n)
                {
                    var results = await host.Services.GetRequiredService<IngestionRunner>().RunCyclesAsync(n, ct);
                    var sink = (TapeObservationSink)host.Services.GetRequiredService<IObservationSink>();
                    await sink.FlushAsync(ct);
                    await output.WriteLineAsync(
                        $"recorded {sink.Written} events to {path} in {n} cycles ({results.Sum(r => r.Rejected)} rejected, {results.Sum(r => r.Duplicates)} duplicates)");
                }
                else
                {
                    await host.RunAsync(ct);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // Ctrl+C: the tape is flushed when the host is disposed.
            }
            catch (IOException e)
            {
                await error.WriteLineAsync($"error: cannot write {path}: {e.Message}");
                return CommandLine.ExitFailure;
            }
            catch (UnauthorizedAccessException e)
            {
                await error.WriteLineAsync($"error: cannot write {path}: {e.Message}");
                return CommandLine.ExitFailure;
            }
        }
        return CommandLine.ExitOk;
    }
}
