using System.IO.Compression;
using System.Text;
using DeepSeekWatch.Ingestion;
using Microsoft.Extensions.Configuration;

namespace DeepSeekWatch.Tests.Ingestion;

public sealed class HttpBehaviourTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2025, 1, 27, 16, 0, 0, TimeSpan.Zero);
    private LoopbackServer _server = null!;

    public async Task InitializeAsync() => _server = await LoopbackServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Gzip_responses_are_asked_for_and_decompressed()
    {
        _server.Map("/v8/finance/chart/NVDA", async ctx =>
        {
            var raw = Encoding.UTF8.GetBytes(Recorded.Text("yahoo-chart-NVDA-5m.json"));
            using var packed = new MemoryStream();
            await using (var gz = new GZipStream(packed, CompressionLevel.Optimal, leaveOpen: true))
                await gz.WriteAsync(raw);
            ctx.Response.ContentType = "application/json";
            ctx.Response.Headers.ContentEncoding = "gzip";
            await ctx.Response.Body.WriteAsync(packed.ToArray());
        });
        var settings = IngestionTestHost.FastDefaults(_server.BaseUrl);
        settings["Sources:Prices:Symbols:0"] = "NVDA";
        await using var host = new IngestionTestHost(settings, Now);

        await host.PollAsync("prices-yahoo-chart");

        Assert.Equal(6, host.Sink.Bars.Count);
        Assert.Contains("gzip", _server.RequestHeaders.Single()["Accept-Encoding"], StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(_server.RequestHeaders.Single()["User-Agent"]));
    }

    [Fact]
    public async Task The_circuit_breaker_opens_after_failures_and_spares_the_provider()
    {
        _server.MapText("/v8/finance/chart/AAA", "down", "text/plain", 503);
        _server.MapText("/v8/finance/chart/BBB", "down", "text/plain", 503);
        _server.MapFile("/v8/finance/chart/CCC", "yahoo-chart-NVDA-5m.json", "application/json");
        _server.MapFile("/v8/finance/chart/DDD", "yahoo-chart-NVDA-5m.json", "application/json");
        var settings = IngestionTestHost.FastDefaults(_server.BaseUrl);
        settings["Sources:Prices:Symbols"] = "AAA,BBB,CCC,DDD";
        settings["Sources:Http:MaxRetries"] = "0";
        settings["Sources:Http:CircuitBreakerMinimumThroughput"] = "2";
        settings["Sources:Http:CircuitBreakerFailureRatio"] = "0.5";
        settings["Sources:Http:CircuitBreakerSamplingDuration"] = "00:01:00";
        settings["Sources:Http:CircuitBreakerBreakDuration"] = "00:01:00";
        await using var host = new IngestionTestHost(settings, Now);

        var result = await host.PollAsync("prices-yahoo-chart");

        Assert.Equal(2, _server.Requests.Count);
        Assert.Equal(2, host.Metrics.Rejected(RejectReasons.ServerError));
        Assert.Equal(2, host.Metrics.Rejected(RejectReasons.CircuitOpen));
        Assert.Equal(PollOutcomes.Failed, result.Outcome);
    }
}

public class IngestionWatchlistTests
{
    private static IConfiguration Config(params (string Key, string Value)[] pairs) =>
        new ConfigurationBuilder().AddInMemoryCollection(pairs.Select(p => new KeyValuePair<string, string?>(p.Key, p.Value))).Build();

    [Fact]
    public void Without_a_watchlist_the_default_groups_and_standing_benchmarks_are_polled_once_each_benchmarks_first()
    {
        var symbols = IngestionWatchlist.Symbols(Config());
        Assert.Equal(
            ["SPY", "QQQ", "SOXX", "SMH", "AAPL", "MSFT", "GOOGL", "AMZN", "META", "NVDA", "TSLA", "AVGO", "AMD", "QCOM", "ASML", "TSM", "MU", "INTC", "ARM"],
            symbols);
    }

    [Fact]
    public void Configured_groups_replace_the_defaults_and_keep_the_standing_benchmarks_benchmarks_first()
    {
        var symbols = IngestionWatchlist.Symbols(Config(
            ("Watchlist:Groups:chips:Symbols:0", "nvda"), ("Watchlist:Groups:chips:Symbols:1", "AMD"), ("Watchlist:Groups:chips:Benchmark", "SOXX"),
            ("Sources:Prices:ExtraSymbols", "IBM")));
        Assert.Equal(["SOXX", "SPY", "QQQ", "SMH", "NVDA", "AMD", "IBM"], symbols);
    }

    [Fact]
    public void An_explicit_symbol_list_replaces_the_watchlist()
    {
        Assert.Equal(["NVDA", "SPY"], IngestionWatchlist.Symbols(Config(("Sources:Prices:Symbols", "NVDA, spy"), ("Watchlist:Groups:x:Symbols:0", "AAPL"))));
    }
}
