using System.Text.Json.Nodes;
using DeepSeekWatch.Ingestion;
using DeepSeekWatch.Ingestion.Providers;
using Microsoft.AspNetCore.Http;

namespace DeepSeekWatch.Tests.Ingestion;

public sealed class YahooChartTests : IAsyncLifetime
{
    private const string ChartPath = "/v8/finance/chart/NVDA";
    private static readonly DateTimeOffset AfterFirstHalfHour = new(2025, 1, 27, 16, 0, 0, TimeSpan.Zero);
    private LoopbackServer _server = null!;

    public async Task InitializeAsync() => _server = await LoopbackServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private Dictionary<string, string?> Settings(params (string Key, string Value)[] extra)
    {
        var s = IngestionTestHost.FastDefaults(_server.BaseUrl);
        s["Sources:Prices:Symbols:0"] = "NVDA";
        foreach (var (k, v) in extra)
            s[k] = v;
        return s;
    }

    /// <summary>The recorded NVDA 5m chart with only its first <paramref name="bars"/> bars.</summary>
    private static string NvdaChartWithFirst(int bars)
    {
        var doc = JsonNode.Parse(Recorded.Text("yahoo-chart-NVDA-5m.json"))!;
        var result = doc["chart"]!["result"]![0]!;
        Trim(result["timestamp"]!.AsArray());
        foreach (var column in result["indicators"]!["quote"]![0]!.AsObject())
            Trim(column.Value!.AsArray());
        return doc.ToJsonString();

        void Trim(JsonArray a)
        {
            while (a.Count > bars)
                a.RemoveAt(a.Count - 1);
        }
    }

