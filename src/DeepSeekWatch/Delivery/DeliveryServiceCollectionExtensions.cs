using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace DeepSeekWatch.Delivery;

public static class DeliveryServiceCollectionExtensions
{
    /// <summary>
    /// Key of an optional keyed <see cref="TimeProvider"/> for delivery. When registered (e.g. <c>TimeProvider.System</c>
    /// in <c>replay --notify</c>, whose pipeline runs on a virtual clock), delivery times its attempts, back-off, quiet
    /// hours and signatures on it; otherwise it uses the unkeyed <see cref="TimeProvider"/>.
    /// </summary>
    public const string ClockKey = "DeepSeekWatch.Delivery.Clock";

    internal static TimeProvider Clock(IServiceProvider sp) =>
        sp.GetKeyedService<TimeProvider>(ClockKey) ?? sp.GetRequiredService<TimeProvider>();

    /// <summary>
    /// Registers delivery: options bound from <c>Notifications:*</c> and validated at start (each problem names its key),
    /// the delivery store chosen by <c>Store:Kind</c>, the planner, the dispatcher (a hosted service), the operator
    /// operations and the named HTTP clients. Call <see cref="AddDeliveryConsumers"/> on the bus to feed it.
    /// </summary>
    public static IServiceCollection AddDelivery(this IServiceCollection services, IConfiguration configuration)
    {
        // Idempotent: a second call must not start a second dispatcher loop.
        if (services.Any(d => d.ServiceType == typeof(DeliveryDispatcher)))
            return services;
        services.AddOptions<DeliveryOptions>()
            .Configure(o => DeliveryOptionsBinder.Bind(configuration, o))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DeliveryOptions>, DeliveryOptionsValidator>());
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<DeliveryOptions>>().Value);
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();

        // When the composition has not registered a multiplexer (e.g. the deliveries command), connect from Store:Redis:Configuration.
        services.TryAddSingleton<IConnectionMultiplexer>(_ =>
            ConnectionMultiplexer.Connect(configuration["Store:Redis:Configuration"]
                ?? throw new InvalidOperationException("Store:Redis:Configuration is required when Store:Kind is redis")));
        services.TryAddSingleton<IDeliveryStore>(sp =>
        {
            var options = sp.GetRequiredService<DeliveryOptions>();
            return options.StoreKind == "redis"
                ? new RedisDeliveryStore(sp.GetRequiredService<IConnectionMultiplexer>(), options)
                : new MemoryDeliveryStore(Clock(sp), options);
        });

        services.TryAddSingleton<DeliveryMetrics>();
        services.TryAddSingleton<RoutePacer>();
        services.TryAddSingleton(sp => ActivatorUtilities.CreateInstance<DeliveryPlanner>(sp, Clock(sp)));
        services.TryAddSingleton(sp => ActivatorUtilities.CreateInstance<DeliverySender>(sp, Clock(sp)));
        services.TryAddSingleton(sp => ActivatorUtilities.CreateInstance<DeliveryOperations>(sp, Clock(sp)));
        services.TryAddSingleton(sp => ActivatorUtilities.CreateInstance<DeliveryDispatcher>(sp, Clock(sp)));
        services.AddHostedService(sp => sp.GetRequiredService<DeliveryDispatcher>());

        // Redirects are failures (Standard Webhooks), timeouts are per route on the TimeProvider, and the factory's own
        // request logging is removed because it would write the URL, and a Slack webhook URL is a secret.
        foreach (var name in new[] { DeliverySender.SlackClientName, DeliverySender.WebhookClientName })
        {
            services.AddHttpClient(name)
                .ConfigureHttpClient(c => c.Timeout = Timeout.InfiniteTimeSpan)
                .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false })
                .RemoveAllLoggers();
        }
        return services;
    }

    /// <summary>
    /// Registers the <c>AlertRaised</c> consumer that plans deliveries, on its own endpoint <c>deepseekwatch-delivery</c>.
    /// Not called in <c>replay</c> without <c>--notify</c>.
    /// </summary>
    public static void AddDeliveryConsumers(this IBusRegistrationConfigurator x) =>
        x.AddConsumer<AlertDeliveryConsumer, AlertDeliveryConsumerDefinition>();
}

/// <summary>Fails start-up with every configuration problem, each naming its key (and never a secret's value).</summary>
internal sealed class DeliveryOptionsValidator : IValidateOptions<DeliveryOptions>
{
    public ValidateOptionsResult Validate(string? name, DeliveryOptions options) =>
        options.Errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(options.Errors);
}
