using System.Net;
using System.Threading.RateLimiting;
using DeepSeekWatch.Hosting;
using DeepSeekWatch.Ingestion.Providers;
using IBus = MassTransit.IBus;
using ConfigurationException = DeepSeekWatch.Hosting.ConfigurationException;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Quartz;
using StackExchange.Redis;

namespace DeepSeekWatch.Ingestion;

public static class IngestionServiceCollectionExtensions
{
    /// <summary>
    /// Registers ingestion: <c>Sources</c> options (validated on start), resilient HTTP clients, the configured price
    /// provider and headline sources, one poller per provider, the state store chosen by <c>Store:Kind</c>, the
    /// <see cref="BusObservationSink"/> (unless an <see cref="IObservationSink"/> is already registered), and one Quartz
    /// job per poller with the Quartz hosted service.
    /// </summary>
    public static IServiceCollection AddIngestion(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SourcesOptions>().BindConfiguration(SourcesOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SourcesOptions>, SourcesOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton<IngestionMetrics>();
        services.TryAddSingleton<ProviderHttp>();
        services.TryAddSingleton<IObservationSink>(sp => new BusObservationSink(sp.GetRequiredService<IBus>()));
        AddStateStore(services, configuration);

        SourcesOptions plan;
        try
        {
            plan = configuration.GetSection(SourcesOptions.Section).Get<SourcesOptions>() ?? new SourcesOptions();
        }
        catch (InvalidOperationException e)
        {
            // The binder's message names the key ("Failed to convert configuration value at 'Sources:PollInterval'").
            throw new ConfigurationException(SourcesOptions.Section, e.Message);
        }
        var symbols = IngestionWatchlist.Symbols(configuration);

        foreach (var client in new[] { YahooChartProvider.ClientName, StooqProvider.ClientName, FinnhubQuoteProvider.ClientName, AlphaVantageProvider.ClientName, SyndicationFeedSource.ClientName })
            AddResilientClient(services, client);

        var pollerNames = new List<(string Name, TimeSpan Interval)>();
        var provider = plan.Prices.Provider.Trim().ToLowerInvariant();
        if (provider is not ("" or "none"))
        {
            services.AddSingleton<IPoller>(sp =>
            {
                var options = sp.GetRequiredService<IOptionsMonitor<SourcesOptions>>();
                var http = sp.GetRequiredService<ProviderHttp>();
                IPriceProvider p = provider switch
                {
                    "stooq" => new StooqProvider(http, options),
                    "finnhub" => new FinnhubQuoteProvider(http, options),
                    "alphavantage" => new AlphaVantageProvider(http, options),
                    "yahoo" => new YahooChartProvider(http, options),
                    _ => throw new ConfigurationException("Sources:Prices:Provider", $"'{provider}' is not one of yahoo, stooq, finnhub, alphavantage, none"),
                };
                return new PricePoller(p, symbols, sp.GetRequiredService<IIngestionStateStore>(), sp.GetRequiredService<IObservationSink>(),
                    sp.GetRequiredService<IngestionMetrics>(), options, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<PricePoller>>());
            });
            pollerNames.Add(($"prices-{PriceProviderName(provider)}", plan.PollInterval));
        }

        var headlineInterval = plan.Headlines.PollInterval ?? plan.PollInterval;
        services.AddSingleton<IPoller>(sp => NewHeadlinePoller(sp, HeadlinesRss, FeedSources(sp, plan, symbols)));
        pollerNames.Add((HeadlinesRss, headlineInterval));
        if (plan.Headlines.FinnhubCompanyNews)
        {
            services.AddSingleton<IPoller>(sp => NewHeadlinePoller(sp, HeadlinesFinnhub,
                symbols.Select(s => (IHeadlineSource)new FinnhubNewsSource(sp.GetRequiredService<ProviderHttp>(), sp.GetRequiredService<IOptionsMonitor<SourcesOptions>>(), s)).ToList()));
            pollerNames.Add((HeadlinesFinnhub, headlineInterval));
        }

        services.TryAddSingleton<IngestionPollers>();
        services.TryAddSingleton<IngestionRunner>();

        services.AddQuartz(q =>
        {
            foreach (var (name, interval) in pollerNames)
            {
                q.ScheduleJob<PollJob>(
                    trigger => trigger
                        .WithIdentity(name + "-trigger", "ingestion")
                        .UsingJobData(PollJob.PollerKey, name)
                        .StartNow()
                        .WithSimpleSchedule(s => s
                            .WithInterval(interval)
                            .RepeatForever()
                            // A firing missed while the service was down or the previous run was still going is
                            // dropped; the next one runs on schedule and backfills from the last published bar.
                            .WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount)),
                    job => job
                        .WithIdentity(name, "ingestion")
                        .WithDescription($"Polls {name}")
                        .UsingJobData(PollJob.PollerKey, name)
                        .DisallowConcurrentExecution());
            }
        });
        services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
        return services;
    }

