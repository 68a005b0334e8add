using Microsoft.Extensions.Logging;
using Quartz;

namespace DeepSeekWatch.Ingestion;

/// <summary>
/// The Quartz job of one poller (named by the <see cref="PollerKey"/> job data). One job per provider; a job's runs never
/// overlap, and a firing missed while the service was down or busy is skipped, not replayed: backfill fetches from the
/// last published bar anyway.
/// </summary>
[DisallowConcurrentExecution]
public sealed partial class PollJob(IngestionPollers pollers, IObservationSink sink, ILogger<PollJob> logger) : IJob
{
    public const string PollerKey = "poller";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var name = context.MergedJobDataMap.GetString(PollerKey);
        if (name is null || !pollers.TryGet(name, out var poller))
        {
            LogUnknownPoller(name ?? "(none)");
            return;
        }
        try
        {
            await poller.PollAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            // A failing sink or store must not kill the schedule: the next firing tries again.
            LogPollFailed(e, name);
        }
        finally
        {
            if (sink is IBufferedObservationSink buffered)
                await buffered.FlushAsync(CancellationToken.None);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Poll job has no poller named {Poller}")]
    private partial void LogUnknownPoller(string poller);

    [LoggerMessage(Level = LogLevel.Error, Message = "Poll {Poller} failed; the next cycle will retry")]
    private partial void LogPollFailed(Exception exception, string poller);
}

/// <summary>Every poller of the configuration, by name.</summary>
public sealed class IngestionPollers(IEnumerable<IPoller> pollers)
{
    private readonly Dictionary<string, IPoller> _byName = pollers.ToDictionary(p => p.Name, StringComparer.Ordinal);

    public IReadOnlyCollection<IPoller> All => _byName.Values;

    public bool TryGet(string name, out IPoller poller) => _byName.TryGetValue(name, out poller!);
}

/// <summary>
/// Runs whole poll cycles without the scheduler (<c>record --cycles N</c>, tests): every poller once per cycle, the
/// buffered sink flushed after each cycle, <c>Sources:PollInterval</c> between cycles on the injected clock.
/// </summary>
public sealed partial class IngestionRunner(IngestionPollers pollers, IObservationSink sink, TimeProvider time,
    Microsoft.Extensions.Options.IOptionsMonitor<SourcesOptions> options, ILogger<IngestionRunner> logger)
{
    public async Task<IReadOnlyList<PollResult>> RunCyclesAsync(int cycles, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cycles, 1);
        var results = new List<PollResult>();
        for (var cycle = 1; cycle <= cycles; cycle++)
        {
            if (cycle > 1)
                await Task.Delay(options.CurrentValue.PollInterval, time, ct);
            foreach (var poller in pollers.All)
            {
                try
                {
                    results.Add(await poller.PollAsync(ct));
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    throw;
                }
                catch (Exception e)
                {
                    LogPollFailed(e, poller.Name, cycle);
                    results.Add(new PollResult(PollOutcomes.Failed, 0, 0, 0, 1));
                }
            }
            if (sink is IBufferedObservationSink buffered)
                await buffered.FlushAsync(ct);
            LogCycle(cycle, cycles);
        }
        return results;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Poll {Poller} failed in cycle {Cycle}")]
    private partial void LogPollFailed(Exception exception, string poller, int cycle);

    [LoggerMessage(Level = LogLevel.Information, Message = "Poll cycle {Cycle} of {Cycles} done")]
    private partial void LogCycle(int cycle, int cycles);
}
