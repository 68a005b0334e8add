using DeepSeekWatch.Alerts;
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

    /// <summary>Register the notifiers (Slack, webhooks). <c>replay</c> sets it only with <c>--notify</c>.</summary>
    public bool Notify { get; init; } = true;
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

        AddStore(services, configuration);
        if (settings.Consumers && settings.Notify)
            services.AddDelivery(configuration);

        services.AddSingleton(sp => new Watchlist(sp.GetRequiredService<IOptions<WatchlistOptions>>().Value.Groups));
        services.TryAddSingleton<IDetectionEngine>(sp => new ReactionDetector(sp.GetRequiredService<IOptions<DetectionOptions>>().Value, sp.GetRequiredService<Watchlist>(), Detection.Markets.NyseCalendar.SessionsBetween));
        services.AddSingleton<DetectorHost>();
        services.TryAddSingleton<IHeadlineClassifier>(sp => new LexiconHeadlineClassifier(sp.GetRequiredService<IOptions<ClassifierOptions>>().Value));
        services.AddSingleton<IHeadlineClassification, LexiconHeadlineClassification>();
        services.AddSingleton<PipelineMetrics>();
        services.AddSingleton<MarketState>();
        services.AddSingleton<HeadlineLog>();

        var activity = new PipelineActivity();
        services.AddSingleton(activity);
        services.AddPublishObserver(_ => activity);
        services.AddReceiveObserver(_ => activity);

        var bus = configuration.GetSection(BusOptions.Section).Get<BusOptions>() ?? new BusOptions();
        services.AddMassTransit(x =>
        {
            if (settings.Consumers)
            {
                x.AddConsumer<HeadlineClassifierConsumer, HeadlineClassifierConsumerDefinition>();
                x.AddConsumer<ReactionDetectorConsumer, ReactionDetectorConsumerDefinition>();
                x.AddConsumer<AlertStoreConsumer, AlertStoreConsumerDefinition>();
            }
            if (settings.Consumers && settings.Notify)
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
            o.StopTimeout = TimeSpan.FromSeconds(30);
        });

        // Each receive of a message type counts once per consuming endpoint (one consumer per endpoint here).
        foreach (var consumer in services.Where(d => d.ImplementationType is not null && d.ServiceType == d.ImplementationType).Select(d => d.ImplementationType!).Distinct())
        {
            foreach (var i in consumer.GetInterfaces().Where(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IConsumer<>)))
                activity.Subscribe(i.GetGenericArguments()[0]);
        }
        return services;
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