    public const string HeadlinesRss = "headlines-rss";
    public const string HeadlinesFinnhub = "headlines-finnhub";

    private static string PriceProviderName(string provider) => provider switch
    {
        "stooq" => StooqProvider.ClientName,
        "finnhub" => FinnhubQuoteProvider.ClientName,
        "alphavantage" => AlphaVantageProvider.ClientName,
        "yahoo" => YahooChartProvider.ClientName,
        _ => throw new ConfigurationException("Sources:Prices:Provider", $"'{provider}' is not one of yahoo, stooq, finnhub, alphavantage, none"),
    };

    private static HeadlinePoller NewHeadlinePoller(IServiceProvider sp, string name, IReadOnlyList<IHeadlineSource> sources) =>
        new(name, sources, sp.GetRequiredService<IIngestionStateStore>(), sp.GetRequiredService<IObservationSink>(), sp.GetRequiredService<IngestionMetrics>(),
            sp.GetRequiredService<IOptionsMonitor<SourcesOptions>>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<HeadlinePoller>>());

    /// <summary>Configured feeds, then Yahoo Finance per-symbol headline RSS, then Google News search feeds.</summary>
    private static List<IHeadlineSource> FeedSources(IServiceProvider sp, SourcesOptions plan, IReadOnlyList<string> symbols)
    {
        var http = sp.GetRequiredService<ProviderHttp>();
        var sources = new List<IHeadlineSource>();
        foreach (var f in plan.Headlines.Feeds)
            sources.Add(new SyndicationFeedSource(http, f.Name, new Uri(f.Url), null, f.Tickers));
        if (plan.Headlines.YahooSymbolFeeds)
        {
            foreach (var chunk in symbols.Chunk(plan.Headlines.YahooSymbolsPerRequest))
            {
                var url = new Uri($"{plan.Headlines.YahooRssBaseUrl.TrimEnd('/')}/rss/2.0/headline?s={Uri.EscapeDataString(string.Join(',', chunk))}&region=US&lang=en-US");
                // Items of a multi-symbol feed are not tagged per symbol, so only single-symbol feeds carry tickers.
                sources.Add(new SyndicationFeedSource(http, "Yahoo Finance", url, "Yahoo Finance", chunk.Length == 1 ? chunk : []));
            }
        }
        if (plan.Headlines.GoogleNews)
        {
            foreach (var query in plan.Headlines.EffectiveGoogleNewsQueries)
            {
                var url = new Uri($"{plan.Headlines.GoogleNewsBaseUrl.TrimEnd('/')}/rss/search?q={Uri.EscapeDataString(query)}&hl=en-US&gl=US&ceid=US:en");
                sources.Add(new SyndicationFeedSource(http, $"Google News: {query}", url, "Google News", []));
            }
        }
        return sources;
    }

