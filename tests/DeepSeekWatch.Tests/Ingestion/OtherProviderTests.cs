using DeepSeekWatch.Ingestion;
using DeepSeekWatch.Ingestion.Providers;

namespace DeepSeekWatch.Tests.Ingestion;

/// <summary>Stooq, Finnhub and Alpha Vantage against the loopback stand-in, in their recorded shapes and quirks.</summary>
public sealed class OtherProviderTests : IAsyncLifetime
{
    private const string FinnhubKey = "fh-secret-key-123";
    private const string AlphaVantageKey = "av-secret-key-456";
    private LoopbackServer _server = null!;

    public async Task InitializeAsync() => _server = await LoopbackServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private Dictionary<string, string?> Settings(string provider, string interval, params (string Key, string Value)[] extra)
    {
        var s = IngestionTestHost.FastDefaults(_server.BaseUrl);
        s["Sources:Prices:Provider"] = provider;
        s["Sources:Prices:Intervals:0"] = interval;
        s["Sources:Prices:Symbols:0"] = "NVDA";
        s["Sources:Prices:Finnhub:ApiKey"] = FinnhubKey;
        s["Sources:Prices:AlphaVantage:ApiKey"] = AlphaVantageKey;
        s["Sources:Http:MaxRetries"] = "0";
        foreach (var (k, v) in extra)
            s[k] = v;
        return s;
    }

