using DeepSeekWatch.Alerts;
using DeepSeekWatch.Contracts;
using DeepSeekWatch.Delivery;
using DeepSeekWatch.Detection;
using DeepSeekWatch.Detection.Classification;
using DeepSeekWatch.Detection.Reaction;
using DeepSeekWatch.Pipeline;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace DeepSeekWatch.Hosting;

/// <summary>What a command wants from the shared pipeline.</summary>
public sealed record PipelineSettings
{
    /// <summary>Register the consumers (classifier, detector, store). False for commands that only publish or read.</summary>
    public bool Consumers { get; init; } = true;

    /// <summary>Register the notifiers (Slack, webhooks): the delivery consumer and dispatcher. <c>replay</c> sets it only with <c>--notify</c>.</summary>
    public bool Notify { get; init; } = true;

    /// <summary>
    /// A replay: its engines start fresh (no checkpoint log, <c>Scale:Checkpoint</c> is ignored) and drop leftovers
    /// stamped by another run (see <see cref="RunScope"/>).
    /// </summary>
    public bool Replay { get; init; }
}

/// <summary>
/// The one composition root: every command (run, replay, record, ...) calls this, and only transport, store and
/// clock differ, chosen by configuration (<c>Bus:Transport</c>, <c>Store:Kind</c>) and by the command's own
/// <see cref="TimeProvider"/> registration (made before this call).
/// </summary>
public static class PipelineComposition
{
    public static IServiceCollection AddDeepSeekWatchPipeline(this IServiceCollection services, IConfiguration configuration, PipelineSettings? settings = null, Action<IBusRegistrationConfigurator>? configureBus = null)
    {
        settings ??= new PipelineSettings();
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();

        services.AddOptions<BusOptions>().BindConfiguration(BusOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<BusOptions>, BusOptionsValidator>();
        services.AddOptions<StoreOptions>().BindConfiguration(StoreOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StoreOptions>, StoreOptionsValidator>());
        services.AddOptions<WatchlistOptions>().BindConfiguration(WatchlistOptions.Section)
            .PostConfigure(o =>
            {
                if (o.Groups.Count == 0)
                    o.Groups = WatchlistOptions.Defaults();
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<WatchlistOptions>>(new FromValidateMethod<WatchlistOptions>(o => o.Validate()));
        services.AddOptions<DetectionOptions>().BindConfiguration(DetectionOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DetectionOptions>>(new FromValidateMethod<DetectionOptions>(o => o.Validate()));
        services.AddOptions<ClassifierOptions>().BindConfiguration(ClassifierOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ClassifierOptions>>(new FromValidateMethod<ClassifierOptions>(o => o.Validate()));

        services.AddOptions<ScaleOptions>().BindConfiguration(ScaleOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ScaleOptions>, ScaleOptionsValidator>();

        AddStore(services, configuration);
        if (settings.Notify)
            services.AddDelivery(configuration);

        var bus = configuration.GetSection(BusOptions.Section).Get<BusOptions>() ?? new BusOptions();
        var scale = configuration.GetSection(ScaleOptions.Section).Get<ScaleOptions>() ?? new ScaleOptions();
        var store = configuration.GetSection(StoreOptions.Section).Get<StoreOptions>() ?? new StoreOptions();
        var topology = new DetectorTopology(bus.EndpointPrefix, Math.Max(1, scale.Partitions));
        services.AddSingleton(topology);
        services.AddSingleton(sp => new Watchlist(sp.GetRequiredService<IOptions<WatchlistOptions>>().Value.Groups));
        services.TryAddSingleton<DetectionEngineFactory>(sp => partition => new ReactionDetector(sp.GetRequiredService<IOptions<DetectionOptions>>().Value, sp.GetRequiredService<Watchlist>(), Detection.Markets.NyseCalendar.SessionsBetween, partition));
        if (!settings.Replay && scale.Checkpoint && store.IsRedis)
            services.TryAddSingleton<IEngineLog, RedisEngineLog>();
        else
            services.TryAddSingleton<IEngineLog>(NoEngineLog.Instance);
        // Unset Bus:DetectorConcurrency: several deliveries at once where the engine log's appends can then overlap.
        var engineLog = services.Last(d => d.ServiceType == typeof(IEngineLog)).ImplementationInstance is not NoEngineLog;
        var detectorConcurrency = bus.DetectorConcurrency ?? (engineLog ? BusOptions.WithEngineLog : BusOptions.WithoutEngineLog);
        services.PostConfigure<BusOptions>(o => o.DetectorConcurrency ??= detectorConcurrency);
        services.AddSingleton<EngineHost>();
        services.AddSingleton<DetectorSlots>();
        services.TryAddSingleton<IHeadlineClassifier>(sp => new LexiconHeadlineClassifier(sp.GetRequiredService<IOptions<ClassifierOptions>>().Value));
        services.AddSingleton<IHeadlineClassification, LexiconHeadlineClassification>();
        services.AddSingleton<PipelineMetrics>();
        services.AddSingleton<MarketState>();
        services.AddSingleton<HeadlineLog>();
        services.AddSingleton<AlertRecorder>();
        // Deliveries need ordering only when the detector endpoint takes several at once (RabbitMQ only).
        var sequenced = bus.IsRabbitMq && detectorConcurrency > 1 && !topology.Partitioned;
        var sequencer = new DeliverySequencer(sequenced ? SequencedEndpoint(topology) : _ => false);
        services.AddSingleton(sequencer);
        if (sequenced)
            services.AddReceiveObserver(_ => sequencer);

        var activity = new PipelineActivity();
        services.AddSingleton(activity);
        services.AddSingleton(new RunScope(activity, settings.Replay));
        services.AddPublishObserver(_ => activity);
        services.AddReceiveObserver(_ => activity);

        services.AddMassTransit(x =>
        {
            if (settings.Consumers)
            {
                x.AddConsumer<HeadlineClassifierConsumer, HeadlineClassifierConsumerDefinition>();
                if (topology.Partitioned)
                {
                    // Endpoints configured below, one per partition (and the aggregator), not by convention.
                    x.AddConsumer<ReactionDetectorConsumer>().ExcludeFromConfigureEndpoints();
                    x.AddConsumer<SectorShockConsumer>().ExcludeFromConfigureEndpoints();
                }
                else
                {
                    x.AddConsumer<ReactionDetectorConsumer, ReactionDetectorConsumerDefinition>();
                }
                x.AddConsumer<AlertStoreConsumer, AlertStoreConsumerDefinition>();
            }
            if (settings.Notify)
                x.AddDeliveryConsumers();
            configureBus?.Invoke(x);
            if (bus.IsRabbitMq)
            {
                x.AddConfigureEndpointsCallback((context, name, endpoint) =>
                {
                    var o = context.GetRequiredService<IOptions<BusOptions>>().Value.RabbitMq;
                    if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbit)
                    {
                        rabbit.PrefetchCount = o.PrefetchCount;
                        if (o.QuorumQueues)
                            rabbit.SetQuorumQueue();
                        // One detector engine per queue: only one consumer of it may be active across all instances.
                        if (name == topology.DetectorEndpoint(0))
                        {
                            rabbit.SingleActiveConsumer = true;
                            rabbit.PrefetchCount = o.DetectorPrefetchCount;
                        }
                    }
                });
                x.UsingRabbitMq((context, cfg) =>
                {
                    var o = context.GetRequiredService<IOptions<BusOptions>>().Value.RabbitMq;
                    cfg.Host(o.Host, (ushort)o.Port, o.VirtualHost, h =>
                    {
                        h.Username(o.Username);
                        h.Password(o.Password);
                        h.PublisherConfirmation = true;
                    });
                    // Bus:RabbitMq:Serializer's form is written; both forms are read (MassTransit's envelope deserializer
                    // is always there), so messages from an instance with the other setting, or left in a queue, are consumed.
                    const RawSerializerOptions raw = RawSerializerOptions.AddTransportHeaders | RawSerializerOptions.CopyHeaders;
                    if (o.IsRawSerializer)
                        cfg.UseRawJsonSerializer(raw);
                    else
                        cfg.UseRawJsonDeserializer(raw);
                    if (topology.Partitioned)
                        ConfigurePartitions(context, cfg, topology, settings.Consumers);
                    cfg.ConfigureEndpoints(context);
                });
            }
            else
            {
                x.UsingInMemory((context, cfg) => cfg.ConfigureEndpoints(context));
            }
        });
        services.AddOptions<MassTransitHostOptions>().Configure<IOptions<BusOptions>>((o, b) =>
        {
            o.WaitUntilStarted = true;
            o.StartTimeout = b.Value.StartTimeout;
            o.StopTimeout = MassTransitWatchedBus.StopTimeout;
        });
        // The broker's view of whether this process consumes (docs/reliability.md, Finding 7). Registered after
        // MassTransit's hosted service, so it stops first: no restart races the host's own stop.
        if (bus.IsRabbitMq && (settings.Consumers || settings.Notify))
        {
            services.TryAddSingleton<IQueueProbe, RabbitMqQueueProbe>();
            services.TryAddSingleton<IWatchedBus, MassTransitWatchedBus>();
            services.AddSingleton<ConsumerWatchdog>();
            services.AddHostedService(sp => sp.GetRequiredService<ConsumerWatchdog>());
            services.AddHealthChecks().AddCheck<ConsumerWatchdogHealthCheck>("bus-consumers", tags: ["ready"]);
        }

        // Each receive of a message type counts once per consuming endpoint (one consumer per endpoint here, except that
        // the detector's consumer serves K partition endpoints: a bar reaches one of them, a benchmark's bar and every
        // headline and clock reach all K).
        foreach (var consumer in services.Where(d => d.ImplementationType is not null && d.ServiceType == d.ImplementationType).Select(d => d.ImplementationType!).Distinct())
        {
            foreach (var i in consumer.GetInterfaces().Where(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IConsumer<>)))
            {
                var type = i.GetGenericArguments()[0];
                if (consumer == typeof(ReactionDetectorConsumer) && topology.Partitioned && type != typeof(PriceBarObserved))
                    activity.Subscribe(type, topology.Partitions);
                else
                    activity.Subscribe(type);
            }
        }
        if (topology.Partitioned && settings.Consumers)
        {
            var watchlist = new Watchlist((configuration.GetSection(WatchlistOptions.Section).Get<WatchlistOptions>() is { Groups.Count: > 0 } w ? w : new WatchlistOptions { Groups = WatchlistOptions.Defaults() }).Groups);
            activity.Fanout<PriceBarObserved>(bar => watchlist.IsBenchmark(bar.Symbol) ? topology.Partitions : 1);
        }
        return services;
    }

    /// <summary>
    /// Partitioned detection on RabbitMQ: bars are published to a direct exchange with their partition (or <c>all</c>
    /// for a benchmark) as routing key; each partition's quorum queue is bound to its own key and to <c>all</c>, and to
    /// the fanout exchanges of AI headlines and clock ticks; a single active consumer per queue keeps one engine per
    /// partition across every instance. The aggregator judges sector shocks from all partitions on its own queue.
    /// </summary>
    private static void ConfigurePartitions(IBusRegistrationContext context, IRabbitMqBusFactoryConfigurator cfg, DetectorTopology topology, bool consumers)
    {
        var watchlist = context.GetRequiredService<Watchlist>();
        var o = context.GetRequiredService<IOptions<BusOptions>>().Value;
        cfg.Publish<PriceBarObserved>(p => p.ExchangeType = RabbitMQ.Client.ExchangeType.Direct);
        cfg.Send<PriceBarObserved>(s => s.UseRoutingKeyFormatter(c => topology.RoutingKey(c.Message, watchlist)));
        var barExchange = cfg.MessageTopology.GetMessageTopology<PriceBarObserved>().EntityName;
        if (!consumers)
            return;
        for (var p = 0; p < topology.Partitions; p++)
        {
            var key = "p" + p.ToString(System.Globalization.CultureInfo.InvariantCulture);
            cfg.ReceiveEndpoint(topology.DetectorEndpoint(p), e =>
            {
                ConfigureEngineEndpoint(e, o);
                e.Bind<PriceBarObserved>(b =>
                {
                    b.ExchangeType = RabbitMQ.Client.ExchangeType.Direct;
                    b.RoutingKey = key;
                });
                e.Bind(barExchange, b =>
                {
                    b.ExchangeType = RabbitMQ.Client.ExchangeType.Direct;
                    b.RoutingKey = "all";
                });
                e.Bind<AiHeadlineDetected>();
                e.Bind<ClockAdvanced>();
                EngineRetry.Apply(e);
                e.UseInMemoryOutbox(context);
                e.ConfigureConsumer<ReactionDetectorConsumer>(context);
            });
        }
        cfg.ReceiveEndpoint(topology.AggregatorEndpoint, e =>
        {
            ConfigureEngineEndpoint(e, o);
            e.Bind<GroupMemberChanged>();
            e.Bind<GroupProgress>();
            EngineRetry.Apply(e);
            e.UseInMemoryOutbox(context);
            e.ConfigureConsumer<SectorShockConsumer>(context);
        });
    }

    /// <summary>The one detector endpoint is the one sequenced (partition endpoints take one message at a time).</summary>
    private static Func<Uri, bool> SequencedEndpoint(DetectorTopology topology)
    {
        var name = "/" + topology.DetectorEndpoint(0);
        var known = new System.Collections.Concurrent.ConcurrentDictionary<Uri, bool>();
        return address => known.GetOrAdd(address, a => a.AbsolutePath.TrimEnd('/').EndsWith(name, StringComparison.Ordinal));
    }

    private static void ConfigureEngineEndpoint(IRabbitMqReceiveEndpointConfigurator e, BusOptions o)
    {
        e.ConfigureConsumeTopology = false;
        e.PrefetchCount = o.RabbitMq.DetectorPrefetchCount;
        e.ConcurrentMessageLimit = 1;
        if (o.RabbitMq.QuorumQueues)
            e.SetQuorumQueue();
        e.SingleActiveConsumer = true;
    }

    /// <summary>
    /// The store alone (options, and for Redis the one <see cref="IConnectionMultiplexer"/> of the process), for
    /// commands that keep state without running the pipeline (<c>record</c>).
    /// </summary>
    public static IServiceCollection AddDeepSeekWatchStore(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<StoreOptions>().BindConfiguration(StoreOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StoreOptions>, StoreOptionsValidator>());
        AddStore(services, configuration);
        return services;
    }

    private static void AddStore(IServiceCollection services, IConfiguration configuration)
    {
        var store = configuration.GetSection(StoreOptions.Section).Get<StoreOptions>() ?? new StoreOptions();
        if (store.IsRedis)
        {
            services.TryAddSingleton<IConnectionMultiplexer>(sp =>
            {
                var o = sp.GetRequiredService<IOptions<StoreOptions>>().Value.Redis;
                var options = ConfigurationOptions.Parse(o.Configuration);
                // Start even when Redis is down: writes retry, and readiness says so.
                options.AbortOnConnectFail = false;
                options.ClientName ??= "deepseekwatch";
                return ConnectionMultiplexer.Connect(options);
            });
            services.TryAddSingleton<IAlertStore, RedisAlertStore>();
        }
        else
        {
            services.TryAddSingleton<IAlertStore, MemoryAlertStore>();
        }
    }

    private sealed class FromValidateMethod<T>(Func<T, IEnumerable<string>> validate) : IValidateOptions<T>
        where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            var errors = validate(options).ToList();
            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }
    }
}
