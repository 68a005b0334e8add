using DeepSeekWatch.Contracts;
using MassTransit;

namespace DeepSeekWatch.Delivery;

/// <summary>Plans the deliveries of each raised or revised alert, on its own receive endpoint.</summary>
internal sealed class AlertDeliveryConsumer(DeliveryPlanner planner) : IConsumer<AlertRaised>
{
    public Task Consume(ConsumeContext<AlertRaised> context) => planner.PlanAsync(context.Message.Alert, context.CancellationToken);
}

/// <summary>
/// Endpoint <c>deepseekwatch-delivery</c>: separate from detection, so delivery never delays it. Planning only touches
/// the store, so the retry policy covers store hiccups; what still fails goes to <c>deepseekwatch-delivery_error</c>.
/// </summary>
internal sealed class AlertDeliveryConsumerDefinition : ConsumerDefinition<AlertDeliveryConsumer>
{
    public const string QueueName = "deepseekwatch-delivery";

    public AlertDeliveryConsumerDefinition(Microsoft.Extensions.Options.IOptions<Hosting.BusOptions>? bus = null)
    {
        EndpointName = bus is null ? QueueName : bus.Value.EndpointPrefix + "delivery";
        ConcurrentMessageLimit = 8;
    }

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<AlertDeliveryConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        endpointConfigurator.UseMessageRetry(r => r.Intervals(
            TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(15)));
    }
}
