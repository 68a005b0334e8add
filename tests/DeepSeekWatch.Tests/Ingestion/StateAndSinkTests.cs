using DeepSeekWatch.Contracts;
using DeepSeekWatch.Ingestion;
using DeepSeekWatch.Replay;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace DeepSeekWatch.Tests.Ingestion;

public class StateAndSinkTests
{
    private static PriceBarObserved Bar(string symbol, int minute) =>
        new($"t:{symbol}:{minute}", "test", symbol, "1m", new DateTimeOffset(2025, 1, 27, 14, 30, 0, TimeSpan.Zero).AddMinutes(minute),
            new DateTimeOffset(2025, 1, 27, 14, 31, 0, TimeSpan.Zero).AddMinutes(minute), 10m, 11m, 9m, 10.5m, 100, false);

    [Fact]
    public async Task A_seen_key_is_refused_until_its_TTL_passes_on_the_injected_clock()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2025, 1, 27, 14, 0, 0, TimeSpan.Zero));
        var store = new InMemoryIngestionStateStore(clock);

        Assert.True(await store.TryMarkSeenAsync("headline-url:abc", TimeSpan.FromHours(1), default));
        Assert.False(await store.TryMarkSeenAsync("headline-url:abc", TimeSpan.FromHours(1), default));
        clock.Advance(TimeSpan.FromMinutes(59));
        Assert.False(await store.TryMarkSeenAsync("headline-url:abc", TimeSpan.FromHours(1), default));
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.True(await store.TryMarkSeenAsync("headline-url:abc", TimeSpan.FromHours(1), default));
    }

    [Fact]
    public async Task A_forgotten_key_can_be_marked_again()
    {
        var store = new InMemoryIngestionStateStore(new FakeTimeProvider());
        Assert.True(await store.TryMarkSeenAsync("k", TimeSpan.FromHours(1), default));
        await store.ForgetAsync("k", default);
        Assert.True(await store.TryMarkSeenAsync("k", TimeSpan.FromHours(1), default));
    }

    [Fact]
    public async Task Concurrent_marks_of_one_key_let_exactly_one_through()
    {
        var store = new InMemoryIngestionStateStore(new FakeTimeProvider());
        var results = await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => Task.Run(() => store.TryMarkSeenAsync("same", TimeSpan.FromHours(1), default))));
        Assert.Single(results, r => r);
    }

    [Fact]
    public async Task The_last_bar_start_never_moves_backwards_and_is_kept_per_symbol_and_interval()
    {
        var store = new InMemoryIngestionStateStore(new FakeTimeProvider());
        var t = new DateTimeOffset(2025, 1, 27, 15, 0, 0, TimeSpan.Zero);
        Assert.Null(await store.GetLastBarStartAsync("NVDA", "1m", default));
        await store.SetLastBarStartAsync("NVDA", "1m", t, default);
        await store.SetLastBarStartAsync("NVDA", "1m", t.AddMinutes(-5), default);
        await store.SetLastBarStartAsync("NVDA", "5m", t.AddMinutes(-30), default);
        Assert.Equal(t, await store.GetLastBarStartAsync("NVDA", "1m", default));
        Assert.Equal(t.AddMinutes(-30), await store.GetLastBarStartAsync("NVDA", "5m", default));
        Assert.Null(await store.GetLastBarStartAsync("AMD", "1m", default));
    }

    [Fact]
    public async Task The_tape_sink_takes_concurrent_publishes_and_writes_each_flush_in_time_order()
    {
        var stream = new MemoryStream();
        var sink = new TapeObservationSink(new TapeWriter(stream, leaveOpen: true));
        var symbols = new[] { "NVDA", "AMD", "AVGO", "TSM" };

        await Task.WhenAll(symbols.Select(s => Task.Run(async () =>
        {
            for (var m = 29; m >= 0; m--)
                await sink.PublishAsync(Bar(s, m), default);
        })));
        await sink.PublishAsync(new HeadlineObserved("h1", "rss:x", "DeepSeek", "https://x.example/1", "X", new DateTimeOffset(2025, 1, 27, 14, 45, 30, TimeSpan.Zero), null, [], false), default);
        await sink.FlushAsync(default);
        await sink.DisposeAsync();

        var bytes = stream.ToArray(); // readable after the writer closed the stream
        var tape = TapeReader.Read(new MemoryStream(bytes), strict: true);
        Assert.Equal(4 * 30 + 1, tape.Events.Count);
        var lines = System.Text.Encoding.UTF8.GetString(bytes).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var times = lines.Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("time").GetString()!).ToList();
        Assert.Equal(times.Order(StringComparer.Ordinal), times);
    }

    [Fact]
    public async Task The_bus_sink_publishes_both_contracts_on_MassTransit()
    {
        await using var provider = new ServiceCollection().AddMassTransitTestHarness().BuildServiceProvider(true);
        var harness = provider.GetRequiredService<ITestHarness>();
        await harness.Start();
        try
        {
            var sink = new BusObservationSink(harness.Bus);
            await sink.PublishAsync(Bar("NVDA", 0), default);
            await sink.PublishAsync(new HeadlineObserved("h1", "rss:x", "DeepSeek", "https://x.example/1", "X", DateTimeOffset.UnixEpoch, null, [], false), default);

            Assert.True(await harness.Published.Any<PriceBarObserved>(x => x.Context.Message.Symbol == "NVDA"));
            Assert.True(await harness.Published.Any<HeadlineObserved>(x => x.Context.Message.EventId == "h1"));
        }
        finally
        {
            await harness.Stop();
        }
    }
}

public sealed class RateLimitTests : IAsyncLifetime
{
    private LoopbackServer _server = null!;

    public async Task InitializeAsync() => _server = await LoopbackServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task The_client_side_rate_limit_holds_back_requests_beyond_the_per_minute_budget()
    {
        _server.MapFile("/quote", "finnhub-quote-AAPL.json", "application/json");
        var settings = IngestionTestHost.FastDefaults(_server.BaseUrl);
        settings["Sources:Prices:Provider"] = "finnhub";
        settings["Sources:Prices:Intervals:0"] = "1d";
        settings["Sources:Prices:Finnhub:ApiKey"] = "k";
        settings["Sources:Prices:Finnhub:RequestsPerMinute"] = "2";
        settings["Sources:Prices:Symbols"] = "AAPL,MSFT,NVDA";
        settings["Sources:Http:TotalTimeout"] = "00:00:01";
        settings["Sources:Http:AttemptTimeout"] = "00:00:01";
        await using var host = new IngestionTestHost(settings, new DateTimeOffset(2026, 9, 16, 21, 0, 0, TimeSpan.Zero));

        var result = await host.PollAsync("prices-finnhub");

        // Two requests fit in the minute; the third waits for a permit and gives up with the request's time budget.
        Assert.Equal(2, _server.Count("/quote"));
        Assert.True(result.Failures >= 1, string.Join(" | ", host.Warnings));
        Assert.True(host.Metrics.Rejected(RejectReasons.Timeout) >= 1);
    }
}
