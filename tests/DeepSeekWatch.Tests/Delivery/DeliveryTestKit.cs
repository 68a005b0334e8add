using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using DeepSeekWatch.Contracts;
using DeepSeekWatch.Delivery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace DeepSeekWatch.Tests.Delivery;

/// <summary>One request as the receiver saw it.</summary>
internal sealed record ReceivedRequest(string Path, string Method, IReadOnlyDictionary<string, string> Headers, byte[] Body, string? ContentType)
{
    public string BodyText => System.Text.Encoding.UTF8.GetString(Body);
    public string Header(string name) => Headers.TryGetValue(name, out var v) ? v : "";
}

/// <summary>
/// A real HTTP receiver (Kestrel on 127.0.0.1, port 0) started by the test. <see cref="Respond"/> decides each answer
/// from the zero-based index of the request; by default everything gets 200.
/// </summary>
internal sealed class TestReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedRequest> _requests = new();
    private readonly SemaphoreSlim _arrived = new(0);
    private int _count;

    public Func<int, ReceivedRequest, HttpContext, Task> Respond { get; set; } = (_, _, ctx) =>
    {
        ctx.Response.StatusCode = 200;
        return Task.CompletedTask;
    };

    private TestReceiver(WebApplication app) => _app = app;

    public IReadOnlyList<ReceivedRequest> Requests => [.. _requests];

    public string BaseUrl { get; private set; } = "";

    public static async Task<TestReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var receiver = new TestReceiver(app);
        app.Run(receiver.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.BaseUrl = address.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/');
        return receiver;
    }

    private async Task HandleAsync(HttpContext ctx)
    {
        using var body = new MemoryStream();
        await ctx.Request.Body.CopyToAsync(body, ctx.RequestAborted);
        var headers = ctx.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString(), StringComparer.Ordinal);
        var request = new ReceivedRequest(ctx.Request.Path.Value ?? "", ctx.Request.Method, headers, body.ToArray(), ctx.Request.ContentType);
        var index = Interlocked.Increment(ref _count) - 1;
        _requests.Enqueue(request);
        _arrived.Release();
        await Respond(index, request, ctx);
    }

    /// <summary>Waits (bounded) until at least <paramref name="count"/> requests have arrived.</summary>
    public async Task WaitForRequestsAsync(int count)
    {
        var deadline = TimeSpan.FromSeconds(15);
        while (Volatile.Read(ref _count) < count)
        {
            if (!await _arrived.WaitAsync(deadline))
                throw new TimeoutException($"expected {count} request(s), got {Volatile.Read(ref _count)}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _arrived.Dispose();
    }
}

/// <summary>Captures every log entry (all categories and levels), with its structured values and any exception.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<string> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public string AllText => string.Join("\n", Entries);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull
        {
            owner.Entries.Enqueue($"[scope] {category}: {state}");
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join("; ", pairs.Select(p => $"{p.Key}={p.Value}")) : "";
            owner.Entries.Enqueue($"{logLevel} {category}: {formatter(state, exception)} | {values} | {exception}");
        }
    }
}

/// <summary>Collects measurements of the <c>DeepSeekWatch</c> meter created by one service provider's meter factory.</summary>
internal sealed class MetricsCapture : IDisposable
{
    private readonly MeterListener _listener = new();

    public ConcurrentQueue<(string Instrument, long Value, IReadOnlyDictionary<string, object?> Tags)> Measurements { get; } = new();

    public MetricsCapture(IMeterFactory factory)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "DeepSeekWatch" && ReferenceEquals(instrument.Meter.Scope, factory))
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var dict = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var t in tags)
                dict[t.Key] = t.Value;
            Measurements.Enqueue((instrument.Name, value, dict));
        });
        _listener.Start();
    }

    public long Sum(string instrument, string? tag = null, string? value = null) =>
        Measurements.Where(m => m.Instrument == instrument && (tag is null || Equals(m.Tags.GetValueOrDefault(tag), value))).Sum(m => m.Value);

    public void Dispose() => _listener.Dispose();
}

