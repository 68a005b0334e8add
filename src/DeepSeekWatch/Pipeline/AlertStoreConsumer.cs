using DeepSeekWatch.Alerts;
using DeepSeekWatch.Contracts;
using DeepSeekWatch.Hosting;
using MassTransit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DeepSeekWatch.Pipeline;

/// <summary>Something that wants to hear of each alert the store accepted (the replay collects ids this way).</summary>
public interface IAlertStoredListener
{
    void Stored(Alert alert, AlertWriteOutcome outcome);
}

/// <summary>
/// Writes an alert revision to the store (idempotent by id and revision: the higher revision wins), counts and logs
/// what changed, and tells the listeners — also when nothing changed, so that a replay of a tape already stored still
/// learns which alerts it raised. Used by the detectors as they decide (the alert is readable before anything is
/// delivered) and by <see cref="AlertStoreConsumer"/> for every <see cref="AlertRaised"/>.
/// </summary>
public sealed partial class AlertRecorder(IAlertStore store, IEnumerable<IAlertStoredListener> listeners, PipelineMetrics metrics, ILogger<AlertRecorder> logger)
{
    private readonly IAlertStoredListener[] _listeners = [.. listeners];

    public async Task RecordAsync(Alert alert, CancellationToken cancellationToken)
    {
        var outcome = await store.UpsertAsync(alert, cancellationToken);
        if (outcome != AlertWriteOutcome.Unchanged)
        {
            metrics.AlertStored(alert, outcome);
            LogStored(alert.AlertId, alert.Revision, alert.Kind, alert.Severity, alert.Symbol ?? alert.Group, outcome);
        }
        foreach (var listener in _listeners)
            listener.Stored(alert, outcome);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Alert {AlertId} revision {Revision} ({Kind}, {Severity}, {Subject}): {Outcome}")]
    private partial void LogStored(string alertId, int revision, string kind, string severity, string subject, AlertWriteOutcome outcome);
}

/// <summary>
/// Writes raised and revised alerts to the store; the write is idempotent by id and revision. The detectors have
/// already written their own alerts when they publish them (so this write finds them unchanged): this consumer is what
/// stores an alert whose publisher did not, and the second chance for one whose direct write was lost.
/// </summary>
public sealed class AlertStoreConsumer(AlertRecorder recorder) : IConsumer<AlertRaised>
{
    public Task Consume(ConsumeContext<AlertRaised> context) => recorder.RecordAsync(context.Message.Alert, context.CancellationToken);
}

public sealed class AlertStoreConsumerDefinition : ConsumerDefinition<AlertStoreConsumer>
{
    public AlertStoreConsumerDefinition(IOptions<BusOptions> bus)
    {
        EndpointName = bus.Value.EndpointPrefix + "alert-store";
        ConcurrentMessageLimit = 16;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<AlertStoreConsumer> consumerConfigurator, IRegistrationContext context)
    {
        // Rides out a store outage of about a minute before the message goes to the _error queue.
        endpointConfigurator.UseMessageRetry(r => r.Exponential(12, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(15), TimeSpan.FromMilliseconds(500)));
    }
}
