using DeepSeekWatch.Contracts;
using DeepSeekWatch.Detection;
using DeepSeekWatch.Detection.Reaction;
using DeepSeekWatch.Hosting;
using MassTransit;
using Microsoft.Extensions.Options;

namespace DeepSeekWatch.Pipeline;

/// <summary>
/// The detector endpoints of this process and the engine behind each: one endpoint (<c>{prefix}reaction-detector</c>)
/// with the whole watchlist, or with <c>Scale:Partitions</c> = K &gt; 1 the K partition endpoints
/// (<c>{prefix}reaction-detector-{p}</c>) and the sector-shock aggregator (<c>{prefix}sector-shock</c>).
/// </summary>
public sealed class DetectorTopology(string prefix, int partitions)
{
    public int Partitions => partitions;

    public bool Partitioned => partitions > 1;

    public string DetectorEndpoint(int partition) => Partitioned ? $"{prefix}reaction-detector-{partition}" : $"{prefix}reaction-detector";

    public string AggregatorEndpoint => $"{prefix}sector-shock";

    /// <summary>The engine log name of a partition (K is part of it: a log kept under another K holds other symbols).</summary>
    public string DetectorEngine(int partition) => Partitioned ? $"detector-{partitions}-{partition}" : "detector";

    public string AggregatorEngine => $"sector-shock-{partitions}";