    [Fact]
    public async Task Stooq_daily_csv_gives_one_bar_per_session_from_open_to_close()
    {
        _server.MapFile("/q/d/l/", "stooq-NVDA.csv", "text/csv");
        await using var host = new IngestionTestHost(Settings("stooq", "1d"), new DateTimeOffset(2025, 1, 30, 12, 0, 0, TimeSpan.Zero));

        await host.PollAsync("prices-stooq");

        var bars = host.Sink.Bars.ToList();
        Assert.Equal(6, bars.Count);
        var jan27 = bars.Single(b => b.Start == new DateTimeOffset(2025, 1, 27, 14, 30, 0, TimeSpan.Zero));
        // NVDA on 27 Jan 2025 (shared/reference/market/daily/NVDA.csv).
        Assert.Equal((124.8m, 128.4m, 116.7m, 118.42m, 818830900L), (jan27.Open, jan27.High, jan27.Low, jan27.Close, jan27.Volume));
        Assert.Equal(new DateTimeOffset(2025, 1, 27, 21, 0, 0, TimeSpan.Zero), jan27.End);
        Assert.All(bars, b => Assert.Equal("1d", b.Interval));
        Assert.Contains("s=nvda.us&i=d", _server.Requests.Single(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("stooq-no-data.txt", "text/plain", null)]
    [InlineData("stooq-limit.txt", "text/plain", RejectReasons.RateLimited)]
    [InlineData("stooq-interstitial.html", "text/html", RejectReasons.HtmlPage)]
    [InlineData("html-error-page.html", "text/plain", RejectReasons.HtmlPage)]
    public async Task Stooq_soft_errors_with_status_200_are_recognised(string file, string type, string? reason)
    {
        _server.MapFile("/q/d/l/", file, type);
        await using var host = new IngestionTestHost(Settings("stooq", "1d"), new DateTimeOffset(2025, 1, 30, 12, 0, 0, TimeSpan.Zero));

        var result = await host.PollAsync("prices-stooq");

        Assert.Empty(host.Sink.Bars);
        if (reason is null)
        {
            Assert.Equal(PollOutcomes.Ok, result.Outcome);
            Assert.Equal(0, result.Rejected);
        }
        else
        {
            Assert.Equal(PollOutcomes.Failed, result.Outcome);
            Assert.Equal(1, host.Metrics.Rejected(reason));
        }
    }

    [Fact]
    public void Stooq_csv_after_php_warnings_is_still_read()
    {
        var batch = StooqProvider.Parse(Recorded.Text("stooq-php-warning.csv"), "text/csv");
        Assert.Null(batch.FailureReason);
        Assert.Equal(6, batch.Bars.Count);
    }

    [Fact]
    public void Stooq_rows_with_bad_dates_or_numbers_are_rejected_one_by_one()
    {
        var batch = StooqProvider.Parse("Date,Open,High,Low,Close,Volume\n2025-01-27,1,2,0.5,1.5,10\n2025-01-25,1,2,0.5,1.5,10\n2025-13-01,1,2,1,1,1\n2025-01-28,x,2,1,1,1\n2025-01-29,1,2\n", null);
        Assert.Single(batch.Bars);
        // 25 Jan 2025 was a Saturday: no session, so an invalid date for a daily bar.
        Assert.Equal([RejectReasons.InvalidDate, RejectReasons.InvalidDate, RejectReasons.NonFinite, RejectReasons.MalformedCsv], batch.ItemRejections);
    }

    [Fact]
    public async Task Finnhub_quote_becomes_a_daily_bar_once_its_session_has_closed_and_the_key_travels_in_a_header()
    {
        _server.MapFile("/quote", "finnhub-quote-AAPL.json", "application/json");
        // t = 1789580577 is Wednesday 16 Sep 2026 17:42 UTC; the session closes at 20:00 UTC (EDT).
        await using var host = new IngestionTestHost(Settings("finnhub", "1d"), new DateTimeOffset(2026, 9, 16, 18, 0, 0, TimeSpan.Zero));

        await host.PollAsync("prices-finnhub");
        Assert.Empty(host.Sink.Bars); // still forming
        host.Clock.SetUtcNow(new DateTimeOffset(2026, 9, 16, 20, 1, 0, TimeSpan.Zero));
        await host.PollAsync("prices-finnhub");

        var bar = Assert.Single(host.Sink.Bars);
        Assert.Equal((331.96m, 335.48m, 331.87m, 333.27m), (bar.Open, bar.High, bar.Low, bar.Close));
        Assert.Equal(new DateTimeOffset(2026, 9, 16, 13, 30, 0, TimeSpan.Zero), bar.Start);
        Assert.DoesNotContain(_server.Requests, r => r.Contains(FinnhubKey, StringComparison.Ordinal));
        Assert.All(_server.RequestHeaders, h => Assert.Equal(FinnhubKey, h["X-Finnhub-Token"]));
    }

    [Theory]
    [InlineData("finnhub-quote-unknown.json", 200, RejectReasons.NotFound)]
    [InlineData("finnhub-no-key.json", 401, RejectReasons.Unauthorized)]
    [InlineData("finnhub-no-key.json", 200, RejectReasons.ProviderError)]
    [InlineData("html-error-page.html", 200, RejectReasons.HtmlPage)]
    public async Task Finnhub_errors_are_recognised_and_never_log_the_key(string file, int status, string reason)
    {
        _server.MapFile("/quote", file, file.EndsWith(".html", StringComparison.Ordinal) ? "text/html" : "application/json", status);
        await using var host = new IngestionTestHost(Settings("finnhub", "1d"), new DateTimeOffset(2026, 9, 16, 21, 0, 0, TimeSpan.Zero));

        var result = await host.PollAsync("prices-finnhub");

        Assert.Equal(PollOutcomes.Failed, result.Outcome);
        Assert.Equal(1, host.Metrics.Rejected(reason));
        Assert.DoesNotContain(host.Logs.Entries, e => e.Message.Contains(FinnhubKey, StringComparison.Ordinal) || (e.Exception?.ToString().Contains(FinnhubKey, StringComparison.Ordinal) ?? false));
    }

    [Fact]
    public async Task Finnhub_company_news_skips_null_and_undated_items()
    {
        _server.MapFile("/company-news", "finnhub-company-news-AAPL.json", "application/json");
        var settings = Settings("none", "1d", ("Sources:Headlines:FinnhubCompanyNews", "true"), ("Sources:Prices:Symbols:0", "AAPL"));
        await using var host = new IngestionTestHost(settings, new DateTimeOffset(2025, 1, 28, 12, 0, 0, TimeSpan.Zero));

        var result = await host.PollAsync(IngestionServiceCollectionExtensions.HeadlinesFinnhub);

        var h = Assert.Single(host.Sink.Headlines);
        Assert.Equal("Yahoo", h.Publisher);
        Assert.Equal(["AAPL"], h.Tickers);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1649611504), h.PublishedAt);
        Assert.Equal(1, host.Metrics.Rejected(RejectReasons.NullValues));
        Assert.Equal(1, host.Metrics.Rejected(RejectReasons.InvalidDate));
        Assert.Equal(2, result.Rejected);
        Assert.Contains("/company-news?symbol=AAPL&from=2025-01-25&to=2025-01-28", _server.Requests.Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Alpha_Vantage_intraday_strings_in_US_Eastern_become_sorted_UTC_bars()
    {
        _server.MapFile("/query", "alphavantage-intraday-IBM-5min.json", "application/json");
        await using var host = new IngestionTestHost(Settings("alphavantage", "5m"), new DateTimeOffset(2024, 8, 3, 12, 0, 0, TimeSpan.Zero));

        await host.PollAsync("prices-alphavantage");

        var bars = host.Sink.Bars.ToList();
        // 19:40 and 19:55 EDT on 2 Aug 2024, newest first in the response.
        Assert.Equal([new DateTimeOffset(2024, 8, 2, 23, 40, 0, TimeSpan.Zero), new DateTimeOffset(2024, 8, 2, 23, 55, 0, TimeSpan.Zero)], bars.Select(b => b.Start));
        Assert.Equal((188.35m, 188.36m, 188.35m, 188.35m, 60L), (bars[1].Open, bars[1].High, bars[1].Low, bars[1].Close, bars[1].Volume));
        Assert.Contains("function=TIME_SERIES_INTRADAY", _server.Requests.Single(), StringComparison.Ordinal);
        Assert.Contains("interval=5min", _server.Requests.Single(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("alphavantage-note.json", RejectReasons.RateLimited)]
    [InlineData("alphavantage-information.json", RejectReasons.RateLimited)]
    [InlineData("alphavantage-error.json", RejectReasons.ProviderError)]
    public async Task Alpha_Vantage_soft_errors_with_status_200_are_rejections_and_the_key_is_not_logged(string file, string reason)
    {
        _server.MapFile("/query", file, "application/json");
        await using var host = new IngestionTestHost(Settings("alphavantage", "5m"), new DateTimeOffset(2024, 8, 3, 12, 0, 0, TimeSpan.Zero));

        var result = await host.PollAsync("prices-alphavantage");

        Assert.Equal(PollOutcomes.Failed, result.Outcome);
        Assert.Equal(1, host.Metrics.Rejected(reason));
        Assert.Contains(_server.Requests, r => r.Contains("apikey=" + AlphaVantageKey, StringComparison.Ordinal));
        Assert.NotEmpty(host.Warnings);
        Assert.DoesNotContain(host.Logs.Entries, e => e.Message.Contains(AlphaVantageKey, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Alpha_Vantage_500_with_the_key_in_the_url_does_not_log_the_key()
    {
        _server.MapText("/query", "oops", "text/plain", 500);
        await using var host = new IngestionTestHost(Settings("alphavantage", "5m", ("Sources:Http:MaxRetries", "1")), new DateTimeOffset(2024, 8, 3, 12, 0, 0, TimeSpan.Zero));

        await host.PollAsync("prices-alphavantage");

        Assert.Equal(1, host.Metrics.Rejected(RejectReasons.ServerError));
        // HttpClient's own request logging is captured (at Trace), and even it carries no key.
        Assert.Contains(host.Logs.Entries, e => e.Message.Contains("/query", StringComparison.Ordinal));
        Assert.DoesNotContain(host.Logs.Entries, e => e.Message.Contains(AlphaVantageKey, StringComparison.Ordinal) || (e.Exception?.ToString().Contains(AlphaVantageKey, StringComparison.Ordinal) ?? false));
    }
}