    [Fact]
    public async Task Recorded_chart_publishes_each_complete_bar_in_order_and_skips_the_null_bar()
    {
        _server.MapFile(ChartPath, "yahoo-chart-NVDA-5m.json", "application/json");
        await using var host = new IngestionTestHost(Settings(), AfterFirstHalfHour);

        var result = await host.PollAsync("prices-yahoo-chart");

        var bars = host.Sink.Bars.ToList();
        // NVDA 5-minute bars of 27 Jan 2025 from shared/reference/market/intraday/NVDA_5m.csv; 14:45 is null in the response.
        Assert.Equal(["14:30", "14:35", "14:40", "14:50", "14:55", "15:00"], bars.Select(b => b.Start.UtcDateTime.ToString("HH:mm")));
        Assert.All(bars, b => Assert.Equal(TimeSpan.Zero, b.Start.Offset));
        Assert.All(bars, b => Assert.Equal(b.Start.AddMinutes(5), b.End));
        Assert.Equal((124.8m, 128.4m, 123.64m, 127.51m, 21737853L), (bars[0].Open, bars[0].High, bars[0].Low, bars[0].Close, bars[0].Volume));
        Assert.All(bars, b => Assert.Equal(("NVDA", "5m", "yahoo-chart", false), (b.Symbol, b.Interval, b.Source, b.Replay)));
        Assert.Equal(bars.Count, bars.Select(b => b.EventId).Distinct().Count());
        Assert.Equal(PollOutcomes.Ok, result.Outcome);
        Assert.Equal(1, host.Metrics.Rejected(RejectReasons.NullValues));
        Assert.Equal(6, host.Metrics.Sum("dsw.ingestion.items.published", ("provider", "yahoo-chart")));
        Assert.Equal(1, host.Metrics.Sum("dsw.ingestion.polls", ("provider", "yahoo-chart"), ("outcome", "ok")));
        Assert.Equal(1, host.Metrics.Count("dsw.ingestion.poll.duration"));
        Assert.Contains("interval=5m", _server.Requests.Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_cycle_asks_from_the_last_published_bar_and_publishes_nothing_twice()
    {
        _server.MapFile(ChartPath, "yahoo-chart-NVDA-5m.json", "application/json");
        await using var host = new IngestionTestHost(Settings(), AfterFirstHalfHour);

        await host.PollAsync("prices-yahoo-chart");
        host.Clock.Advance(TimeSpan.FromMinutes(1));
        await host.PollAsync("prices-yahoo-chart");

        Assert.Equal(6, host.Sink.Bars.Count);
        var second = _server.Requests.Last();
        Assert.Contains($"period1={new DateTimeOffset(2025, 1, 27, 15, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds()}", second, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Only_completed_bars_are_published_and_the_forming_one_follows_next_cycle()
    {
        _server.MapFile(ChartPath, "yahoo-chart-NVDA-5m.json", "application/json");
        // 14:57: the 14:55 bar is still forming and the 15:00 bar lies in the future.
        await using var host = new IngestionTestHost(Settings(), new DateTimeOffset(2025, 1, 27, 14, 57, 0, TimeSpan.Zero));

        await host.PollAsync("prices-yahoo-chart");
        Assert.Equal(["14:30", "14:35", "14:40", "14:50"], host.Sink.Bars.Select(b => b.Start.UtcDateTime.ToString("HH:mm")));
        Assert.Equal(1, host.Metrics.Rejected(RejectReasons.FutureDated));

        host.Clock.SetUtcNow(new DateTimeOffset(2025, 1, 27, 15, 10, 0, TimeSpan.Zero));
        await host.PollAsync("prices-yahoo-chart");
        Assert.Equal(["14:30", "14:35", "14:40", "14:50", "14:55", "15:00"], host.Sink.Bars.Select(b => b.Start.UtcDateTime.ToString("HH:mm")));
    }

    [Fact]
    public async Task After_an_outage_and_a_restart_missed_bars_are_published_once_in_order()
    {
        var store = new InMemoryIngestionStateStore(TimeProvider.System);
        _server.MapSequence(ChartPath,
            ctx => LoopbackServer.Respond(ctx, 200, "application/json", NvdaChartWithFirst(2)),
            ctx => LoopbackServer.Respond(ctx, 500, "text/plain", "Internal Server Error"),
            ctx => LoopbackServer.Respond(ctx, 500, "text/plain", "Internal Server Error"),
            ctx => LoopbackServer.Respond(ctx, 500, "text/plain", "Internal Server Error"),
            ctx => LoopbackServer.Respond(ctx, 200, "application/json", Recorded.Text("yahoo-chart-NVDA-5m.json")));
        var published = new List<DeepSeekWatch.Contracts.PriceBarObserved>();
        await using (var first = new IngestionTestHost(Settings(), AfterFirstHalfHour, s => s.AddSingletonStore(store)))
        {
            await first.PollAsync("prices-yahoo-chart"); // 14:30, 14:35
            var outage = await first.PollAsync("prices-yahoo-chart"); // 500 three times (two retries)
            Assert.Equal(PollOutcomes.Failed, outage.Outcome);
            Assert.Equal(1, first.Metrics.Rejected(RejectReasons.ServerError));
            published.AddRange(first.Sink.Bars);
        }
        // The service restarts with the same state store.
        await using (var second = new IngestionTestHost(Settings(), AfterFirstHalfHour.AddMinutes(30), s => s.AddSingletonStore(store)))
        {
            await second.PollAsync("prices-yahoo-chart");
            await second.PollAsync("prices-yahoo-chart");
            published.AddRange(second.Sink.Bars);
            Assert.Contains($"period1={new DateTimeOffset(2025, 1, 27, 14, 35, 0, TimeSpan.Zero).ToUnixTimeSeconds()}", _server.Requests.ElementAt(4), StringComparison.Ordinal);
        }
        Assert.Equal(["14:30", "14:35", "14:40", "14:50", "14:55", "15:00"], published.Select(b => b.Start.UtcDateTime.ToString("HH:mm")));
    }

    [Fact]
    public async Task Impossible_values_and_dates_are_rejected_by_reason_and_valid_bars_still_published()
    {
        _server.MapFile(ChartPath, "yahoo-chart-NVDA-5m-invalid.json", "application/json");
        await using var host = new IngestionTestHost(Settings(), AfterFirstHalfHour);

        var result = await host.PollAsync("prices-yahoo-chart");

        Assert.Equal(["14:45", "14:50"], host.Sink.Bars.Select(b => b.Start.UtcDateTime.ToString("HH:mm")));
        Assert.Equal(1, host.Metrics.Rejected(RejectReasons.NonPositive));
        Assert.Equal(1, host.Metrics.Rejected(RejectReasons.HighBelowLow));
        Assert.Equal(1, host.Metrics.Rejected(RejectReasons.NonFinite));
        Assert.Equal(1, host.Metrics.Rejected(RejectReasons.FutureDated));
        Assert.Equal(1, host.Metrics.Rejected(RejectReasons.InvalidDate));
        Assert.Equal(5, result.Rejected);
        Assert.Contains(host.Warnings, w => w.Contains("high-below-low", StringComparison.Ordinal));
    }

    public static TheoryData<string> FailureModes => new()
    {
        "truncated-json", "html-200", "429-long-retry-after", "500", "timeout", "not-found", "oversized", "oversized-chunked", "reset",
    };

    [Theory]
    [MemberData(nameof(FailureModes))]
    public async Task Each_failure_is_logged_and_counted_and_the_next_cycle_runs(string mode)
    {
        var full = Recorded.Text("yahoo-chart-NVDA-5m.json");
        var (reason, handler) = mode switch
        {
            "truncated-json" => (RejectReasons.MalformedJson, Body(200, "application/json", full[..(full.Length / 2)])),
            "html-200" => (RejectReasons.HtmlPage, Body(200, "text/html; charset=utf-8", Recorded.Text("html-error-page.html"))),
            "429-long-retry-after" => (RejectReasons.RateLimited, (Func<HttpContext, Task>)(ctx =>
            {
                ctx.Response.Headers.RetryAfter = "120";
                return LoopbackServer.Respond(ctx, 429, "text/plain", "Too Many Requests\r\n");
            })),
            "500" => (RejectReasons.ServerError, Body(500, "text/plain", "Internal Server Error")),
            "timeout" => (RejectReasons.Timeout, (Func<HttpContext, Task>)(async ctx =>
            {
                try
                {
                    await Task.Delay(Timeout.Infinite, ctx.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    // the client gave up, as it should
                }
            })),
            "not-found" => (RejectReasons.NotFound, Body(404, "application/json", Recorded.Text("yahoo-chart-not-found.json"))),
            "oversized" => (RejectReasons.Oversized, Body(200, "application/json", full)),
            "oversized-chunked" => (RejectReasons.Oversized, (Func<HttpContext, Task>)(async ctx =>
            {
                ctx.Response.ContentType = "application/json";
                await ctx.Response.StartAsync(); // chunked: no Content-Length to check up front
                for (var i = 0; i < 10; i++)
                    await ctx.Response.WriteAsync(full[..400]);
            })),
            "reset" => (RejectReasons.Network, (Func<HttpContext, Task>)(ctx =>
            {
                ctx.Abort();
                return Task.CompletedTask;
            })),
            _ => throw new ArgumentOutOfRangeException(nameof(mode)),
        };
        _server.MapSequence(ChartPath, handler, handler, handler, Body(200, "application/json", full));
        var settings = Settings();
        if (mode.StartsWith("oversized", StringComparison.Ordinal))
            settings["Sources:Http:MaxResponseBytes"] = (full.Length - 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (mode is not ("500" or "timeout" or "reset"))
            settings["Sources:Http:MaxRetries"] = "0";
        if (mode == "timeout")
            settings["Sources:Http:AttemptTimeout"] = "00:00:00.300";
        await using var host = new IngestionTestHost(settings, AfterFirstHalfHour);

        var failed = await host.PollAsync("prices-yahoo-chart");

        Assert.Equal(PollOutcomes.Failed, failed.Outcome);
        Assert.Empty(host.Sink.Bars);
        Assert.True(host.Metrics.Rejected(reason) == 1, string.Join(" | ", host.Warnings));
        Assert.Contains(host.Warnings, w => w.Contains(reason, StringComparison.Ordinal));

        if (mode.StartsWith("oversized", StringComparison.Ordinal))
        {
            Assert.True(NvdaChartWithFirst(2).Length < full.Length - 1);
            _server.Map(ChartPath, Body(200, "application/json", NvdaChartWithFirst(2)));
        }
        else
            _server.Map(ChartPath, Body(200, "application/json", full));
        var next = await host.PollAsync("prices-yahoo-chart");
        Assert.Equal(PollOutcomes.Ok, next.Outcome);
        Assert.NotEmpty(host.Sink.Bars);
    }

    [Fact]
    public async Task A_429_with_a_short_Retry_After_is_retried_after_that_wait_and_succeeds()
    {
        var full = Recorded.Text("yahoo-chart-NVDA-5m.json");
        var times = new List<DateTimeOffset>();
        _server.MapSequence(ChartPath,
            ctx =>
            {
                times.Add(DateTimeOffset.UtcNow);
                ctx.Response.Headers.RetryAfter = "1";
                return LoopbackServer.Respond(ctx, 429, "text/plain", "Too Many Requests\r\n");
            },
            ctx =>
            {
                times.Add(DateTimeOffset.UtcNow);
                return LoopbackServer.Respond(ctx, 200, "application/json", full);
            });
        await using var host = new IngestionTestHost(Settings(), AfterFirstHalfHour);

        var result = await host.PollAsync("prices-yahoo-chart");

        Assert.Equal(PollOutcomes.Ok, result.Outcome);
        Assert.Equal(6, host.Sink.Bars.Count);
        Assert.Equal(2, times.Count);
        // The retry waited for Retry-After (1 s) rather than the 10 ms back-off; a lower bound, not a speed assertion.
        Assert.True(times[1] - times[0] >= TimeSpan.FromMilliseconds(900), $"retried after {(times[1] - times[0]).TotalMilliseconds} ms");
    }

    [Theory]
    [InlineData("yahoo-chart-empty-quote.json")]
    [InlineData("yahoo-chart-empty-arrays.json")]
    public async Task A_chart_without_bars_on_a_closed_day_is_an_empty_success(string file)
    {
        _server.MapFile(ChartPath, file, "application/json");
        await using var host = new IngestionTestHost(Settings(), AfterFirstHalfHour);

        var result = await host.PollAsync("prices-yahoo-chart");

        Assert.Equal(PollOutcomes.Ok, result.Outcome);
        Assert.Empty(host.Sink.Bars);
        Assert.Equal(0, host.Metrics.Sum("dsw.ingestion.items.rejected"));
    }

    [Fact]
    public async Task With_market_hours_enforced_prices_are_not_polled_on_a_weekend()
    {
        _server.MapFile(ChartPath, "yahoo-chart-NVDA-5m.json", "application/json");
        await using var host = new IngestionTestHost(Settings(("Sources:MarketHours:Enforce", "true")), new DateTimeOffset(2025, 1, 25, 15, 0, 0, TimeSpan.Zero));

        var result = await host.PollAsync("prices-yahoo-chart");

        Assert.Equal(PollOutcomes.Skipped, result.Outcome);
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task With_pre_market_switched_off_pre_market_bars_are_not_published()
    {
        // Three 1m bars: 08:59 EST (pre-market), 09:30 and 09:31 EST (regular).
        var body = """
            {"chart":{"result":[{"meta":{"symbol":"NVDA","exchangeTimezoneName":"America/New_York","dataGranularity":"1m"},
            "timestamp":[1737989940,1737988200,1737988260],
            "indicators":{"quote":[{"open":[120,121,122],"high":[121,122,123],"low":[119,120,121],"close":[120.5,121.5,122.5],"volume":[1,2,3]}]}}],"error":null}}
            """.Replace("1737989940", (1737988200 - 31 * 60).ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        _server.MapText(ChartPath, body, "application/json");
        await using var host = new IngestionTestHost(Settings(("Sources:Prices:Intervals:0", "1m"), ("Sources:MarketHours:PreMarket", "false")), AfterFirstHalfHour);

        await host.PollAsync("prices-yahoo-chart");

        Assert.Equal(["14:30", "14:31"], host.Sink.Bars.Select(b => b.Start.UtcDateTime.ToString("HH:mm")));
        Assert.Contains("includePrePost=true", _server.Requests.Single(), StringComparison.Ordinal);
    }

    [Fact]
    public void Daily_bars_map_to_their_session_from_open_to_close_including_the_live_bar_stamp()
    {
        var batch = YahooChartProvider.Parse(Recorded.Text("yahoo-chart-IXIC-1d.json"), "application/json", "1d");

        Assert.Null(batch.FailureReason);
        Assert.Equal(
            [(new DateTimeOffset(2025, 1, 24, 14, 30, 0, TimeSpan.Zero), new DateTimeOffset(2025, 1, 24, 21, 0, 0, TimeSpan.Zero)),
             (new DateTimeOffset(2025, 1, 27, 14, 30, 0, TimeSpan.Zero), new DateTimeOffset(2025, 1, 27, 21, 0, 0, TimeSpan.Zero)),
             (new DateTimeOffset(2025, 1, 28, 14, 30, 0, TimeSpan.Zero), new DateTimeOffset(2025, 1, 28, 21, 0, 0, TimeSpan.Zero))],
            batch.Bars.Select(b => (b.Start, b.End)));
        Assert.Equal(19341.830078125m, batch.Bars[1].Close);
        // The live last bar is stamped with regularMarketTime (22:15 UTC), not the open: it still belongs to its session.
        var live = YahooChartProvider.Parse(Recorded.Text("yahoo-chart-IXIC-1d.json").Replace("1738074600", "1740176159", StringComparison.Ordinal), null, "1d");
        Assert.Equal(new DateTimeOffset(2025, 2, 21, 14, 30, 0, TimeSpan.Zero), live.Bars[^1].Start);
    }

    [Fact]
    public void The_semi_real_TSLA_minute_chart_gives_three_bars_and_one_null()
    {
        var batch = YahooChartProvider.Parse(Recorded.Text("yahoo-chart-TSLA-1m.json"), "application/json", "1m");

        Assert.Equal(4, batch.Bars.Count);
        Assert.Single(batch.Bars, b => b.Open is null);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1788552000), batch.Bars[^1].Start);
    }

    private static Func<HttpContext, Task> Body(int status, string type, string body) => ctx => LoopbackServer.Respond(ctx, status, type, body);
}

internal static class TestServiceExtensions
{
    public static void AddSingletonStore(this Microsoft.Extensions.DependencyInjection.IServiceCollection services, IIngestionStateStore store) =>
        Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions.AddSingleton(services, store);
}
