using System.Net;
using System.Text.Json.Nodes;
using DeepSeekWatch.Alerts;
using DeepSeekWatch.Contracts;
using DeepSeekWatch.Pipeline;

namespace DeepSeekWatch.Tests.Api;

public sealed class AlertApiTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Monday = new(2025, 1, 27, 15, 0, 0, TimeSpan.Zero);
    private ApiHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await ApiHost.StartAsync();
        var store = _host.Get<IAlertStore>();
        // Five alerts an hour apart: NVDA (twice), AMD, AVGO in semiconductors, MSFT in the Magnificent Seven, and a sector shock.
        await store.UpsertAsync(NewAlert("a1", "NVDA", "semiconductors", AlertKinds.AiNewsDrop, Monday));
        await store.UpsertAsync(NewAlert("a2", "AMD", "semiconductors", AlertKinds.Drop, Monday.AddHours(1)));
        await store.UpsertAsync(NewAlert("a3", "MSFT", "magnificent-seven", AlertKinds.AiNewsDrop, Monday.AddHours(2)));
        await store.UpsertAsync(NewAlert("a4", null, "semiconductors", AlertKinds.SectorShock, Monday.AddHours(3)));
        await store.UpsertAsync(NewAlert("a5", "NVDA", "semiconductors", AlertKinds.AiNewsDrop, Monday.AddHours(4)) with { Severity = Severities.Critical });
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static Alert NewAlert(string id, string? symbol, string group, string kind, DateTimeOffset at) => new()
    {
        AlertId = id,
        Revision = 1,
        Kind = kind,
        Symbol = symbol,
        Group = group,
        Members = symbol is null ? ["NVDA", "AVGO"] : [],
        Severity = Severities.Warning,
        At = at,
        Session = DateOnly.FromDateTime(at.UtcDateTime),
        Price = 100m,
        ReferencePrice = 120m,
        ReturnPct = -16.7,
    };

    private async Task<List<string>> AlertIds(string query)
    {
        using var response = await _host.Http.GetAsync(new Uri("api/alerts" + query, UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsArray();
        return body.Select(a => a!["alertId"]!.GetValue<string>()).ToList();
    }

    [Fact]
    public async Task Alerts_come_newest_first()
    {
        Assert.Equal(["a5", "a4", "a3", "a2", "a1"], await AlertIds(""));
    }

    [Theory]
    // A sector shock is about its members too.
    [InlineData("?symbol=NVDA", new[] { "a5", "a4", "a1" })]
    [InlineData("?symbol=nvda", new[] { "a5", "a4", "a1" })]
    [InlineData("?symbol=AMD", new[] { "a2" })]
    [InlineData("?group=magnificent-seven", new[] { "a3" })]
    [InlineData("?kind=sector-shock", new[] { "a4" })]
    [InlineData("?group=semiconductors&kind=ai-news-drop", new[] { "a5", "a1" })]
    [InlineData("?symbol=TSLA", new string[0])]
    public async Task Alerts_are_filtered_by_symbol_group_and_kind(string query, string[] expected)
    {
        Assert.Equal(expected, await AlertIds(query));
    }

    [Fact]
    public async Task Offset_and_limit_page_through_the_alerts_newest_first_without_gaps_or_repeats()
    {
        Assert.Equal(["a5", "a4"], await AlertIds("?limit=2"));
        Assert.Equal(["a3", "a2"], await AlertIds("?limit=2&offset=2"));
        Assert.Equal(["a1"], await AlertIds("?limit=2&offset=4"));
        Assert.Empty(await AlertIds("?limit=2&offset=6"));
        Assert.Equal(["a1"], await AlertIds("?symbol=NVDA&limit=1&offset=2"));
    }

    [Fact]
    public async Task Limit_and_since_bound_the_alerts_newest_first()
    {
        // `since` bounds a page from below, `limit` from above.
        Assert.Equal(["a5", "a4", "a3"], await AlertIds("?since=2025-01-27T17:00:00Z"));
        Assert.Equal(["a5"], await AlertIds("?since=2025-01-27T17:00:00Z&limit=1"));
        Assert.Equal(["a5", "a3"], await AlertIds("?since=2025-01-27T12:00:00-05:00&kind=ai-news-drop"));
    }

    [Fact]
    public async Task One_alert_is_served_by_its_id_in_the_alert_json_form()
    {
        using var response = await _host.Http.GetAsync(new Uri("api/alerts/a4", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var alert = AlertJson.Deserialize(await response.Content.ReadAsStringAsync());
        Assert.Equal("a4", alert.AlertId);
        Assert.Equal(AlertKinds.SectorShock, alert.Kind);
        Assert.Equal(["NVDA", "AVGO"], alert.Members);
    }

    [Fact]
    public async Task An_unknown_alert_answers_404_with_a_problem()
    {
        using var response = await _host.Http.GetAsync(new Uri("api/alerts/no-such-alert", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("no-such-alert", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("api/alerts?limit=0", "limit")]
    [InlineData("api/alerts?limit=1001", "limit")]
    [InlineData("api/alerts?limit=ten", "limit")]
    [InlineData("api/alerts?limit=-5", "limit")]
    [InlineData("api/alerts?since=yesterday", "since")]
    [InlineData("api/alerts?offset=-1", "offset")]
    [InlineData("api/alerts?offset=9001", "offset")]
    [InlineData("api/alerts?offset=two", "offset")]
    [InlineData("api/alerts?kind=crash", "kind")]
    [InlineData("api/alerts?symbol=", "symbol")]
    [InlineData("api/alerts?symbol=ABCDEFGHIJKLMNOPQ", "symbol")]
    [InlineData("api/headlines?ai=maybe", "ai")]
    [InlineData("api/headlines?limit=0", "limit")]
    [InlineData("api/headlines?since=2025-13-45", "since")]
    public async Task A_bad_query_parameter_answers_400_naming_it(string url, string parameter)
    {
        using var response = await _host.Http.GetAsync(new Uri(url, UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["errors"]!.AsObject();
        Assert.Equal([parameter], errors.Select(e => e.Key));
    }

    [Fact]
    public async Task Several_bad_parameters_are_all_named_in_one_answer()
    {
        using var response = await _host.Http.GetAsync(new Uri("api/alerts?limit=0&since=soon&kind=x", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["errors"]!.AsObject();
        Assert.Equal(["kind", "limit", "since"], errors.Select(e => e.Key).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task The_watchlist_shows_each_group_with_last_price_and_session_return()
    {
        var market = _host.Get<MarketState>();
        var friday = new DateTimeOffset(2025, 1, 24, 20, 59, 0, TimeSpan.Zero);
        market.Observe(new PriceBarObserved("b1", "test", "NVDA", "1m", friday, friday.AddMinutes(1), 142m, 142m, 142m, 142m, 1000, false));
        market.Observe(new PriceBarObserved("b2", "test", "NVDA", "1m", Monday, Monday.AddMinutes(1), 120m, 120m, 118m, 118m, 1000, false));

        var body = JsonNode.Parse(await _host.Http.GetStringAsync(new Uri("api/watchlist", UriKind.Relative)))!;
        var groups = body["groups"]!.AsArray();
        Assert.Equal(["magnificent-seven", "semiconductors"], groups.Select(g => g!["name"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        var semis = groups.Single(g => g!["name"]!.GetValue<string>() == "semiconductors")!;
        var nvda = semis["symbols"]!.AsArray().Single(s => s!["symbol"]!.GetValue<string>() == "NVDA")!;
        Assert.Equal(118m, nvda["lastPrice"]!.GetValue<decimal>());
        Assert.Equal(142m, nvda["previousClose"]!.GetValue<decimal>());
        Assert.Equal((118.0 / 142.0 - 1) * 100, nvda["sessionReturnPct"]!.GetValue<double>(), 9);
        Assert.Equal("2025-01-27", nvda["session"]!.GetValue<string>());
        var amd = semis["symbols"]!.AsArray().Single(s => s!["symbol"]!.GetValue<string>() == "AMD")!;
        Assert.Null(amd["lastPrice"]);
    }

    [Fact]
    public async Task Headlines_come_newest_first_and_filter_on_the_ai_classification()
    {
        var log = _host.Get<HeadlineLog>();
        log.Add(new ClassifiedHeadline("DeepSeek R1 rattles chip stocks", "https://example.com/1", "Example", Monday, "rss:example", true, 0.9, ["deepseek"], ["NVDA"], ["semiconductors"]));
        log.Add(new ClassifiedHeadline("Apple opens a store", "https://example.com/2", "Example", Monday.AddHours(1), "rss:example", false, 0.0, [], ["AAPL"], ["magnificent-seven"]));

        var all = JsonNode.Parse(await _host.Http.GetStringAsync(new Uri("api/headlines", UriKind.Relative)))!.AsArray();
        Assert.Equal(["Apple opens a store", "DeepSeek R1 rattles chip stocks"], all.Select(h => h!["title"]!.GetValue<string>()));
        var ai = JsonNode.Parse(await _host.Http.GetStringAsync(new Uri("api/headlines?ai=true", UriKind.Relative)))!.AsArray();
        var only = Assert.Single(ai)!;
        Assert.Equal("DeepSeek R1 rattles chip stocks", only["title"]!.GetValue<string>());
        Assert.Equal(["deepseek"], only["matchedTerms"]!.AsArray().Select(t => t!.GetValue<string>()));
        var since = JsonNode.Parse(await _host.Http.GetStringAsync(new Uri("api/headlines?since=2025-01-27T15:30:00Z", UriKind.Relative)))!.AsArray();
        Assert.Equal(["Apple opens a store"], since.Select(h => h!["title"]!.GetValue<string>()));
    }

    [Fact]
    public async Task The_OpenAPI_document_describes_every_route()
    {
        var doc = JsonNode.Parse(await _host.Http.GetStringAsync(new Uri("openapi/v1.json", UriKind.Relative)))!;
        var paths = doc["paths"]!.AsObject().Select(p => p.Key).ToList();
        Assert.Contains("/api/alerts", paths);
        Assert.Contains("/api/alerts/{alertId}", paths);
        Assert.Contains("/api/watchlist", paths);
        Assert.Contains("/api/headlines", paths);
    }

    [Fact]
    public async Task Liveness_and_readiness_answer_healthy_with_the_embedded_pair()
    {
        Assert.Equal(HttpStatusCode.OK, (await _host.Http.GetAsync(new Uri("health/live", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _host.Http.GetAsync(new Uri("health/ready", UriKind.Relative))).StatusCode);
    }
}
