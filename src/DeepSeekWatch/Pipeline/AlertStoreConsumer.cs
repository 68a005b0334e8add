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

/// <summary>Writes raised and revised alerts to the store; the write is idempotent by id and revision.</summary>
public sealed partial class AlertStoreConsumer(IAlertStore store, IEnumerable<IAlertStoredListener> listeners, PipelineMetrics metrics, ILogger<AlertStoreConsumer> logger) : IConsumer<AlertRaised>
{
    public async Task Consume(ConsumeContext<AlertRaised> context)
    {
        var alert = context.Message.Alert;
        var outcome = await store.UpsertAsync(alert, context.CancellationToken);
        if (outcome != AlertWriteOutcome.Unchanged)
        {
            metrics.AlertStored(alert, outcome);
            LogStored(alert.AlertId, alert.Revision, alert.Kind, alert.Severity, alert.Symbol ?? alert.Group, outcome);
        }
        foreach (var listener in listeners)
            listener.Stored(alert, outcome);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Alert {AlertId} revision {Revision} ({Kind}, {Severity}, {Subject}): {Outcome}")]
    private partial void LogStored(string alertId, int revision, string kind, string severity, string subject, AlertWriteOutcome outcome);
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
