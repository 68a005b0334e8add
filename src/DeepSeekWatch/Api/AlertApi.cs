using System.Globalization;
using DeepSeekWatch.Alerts;
using DeepSeekWatch.Contracts;
using DeepSeekWatch.Detection;
using DeepSeekWatch.Pipeline;
using DeepSeekWatch.Replay;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace DeepSeekWatch.Api;

/// <summary>The HTTP API of contracts.md §4: alerts, watchlist and headlines. Bad query parameters answer 400 with a problem naming the parameter.</summary>
public static class AlertApi
{
    public const int MaxLimit = 1000;

    /// <summary>The deepest page <c>offset</c> reaches: paging skips in the store's newest-first order.</summary>
    public const int MaxOffset = 9000;

    public static IEndpointRouteBuilder MapDeepSeekWatchApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api");
        api.MapGet("/alerts", QueryAlerts).WithName("GetAlerts").WithSummary("Alerts, newest first, filtered by symbol, group, kind and time; paged by offset and limit.");
        api.MapGet("/alerts/{alertId}", GetAlert).WithName("GetAlert").WithSummary("One alert (its latest revision), or 404.");
        api.MapGet("/watchlist", GetWatchlist).WithName("GetWatchlist").WithSummary("Groups and symbols with last price and session return.");
        api.MapGet("/headlines", GetHeadlines).WithName("GetHeadlines").WithSummary("Recent headlines with their classification, newest first.");
        return app;
    }

    private static async Task<IResult> QueryAlerts(HttpRequest request, IAlertStore store, CancellationToken ct)
    {
        var q = request.Query;
        var errors = new Dictionary<string, string[]>();
        var limit = Limit(q["limit"], errors);
        var since = Since(q["since"], errors);
        var offset = Offset(q["offset"], errors);
        string? kind = q["kind"];
        if (kind is not null && !AlertKinds.All.Contains(kind))
            errors["kind"] = [$"'{kind}' is not one of {string.Join(", ", AlertKinds.All)}"];
        string? symbol = q["symbol"];
        if (symbol is not null && (symbol.Length is 0 or > 16))
            errors["symbol"] = ["must be a ticker symbol"];
        string? group = q["group"];
        if (group is not null && group.Length is 0 or > 64)
            errors["group"] = ["must be a group name"];
        if (errors.Count > 0)
            return Results.ValidationProblem(errors, title: "Bad query parameters");
        var alerts = await store.QueryAsync(new AlertQuery(symbol?.ToUpperInvariant(), group, kind, since, offset + limit), ct);
        return Results.Json(alerts.Skip(offset).ToList(), AlertJson.Options);
    }

    private static async Task<IResult> GetAlert(string alertId, IAlertStore store, CancellationToken ct)
    {
        if (alertId.Length > 64)
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["alertId"] = ["is too long"] });
        return await store.GetAsync(alertId, ct) is { } alert
            ? Results.Json(alert, AlertJson.Options)
            : Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such alert", detail: $"alert '{alertId}' is not in the store");
    }

    private static IResult GetWatchlist(Watchlist watchlist, MarketState market) =>
        Results.Ok(new
        {
            groups = watchlist.Groups.Select(g => new
            {
                name = g.Name,
                benchmark = Quote(g.Benchmark, market),
                symbols = g.Symbols.Select(s => Quote(s, market)).ToList(),
            }).ToList(),
        });

    private static object Quote(string symbol, MarketState market) => market.Get(symbol) is { } q
        ? new { symbol, lastPrice = (decimal?)q.LastPrice, previousClose = q.PreviousClose, sessionReturnPct = q.SessionReturnPct, session = (string?)q.Session.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), at = (string?)TapeTime.Format(q.At) }
        : new { symbol, lastPrice = (decimal?)null, previousClose = (decimal?)null, sessionReturnPct = (double?)null, session = (string?)null, at = (string?)null };

    private static IResult GetHeadlines(HttpRequest request, HeadlineLog log)
    {
        var q = request.Query;
        var errors = new Dictionary<string, string[]>();
        var limit = Limit(q["limit"], errors);
        var since = Since(q["since"], errors);
        bool? ai = null;
        if (q["ai"].ToString() is { Length: > 0 } text)
        {
            if (bool.TryParse(text, out var b))
                ai = b;
            else
                errors["ai"] = [$"'{text}' is not true or false"];
        }
        if (errors.Count > 0)
            return Results.ValidationProblem(errors, title: "Bad query parameters");
        return Results.Ok(log.Query(ai, since, limit).Select(h => new
        {
            h.Title,
            h.Url,
            h.Publisher,
            publishedAt = TapeTime.Format(h.PublishedAt),
            h.Source,
            h.Ai,
            h.Score,
            h.MatchedTerms,
            h.Symbols,
            h.Groups,
        }));
    }

    private static int Limit(string? text, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrEmpty(text))
            return 100;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n is < 1 or > MaxLimit)
        {
            errors["limit"] = [$"must be a whole number from 1 to {MaxLimit}"];
            return 0;
        }
        return n;
    }

    private static int Offset(string? text, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrEmpty(text))
            return 0;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n > MaxOffset)
        {
            errors["offset"] = [$"must be a whole number from 0 to {MaxOffset}"];
            return 0;
        }
        return n;
    }

    private static DateTimeOffset? Since(string? text, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrEmpty(text))
            return null;
        if (TapeTime.TryParse(text, out var t))
            return t;
        errors["since"] = ["must be an ISO-8601 time with an offset, e.g. 2025-01-27T14:30:00Z"];
        return null;
    }
}
