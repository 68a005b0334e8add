using DeepSeekWatch.Contracts;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DeepSeekWatch.Pipeline;

/// <summary>
/// The live event clock: publishes <see cref="ClockAdvanced"/> every 30 seconds of the <see cref="TimeProvider"/>, so
/// a decision waiting for a benchmark bar that never comes (a halted ETF, a lost poll) is made once the wait is over,
/// and a sector shock is judged when a member stays silent. Runs with the pollers (<c>run</c>, roles all and pollers).
/// </summary>
public sealed partial class ClockTicker(IBus bus, TimeProvider time, ILogger<ClockTicker> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    // Made with the service, not in ExecuteAsync (which .NET runs later, on the thread pool): the first tick is due one
    // interval after start-up, whenever the loop gets to wait for it.
    private readonly PeriodicTimer _timer = new(Interval, time);

    public override void Dispose()
    {
        _timer.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var timer = _timer;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await bus.Publish(new ClockAdvanced(time.GetUtcNow(), Replay: false), stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The next tick says the same, later: a missed tick delays a decision by one interval.
                    LogTickFailed(ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not publish the clock tick; the next one follows")]
    private partial void LogTickFailed(Exception exception);
}
