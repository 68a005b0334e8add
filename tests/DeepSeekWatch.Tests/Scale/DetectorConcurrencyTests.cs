using DeepSeekWatch.Hosting;
using DeepSeekWatch.Pipeline;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DeepSeekWatch.Tests.Scale;

/// <summary>
/// How many deliveries the detector endpoint takes at once when <c>Bus:DetectorConcurrency</c> is not set: several
/// where the detector keeps its engine log in Redis (its appends then overlap), one otherwise; a set value always wins.
/// </summary>
public sealed class DetectorConcurrencyTests
{
    private static (int? Options, int EndpointLimit, bool Logged) Compose(bool replay, params (string Key, string Value)[] settings)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Bus:Transport"] = "rabbitmq",
            ["Store:Kind"] = "redis",
            // Never connected: only the composition is looked at.
            ["Store:Redis:Configuration"] = "127.0.0.1:1,abortConnect=false",
        };
        foreach (var (key, value) in settings)
            values[key] = value;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddDeepSeekWatchPipeline(configuration, new PipelineSettings { Notify = false, Replay = replay });
        using var provider = services.BuildServiceProvider();
        var bus = provider.GetRequiredService<IOptions<BusOptions>>();
        var logged = services.Last(d => d.ServiceType == typeof(IEngineLog)).ImplementationType == typeof(RedisEngineLog);
        return (bus.Value.DetectorConcurrency, new ReactionDetectorConsumerDefinition(bus).ConcurrentMessageLimit ?? 0, logged);
    }

    [Fact]
    public void Run_with_the_engine_log_in_Redis_takes_several_deliveries_at_once_by_default()
    {
        var (options, limit, logged) = Compose(replay: false);

        Assert.True(logged);
        Assert.Equal(BusOptions.WithEngineLog, options);
        Assert.Equal(BusOptions.WithEngineLog, limit);
        Assert.True(BusOptions.WithEngineLog > 1);
    }

    [Theory]
    [InlineData(true, "Scale:Checkpoint", "true")] // a replay never keeps the log
    [InlineData(false, "Scale:Checkpoint", "false")]
    [InlineData(false, "Store:Kind", "memory")]
    public void Without_the_engine_log_the_detector_takes_one_delivery_at_a_time_by_default(bool replay, string key, string value)
    {
        var (options, limit, logged) = Compose(replay, (key, value));

        Assert.False(logged);
        Assert.Equal(BusOptions.WithoutEngineLog, options);
        Assert.Equal(1, limit);
    }

    [Theory]
    [InlineData(false, 1)]
    [InlineData(true, 8)]
    public void A_configured_value_wins_either_way(bool replay, int configured)
    {
        var (options, limit, _) = Compose(replay, ("Bus:DetectorConcurrency", configured.ToString(System.Globalization.CultureInfo.InvariantCulture)));

        Assert.Equal(configured, options);
        Assert.Equal(configured, limit);
    }

    [Fact]
    public void The_in_memory_transport_takes_one_at_a_time_whatever_is_configured()
    {
        var (_, limit, _) = Compose(false, ("Bus:Transport", "inmemory"), ("Bus:DetectorConcurrency", "8"));

        Assert.Equal(1, limit);
    }
}
