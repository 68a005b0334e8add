using DeepSeekWatch.Contracts;
using DeepSeekWatch.Detection;
using DeepSeekWatch.Hosting;
using MassTransit;
using Microsoft.Extensions.Options;

namespace DeepSeekWatch.Pipeline;

/// <summary>Holds the one detection engine of this process and serialises calls into it.</summary>
public sealed class DetectorHost(IDetectionEngine engine)
{
    private readonly Lock _gate = new();

    public DetectionResult OnBar(PriceBarObserved bar)
    {
        lock (_gate)
        {
            return engine.OnBar(bar);
        }
    }

    public DetectionResult OnHeadline(AiHeadlineDetected headline)
    {
        lock (_gate)
        {
            return engine.OnHeadline(headline);
        }
    }

    public DetectionResult OnClock(DateTimeOffset now)
    {
        lock (_gate)
        {
            return engine.OnClock(now);
        }
    }
}

/// <summary>
/// Feeds bars and AI headlines to the detector and publishes what it decides. Publishing goes through the in-memory
/// outbox, so a consumer that fails publishes nothing; the retry (or a redelivery) gets the same outputs again from
/// the engine, which remembers what each event caused.
/// </summary>
public sealed class ReactionDetectorConsumer(DetectorHost detector, MarketState market, PipelineMetrics metrics) : IConsumer<PriceBarObserved>, IConsumer<AiHeadlineDetected>, IConsumer<ClockAdvanced>
{
    public Task Consume(ConsumeContext<PriceBarObserved> context)
    {
        metrics.BarObserved();
        market.Observe(context.Message);
        return PublishAsync(context, detector.OnBar(context.Message));
    }

    public Task Consume(ConsumeContext<AiHeadlineDetected> context) => PublishAsync(context, detector.OnHeadline(context.Message));

    public Task Consume(ConsumeContext<ClockAdvanced> context) => PublishAsync(context, detector.OnClock(context.Message.Now));

    private static async Task PublishAsync(ConsumeContext context, DetectionResult result)
    {
        if (result.IsEmpty)
            return;
        foreach (var drop in result.Drops)
            await context.Publish(drop, context.CancellationToken);
        foreach (var alert in result.Alerts)
            await context.Publish(new AlertRaised(alert), context.CancellationToken);
    }
}

public sealed class ReactionDetectorConsumerDefinition : ConsumerDefinition<ReactionDetectorConsumer>
{
    public ReactionDetectorConsumerDefinition(IOptions<BusOptions> bus)
    {
        EndpointName = bus.Value.EndpointPrefix + "reaction-detector";
        ConcurrentMessageLimit = bus.Value.DetectorConcurrency;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<ReactionDetectorConsumer> consumerConfigurator, IRegistrationContext context)
    {
        endpointConfigurator.UseMessageRetry(r => r.Exponential(10, TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(200)));
        endpointConfigurator.UseInMemoryOutbox(context);
    }
}
