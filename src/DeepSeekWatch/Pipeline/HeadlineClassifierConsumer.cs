using DeepSeekWatch.Contracts;
using DeepSeekWatch.Hosting;
using MassTransit;
using Microsoft.Extensions.Options;

namespace DeepSeekWatch.Pipeline;

/// <summary>Classifies each observed headline; AI news goes on as <see cref="AiHeadlineDetected"/>.</summary>
public sealed class HeadlineClassifierConsumer(IHeadlineClassification classifier, HeadlineLog log, PipelineMetrics metrics) : IConsumer<HeadlineObserved>
{
    public async Task Consume(ConsumeContext<HeadlineObserved> context)
    {
        var h = context.Message;
        metrics.HeadlineObserved();
        var (result, ai) = classifier.Classify(h);
        log.Add(new ClassifiedHeadline(h.Title, h.Url, h.Publisher, h.PublishedAt, h.Source, result.IsAi, result.Score, result.MatchedTerms, result.Symbols, result.Groups));
        if (ai is null)
            return;
        metrics.AiHeadline();
        await context.Publish(ai, context.CancellationToken);
    }
}

public sealed class HeadlineClassifierConsumerDefinition : ConsumerDefinition<HeadlineClassifierConsumer>
{
    public HeadlineClassifierConsumerDefinition(IOptions<BusOptions> bus)
    {
        EndpointName = bus.Value.EndpointPrefix + "headline-classifier";
        ConcurrentMessageLimit = 8;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<HeadlineClassifierConsumer> consumerConfigurator, IRegistrationContext context)
    {
        endpointConfigurator.UseMessageRetry(r => r.Exponential(10, TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(200)));
        endpointConfigurator.UseInMemoryOutbox(context);
    }
}
