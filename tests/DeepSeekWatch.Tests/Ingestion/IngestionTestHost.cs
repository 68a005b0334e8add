using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using DeepSeekWatch.Contracts;
using DeepSeekWatch.Ingestion;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace DeepSeekWatch.Tests.Ingestion;

/// <summary>Collects what the pollers publish.</summary>
public sealed class CollectingSink : IObservationSink
{
    public ConcurrentQueue<PriceBarObserved> Bars { get; } = new();
    public ConcurrentQueue<HeadlineObserved> Headlines { get; } = new();

    public Task PublishAsync(PriceBarObserved bar, CancellationToken ct)
    {
        Bars.Enqueue(bar);
        return Task.CompletedTask;
    }

    public Task PublishAsync(HeadlineObserved headline, CancellationToken ct)
    {
        Headlines.Enqueue(headline);
        return Task.CompletedTask;
    }
}

/// <summary>Records log lines, to prove failures are logged and secrets are not.</summary>
public sealed class ListLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<(LogLevel Level, string Message, Exception? Exception)> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    private sealed class Logger(ListLoggerProvider owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Entries.Enqueue((logLevel, formatter(state, exception), exception));
    }
}

/// <summary>Listens to the instruments of one service provider's <c>DeepSeekWatch</c> meter.</summary>
public sealed class MetricsProbe : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(string Instrument, double Value, Dictionary<string, string?> Tags)> _measurements = new();

    public MetricsProbe(IMeterFactory factory)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == IngestionMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, factory))
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Add(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Add(i, v, tags));
        _listener.Start();
    }

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var d = new Dictionary<string, string?>();
        foreach (var t in tags)
            d[t.Key] = t.Value?.ToString();
        _measurements.Enqueue((instrument.Name, value, d));
    }

    public double Sum(string instrument, params (string Key, string Value)[] tags) =>
        _measurements.Where(m => m.Instrument == instrument && tags.All(t => m.Tags.TryGetValue(t.Key, out var v) && v == t.Value)).Sum(m => m.Value);

    public double Rejected(string reason) => Sum("dsw.ingestion.items.rejected", ("reason", reason));

    public int Count(string instrument) => _measurements.Count(m => m.Instrument == instrument);

    public void Dispose() => _listener.Dispose();
}

/// <summary>A service provider with <c>AddIngestion</c> over in-memory configuration, a fake clock and a collecting sink.</summary>
public sealed class IngestionTestHost : IAsyncDisposable
{
    public ServiceProvider Services { get; }
    public CollectingSink Sink { get; } = new();
    public FakeTimeProvider Clock { get; }
    public ListLoggerProvider Logs { get; } = new();
    public MetricsProbe Metrics { get; }

    /// <summary>Settings that make the resilience pipeline quick in tests and switch off feeds the test does not set up.</summary>
    public static Dictionary<string, string?> FastDefaults(string baseUrl) => new()
    {
        ["Watchlist:Groups:test:Symbols:0"] = "NVDA",
        ["Watchlist:Groups:test:Benchmark"] = "SPY",
        ["Sources:Prices:Yahoo:BaseUrl"] = baseUrl,
        ["Sources:Prices:Stooq:BaseUrl"] = baseUrl,
        ["Sources:Prices:Finnhub:BaseUrl"] = baseUrl,
        ["Sources:Prices:AlphaVantage:BaseUrl"] = baseUrl,
        ["Sources:Headlines:YahooRssBaseUrl"] = baseUrl,
        ["Sources:Headlines:GoogleNewsBaseUrl"] = baseUrl,
        ["Sources:Headlines:YahooSymbolFeeds"] = "false",
        ["Sources:Headlines:GoogleNews"] = "false",
        ["Sources:Prices:Intervals:0"] = "5m",
        ["Sources:MarketHours:Enforce"] = "false",
        ["Sources:Http:TotalTimeout"] = "00:00:10",
        ["Sources:Http:AttemptTimeout"] = "00:00:03",
        ["Sources:Http:MaxRetries"] = "2",
        ["Sources:Http:RetryBaseDelay"] = "00:00:00.010",
        ["Sources:Http:MaxRetryAfter"] = "00:00:02",
        ["Sources:Http:CircuitBreakerMinimumThroughput"] = "1000",
    };

    public IngestionTestHost(IDictionary<string, string?> settings, DateTimeOffset now, Action<IServiceCollection>? configure = null)
    {
        Clock = new FakeTimeProvider(now);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        // Trace: HttpClient logs URIs and headers at that level, so the secret tests see everything.
        services.AddLogging(b => b.AddProvider(Logs).SetMinimumLevel(LogLevel.Trace));
        services.AddSingleton<TimeProvider>(Clock);
        services.AddSingleton<IObservationSink>(Sink);
        configure?.Invoke(services);
        services.AddIngestion(configuration);
        Services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = false, ValidateScopes = true });
        Metrics = new MetricsProbe(Services.GetRequiredService<IMeterFactory>());
    }

    public IPoller Poller(string name) =>
        Services.GetRequiredService<IngestionPollers>().TryGet(name, out var p) ? p : throw new KeyNotFoundException(name);

    public Task<PollResult> PollAsync(string name) => Poller(name).PollAsync(CancellationToken.None);

    public IEnumerable<string> Warnings => Logs.Entries.Where(e => e.Level >= LogLevel.Warning).Select(e => e.Message);

    public async ValueTask DisposeAsync()
    {
        Metrics.Dispose();
        await Services.DisposeAsync();
    }
}