    /// <summary>Which partition an endpoint (by the last segment of its input address) is; 0 when not partitioned.</summary>
    public int PartitionOf(Uri inputAddress)
    {
        if (!Partitioned)
            return 0;
        var name = inputAddress.AbsolutePath.TrimEnd('/');
        name = name[(name.LastIndexOf('/') + 1)..];
        var dash = name.LastIndexOf('-');
        return int.Parse(name.AsSpan(dash + 1), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The routing key of a bar: its symbol's partition, or <c>all</c> for a benchmark, whose bars every partition needs.</summary>
    public string RoutingKey(PriceBarObserved bar, Watchlist watchlist) =>
        watchlist.IsBenchmark(bar.Symbol) ? "all" : "p" + Partitioning.PartitionOf(bar.Symbol, partitions).ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// In a <c>replay</c>, messages stamped by another run are leftovers of a replay that died: its consumers' state died
/// with it, so they are dropped rather than fed to this run's fresh engines out of order (the new replay publishes the
/// whole tape again). Outside a replay nothing is foreign.
/// </summary>
public sealed class RunScope(PipelineActivity activity, bool replay)
{
    public long Dropped => Interlocked.Read(ref _dropped);

    private long _dropped;

    public bool IsForeign(ConsumeContext context)
    {
        if (!replay || !context.Headers.TryGetHeader(PipelineActivity.RunHeader, out var run) || run is null)
            return false;
        if (string.Equals(run.ToString(), activity.RunId, StringComparison.Ordinal))
            return false;
        Interlocked.Increment(ref _dropped);
        return true;
    }
}

/// <summary>
/// Feeds bars and AI headlines to the detector engine of the endpoint they arrived on, writes the alerts it decides to
/// the store at once (one bus hop less between a bar and its alert being readable), and publishes what it decided.
/// With <c>Bus:DetectorConcurrency</c> above 1 on RabbitMQ the endpoint takes several deliveries at once, and each waits for its
/// turn in the queue's order (<see cref="DeliverySequencer"/>): the engine sees one message at a time, in order. A
/// message's engine-log append (with <c>Scale:Checkpoint</c>) is sent in its turn, and its outputs leave once the append
/// has landed; that append, their store write and broker confirms are awaited after the turn, so a slow one holds back
/// only its own acknowledgement, not the next delivery's turn. Deserialisation and acknowledgements overlap too. Outputs
/// of neighbouring messages may therefore leave and be confirmed out of order; the store keeps an alert's highest
/// revision and the delivery planner skips a stale one, so a later revision is never overwritten by an earlier.
/// A message that fails in its turn keeps the turn while it is retried; one whose append or outputs fail is retried after
/// its turn has passed. Either way the retry (or a redelivery) gets the same outputs again from the engine slot, which remembers
/// what each message caused, and writes and publishes them again (the store and the delivery planner are idempotent by
/// alert id and revision).
/// </summary>
public sealed class ReactionDetectorConsumer(DetectorSlots slots, RunScope scope, MarketState market, PipelineMetrics metrics, AlertRecorder recorder, DeliverySequencer sequencer)
    : IConsumer<PriceBarObserved>, IConsumer<AiHeadlineDetected>, IConsumer<ClockAdvanced>
{
    public Task Consume(ConsumeContext<PriceBarObserved> context) => InTurnAsync(context, context.Message);

    public Task Consume(ConsumeContext<AiHeadlineDetected> context) => InTurnAsync(context, context.Message);

    public Task Consume(ConsumeContext<ClockAdvanced> context) => InTurnAsync(context, context.Message);

    private async Task InTurnAsync(ConsumeContext context, object message)
    {
        if (!scope.IsForeign(context))
        {
            await sequencer.WaitTurnAsync(context.ReceiveContext, context.CancellationToken);
            if (message is PriceBarObserved bar)
            {
                metrics.BarObserved();
                market.Observe(bar);
            }
            var decision = await slots.Detector(context.ReceiveContext.InputAddress).ApplyAsync(context.MessageId ?? NewId.NextGuid(), message, context.CancellationToken);
            // The outputs leave once the event is in the engine's log, and that append, their store write and their
            // broker confirms are awaited after the turn: the next delivery's turn need not wait for them (this one is
            // acknowledged only once they are all confirmed).
            var outputs = DetectionPublisher.PublishWhenLoggedAsync(context, decision, recorder);
            sequencer.Release(context.ReceiveContext);
            await outputs;
            return;
        }
        sequencer.Release(context.ReceiveContext);
    }
}

/// <summary>
/// The engine slots of this process's detector endpoints, found once per endpoint (not per message: the consumers are
/// on the hot path) — one per partition, and the aggregator's.
/// </summary>
public sealed class DetectorSlots(EngineHost engines, DetectorTopology topology, DetectionEngineFactory factory, IOptions<DetectionOptions> options, Watchlist watchlist)
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Uri, EngineSlot> _byEndpoint = new();
    private EngineSlot? _aggregator;

    /// <summary>The slot of the partition whose endpoint received the message.</summary>
    public EngineSlot Detector(Uri inputAddress) => _byEndpoint.GetOrAdd(inputAddress, address =>
    {
        var partition = topology.PartitionOf(address);
        return engines.Slot(topology.DetectorEngine(partition), () => new DetectorEngine(factory(topology.Partitioned ? DetectorPartition.Of(partition, topology.Partitions) : null)));
    });

    public EngineSlot Aggregator => _aggregator ??= engines.Slot(topology.AggregatorEngine, () => new AggregatorEngine(new SectorShockAggregator(options.Value, watchlist, topology.Partitions)));
}

/// <summary>The retry of every stateful engine's endpoint: rides out a store outage of about a minute.</summary>
internal static class EngineRetry
{
    public static void Apply(IConsumePipeConfigurator endpoint) =>
        endpoint.UseMessageRetry(r => r.Exponential(10, TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(200)));
}

/// <summary>
/// What an engine decided leaves its consumer here. Its alerts are written to the store before they are published
/// (readable before anything is delivered). The three kinds of output go to different endpoints and wait for their
/// broker confirms side by side, not one after another: the alerts (stored, then published, in order), the drops, and
/// the aggregator's inputs (members, then progress, in order, since the aggregator reads them in that order). The
/// consumer returns, and its message is acknowledged, only once all of them are confirmed.
/// </summary>
internal static class DetectionPublisher
{
    /// <summary>
    /// The outputs of an engine's decision, once its event is in the engine's log. If the append failed, nothing leaves
    /// and the failure is thrown: the bus retries the message, and the rebuilt engine decides again.
    /// </summary>
    public static Task PublishWhenLoggedAsync(ConsumeContext context, EngineDecision decision, AlertRecorder recorder)
    {
        return decision.Logged.IsCompletedSuccessfully
            ? PublishAsync(context, decision.Result, recorder)
            : AfterLoggedAsync(context, decision, recorder);

        static async Task AfterLoggedAsync(ConsumeContext context, EngineDecision decision, AlertRecorder recorder)
        {
            await decision.Logged;
            await PublishAsync(context, decision.Result, recorder);
        }
    }

    public static Task PublishAsync(ConsumeContext context, DetectionResult result, AlertRecorder recorder)
    {
        if (result.IsEmpty)
            return Task.CompletedTask;
        var alerts = result.Alerts.Count > 0 ? AlertsAsync(context, result.Alerts, recorder) : Task.CompletedTask;
        var drops = result.Drops.Count > 0 ? InOrderAsync(context, result.Drops, Array.Empty<DropDetected>()) : Task.CompletedTask;
        var aggregator = result.Members.Count + result.Progress.Count > 0 ? InOrderAsync(context, result.Members, result.Progress) : Task.CompletedTask;
        return Task.WhenAll(alerts, drops, aggregator);
    }

    private static async Task AlertsAsync(ConsumeContext context, IReadOnlyList<Alert> alerts, AlertRecorder recorder)
    {
        foreach (var alert in alerts)
            await recorder.RecordAsync(alert, context.CancellationToken);
        foreach (var alert in alerts)
            await context.Publish(new AlertRaised(alert), context.CancellationToken);
    }

    private static async Task InOrderAsync<TFirst, TThen>(ConsumeContext context, IReadOnlyList<TFirst> first, IReadOnlyList<TThen> then)
        where TFirst : class
        where TThen : class
    {
        foreach (var message in first)
            await context.Publish(message, context.CancellationToken);
        foreach (var message in then)
            await context.Publish(message, context.CancellationToken);
    }
}

/// <summary>The sector-shock aggregator of a partitioned detector (one endpoint, single active consumer); writes its alerts to the store as it decides, like the detector.</summary>
public sealed class SectorShockConsumer(DetectorSlots slots, RunScope scope, AlertRecorder recorder)
    : IConsumer<GroupMemberChanged>, IConsumer<GroupProgress>
{
    public Task Consume(ConsumeContext<GroupMemberChanged> context) => HandleAsync(context, context.Message);

    public Task Consume(ConsumeContext<GroupProgress> context) => HandleAsync(context, context.Message);

    private async Task HandleAsync(ConsumeContext context, object message)
    {
        if (scope.IsForeign(context))
            return;
        var decision = await slots.Aggregator.ApplyAsync(context.MessageId ?? NewId.NextGuid(), message, context.CancellationToken);
        await DetectionPublisher.PublishWhenLoggedAsync(context, decision, recorder);
    }
}

public sealed class ReactionDetectorConsumerDefinition : ConsumerDefinition<ReactionDetectorConsumer>
{
    public ReactionDetectorConsumerDefinition(IOptions<BusOptions> bus)
    {
        EndpointName = bus.Value.EndpointPrefix + "reaction-detector";
        // Only RabbitMQ numbers deliveries, which is what keeps the queue's order with several at once.
        ConcurrentMessageLimit = bus.Value.IsRabbitMq ? bus.Value.DetectorConcurrency ?? BusOptions.WithoutEngineLog : 1;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<ReactionDetectorConsumer> consumerConfigurator, IRegistrationContext context)
    {
        // No outbox: the consumer publishes inside its turn, so outputs leave in the queue's order (see the consumer).
        EngineRetry.Apply(endpointConfigurator);
    }
}