    private static void AddStateStore(IServiceCollection services, IConfiguration configuration)
    {
        var kind = (configuration["Store:Kind"] ?? "memory").Trim().ToLowerInvariant();
        switch (kind)
        {
            case "" or "memory":
                services.TryAddSingleton<IIngestionStateStore>(sp => new InMemoryIngestionStateStore(sp.GetRequiredService<TimeProvider>()));
                break;
            case "redis":
                var prefix = configuration["Store:Redis:KeyPrefix"] ?? "dsw:";
                services.TryAddSingleton<IIngestionStateStore>(sp => new RedisIngestionStateStore(sp.GetRequiredService<IConnectionMultiplexer>(), prefix));
                break;
            default:
                throw new ConfigurationException("Store:Kind", $"'{kind}' is not one of memory, redis");
        }
    }

    private static void AddResilientClient(IServiceCollection services, string name)
    {
        services.AddHttpClient(name, (sp, client) =>
            {
                // The resilience pipeline owns timeouts.
                client.Timeout = Timeout.InfiniteTimeSpan;
                client.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", sp.GetRequiredService<IOptionsMonitor<SourcesOptions>>().CurrentValue.Http.UserAgent);
            })
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                AutomaticDecompression = DecompressionMethods.All,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                MaxAutomaticRedirections = 5,
            })
            .AddResilienceHandler($"{name}-resilience", (pipeline, context) =>
            {
                var sources = context.ServiceProvider.GetRequiredService<IOptionsMonitor<SourcesOptions>>().CurrentValue;
                var http = sources.Http;
                // HTTP happens in real time even when the pollers run on a virtual clock (tests, replays).
                var time = TimeProvider.System;
                pipeline.TimeProvider = time;
                pipeline.AddTimeout(http.TotalTimeout);
                if (http.MaxRetries > 0)
                {
                    pipeline.AddRetry(new HttpRetryStrategyOptions
                    {
                        MaxRetryAttempts = http.MaxRetries,
                        Delay = http.RetryBaseDelay,
                        BackoffType = DelayBackoffType.Exponential,
                        UseJitter = true,
                        ShouldRetryAfterHeader = false, // RetryAfter below honours it, with a cap
                        ShouldHandle = args => ValueTask.FromResult(
                            HttpClientResiliencePredicates.IsTransient(args.Outcome)
                            && !(RetryAfter(args.Outcome.Result, time) is { } wait && wait > http.MaxRetryAfter)),
                        DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Result, time)),
                    });
                }
                var perMinute = RequestsPerMinute(sources, name);
                if (perMinute > 0)
                {
                    pipeline.AddRateLimiter(new SlidingWindowRateLimiter(new SlidingWindowRateLimiterOptions
                    {
                        PermitLimit = perMinute,
                        Window = TimeSpan.FromMinutes(1),
                        SegmentsPerWindow = 6,
                        QueueLimit = 10_000,
                        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                        AutoReplenishment = true,
                    }));
                }
                pipeline.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
                {
                    FailureRatio = http.CircuitBreakerFailureRatio,
                    MinimumThroughput = http.CircuitBreakerMinimumThroughput,
                    SamplingDuration = http.CircuitBreakerSamplingDuration,
                    BreakDuration = http.CircuitBreakerBreakDuration,
                });
                pipeline.AddTimeout(http.AttemptTimeout);
            });
    }

    private static int RequestsPerMinute(SourcesOptions o, string client) => client switch
    {
        FinnhubQuoteProvider.ClientName => o.Prices.Finnhub.RequestsPerMinute,
        AlphaVantageProvider.ClientName => o.Prices.AlphaVantage.RequestsPerMinute,
        StooqProvider.ClientName => o.Prices.Stooq.RequestsPerMinute,
        YahooChartProvider.ClientName => o.Prices.Yahoo.RequestsPerMinute,
        _ => 0,
    };

    /// <summary>The wait a 429/503 asks for (delta or date form); null when it asks for none.</summary>
    internal static TimeSpan? RetryAfter(HttpResponseMessage? response, TimeProvider time)
    {
        var header = response?.Headers.RetryAfter;
        if (header is null)
            return null;
        if (header.Delta is { } delta)
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        if (header.Date is { } date)
        {
            var wait = date - time.GetUtcNow();
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }
        return null;
    }
}