/// <summary>The delivery services over a <see cref="FakeTimeProvider"/>, built from in-memory configuration.</summary>
internal sealed class DeliveryHarness : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = new(2025, 1, 27, 15, 0, 0, TimeSpan.Zero); // 10:00 New York

    public FakeTimeProvider Time { get; }
    public ServiceProvider Services { get; }
    public CapturingLoggerProvider Logs { get; } = new();
    public MetricsCapture Metrics { get; }

    public DeliveryHarness(IDictionary<string, string?> settings, FakeTimeProvider? time = null, IDeliveryStore? sharedStore = null)
    {
        Time = time ?? new FakeTimeProvider(Start);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(Time);
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(Logs));
        if (sharedStore is not null)
            services.AddSingleton(sharedStore);
        services.AddDelivery(configuration);
        Services = services.BuildServiceProvider(validateScopes: true);
        Metrics = new MetricsCapture(Services.GetRequiredService<IMeterFactory>());
    }

    public DeliveryPlanner Planner => Services.GetRequiredService<DeliveryPlanner>();
    public DeliveryDispatcher Dispatcher => Services.GetRequiredService<DeliveryDispatcher>();
    public IDeliveryStore Store => Services.GetRequiredService<IDeliveryStore>();
    public DeliveryOperations Operations => Services.GetRequiredService<DeliveryOperations>();

    /// <summary>The stored delivery of <paramref name="alert"/> (default: <see cref="Alerts.Drop"/>) to <paramref name="route"/>.</summary>
    public async Task<DeliveryRecord> SingleDeliveryAsync(string route = "ops-hook", Alert? alert = null)
    {
        alert ??= Alerts.Drop();
        var delivery = await Store.GetAsync(DeliveryRecord.IdFor(route, alert.AlertId, alert.Revision));
        Assert.NotNull(delivery);
        return delivery;
    }

    public async ValueTask DisposeAsync()
    {
        Metrics.Dispose();
        await Services.DisposeAsync();
    }
}

internal static class Alerts
{
    public static Alert Drop(
        string symbol = "NVDA",
        string severity = Severities.Critical,
        string kind = AlertKinds.AiNewsDrop,
        string group = "semiconductors",
        int revision = 1,
        string? alertId = null,
        bool replay = false,
        DateTimeOffset? at = null) => new()
    {
        AlertId = alertId ?? $"{symbol.ToLowerInvariant()}-2025-01-27-{severity}",
        Revision = revision,
        Kind = kind,
        Symbol = symbol,
        Group = group,
        Severity = severity,
        At = at ?? new DateTimeOffset(2025, 1, 27, 14, 31, 0, TimeSpan.Zero),
        Session = new DateOnly(2025, 1, 27),
        Price = 118.42m,
        ReferencePrice = 142.62m,
        ReturnPct = -16.97,
        AbnormalReturnPct = -13.1,
        ZScore = -5.8,
        Benchmark = "QQQ",
        Headlines = kind == AlertKinds.Drop ? [] :
        [
            new AlertHeadline("DeepSeek R1 rivals OpenAI o1 at a fraction of the cost", "https://news.example.com/deepseek-r1?a=1&b=2",
                "Example Wire", new DateTimeOffset(2025, 1, 27, 11, 0, 0, TimeSpan.Zero), 0.92, ["deepseek", "open model"]),
        ],
        Replay = replay,
    };

    public static Alert SectorShock(params string[] members) => new()
    {
        AlertId = "semiconductors-2025-01-27-critical",
        Revision = 1,
        Kind = AlertKinds.SectorShock,
        Symbol = null,
        Group = "semiconductors",
        Members = members,
        Severity = Severities.Critical,
        At = new DateTimeOffset(2025, 1, 27, 14, 35, 0, TimeSpan.Zero),
        Session = new DateOnly(2025, 1, 27),
        ReturnPct = -9.2,
        Benchmark = "QQQ",
        Headlines =
        [
            new AlertHeadline("Chip stocks tumble as DeepSeek questions AI spending", "https://news.example.com/chips",
                "Example Wire", new DateTimeOffset(2025, 1, 27, 12, 0, 0, TimeSpan.Zero), 0.88, ["deepseek"]),
        ],
    };
}
