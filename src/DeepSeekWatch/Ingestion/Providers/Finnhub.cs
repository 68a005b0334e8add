using System.Globalization;
using System.Text.Json;
using DeepSeekWatch.Detection.Markets;
using Microsoft.Extensions.Options;

namespace DeepSeekWatch.Ingestion.Providers;

/// <summary>
/// Finnhub <c>/quote</c> (providers.md A4). A quote has no bars, so it gives one daily bar per session (open, high,
/// low, last price; no volume), completed at the session close. The key goes in the <c>X-Finnhub-Token</c> header,
/// never in the URL, so it cannot reach a log.
/// </summary>
public sealed class FinnhubQuoteProvider(ProviderHttp http, IOptionsMonitor<SourcesOptions> options) : IPriceProvider
{
    public const string ClientName = "finnhub";

    public string Name => ClientName;

    public bool Supports(string interval) => interval == "1d";

    public async Task<BarBatch> FetchBarsAsync(string symbol, string interval, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        var o = options.CurrentValue.Prices.Finnhub;
        var uri = new Uri($"{o.BaseUrl.TrimEnd('/')}/quote?symbol={Uri.EscapeDataString(symbol)}");
        var fetch = await http.GetAsync(ClientName, uri, new Dictionary<string, string> { ["X-Finnhub-Token"] = o.ApiKey ?? "" }, ct);
        return fetch.Ok ? ParseQuote(fetch.Body!, fetch.MediaType) : BarBatch.From(fetch);
    }

    /// <summary>Parses a quote. Never throws.</summary>
    public static BarBatch ParseQuote(string body, string? mediaType)
    {
        if (Bodies.LooksLikeHtml(body, mediaType))
            return BarBatch.Fail(RejectReasons.HtmlPage, "HTML page instead of JSON");
        try
        {
            using var doc = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 16 });
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                return BarBatch.Fail(RejectReasons.MalformedJson, "quote is not an object");
            if (root.TryGetProperty("error", out var err))
                return BarBatch.Fail(RejectReasons.ProviderError, err.ValueKind == JsonValueKind.String ? err.GetString() ?? "" : "error");
            var c = Number(root, "c");
            var t = root.TryGetProperty("t", out var te) && te.ValueKind == JsonValueKind.Number && te.TryGetInt64(out var tv) ? tv : (long?)null;
            // An unknown symbol is HTTP 200 with every field 0 or null.
            if ((c is null or 0) && (t is null or 0))
                return BarBatch.Fail(RejectReasons.NotFound, "all-zero quote (unknown or uncovered symbol)");
            if (t is null or < 0 or > 253402300799)
                return new BarBatch([], [RejectReasons.InvalidDate]);
            var session = NyseCalendar.SessionDate(DateTimeOffset.FromUnixTimeSeconds(t.Value));
            if (!NyseCalendar.IsTradingDay(session))
                return new BarBatch([], [RejectReasons.InvalidDate]);
            var bar = new CandidateBar(NyseCalendar.RegularOpen(session), NyseCalendar.RegularClose(session), Number(root, "o"), Number(root, "h"), Number(root, "l"), c, 0);
            return new BarBatch([bar], []);
        }
        catch (JsonException e)
        {
            return BarBatch.Fail(RejectReasons.MalformedJson, e.Message);
        }
        catch (ArgumentException e)
        {
            // Text that cannot be UTF-8 (a lone surrogate) is not JSON either.
            return BarBatch.Fail(RejectReasons.MalformedJson, e.Message);
        }
    }

    private static decimal? Number(JsonElement o, string name) =>
        o.TryGetProperty(name, out var e) && e.ValueKind == JsonValueKind.Number && e.TryGetDecimal(out var d) ? d : null;
}

/// <summary>Finnhub company news for one symbol: a bare JSON array, newest first, <c>datetime</c> in epoch seconds.</summary>
public sealed class FinnhubNewsSource(ProviderHttp http, IOptionsMonitor<SourcesOptions> options, string symbol) : IHeadlineSource
{
    public const string ProviderTag = "finnhub-news";

    public string Name => ProviderTag;

    public string Provider => ProviderTag;

    public string LogName => $"{ProviderTag} {symbol}";

    public async Task<HeadlineBatch> FetchAsync(DateTimeOffset now, CancellationToken ct)
    {
        var o = options.CurrentValue.Prices.Finnhub;
        var to = NyseCalendar.SessionDate(now);
        var uri = new Uri(string.Create(CultureInfo.InvariantCulture,
            $"{o.BaseUrl.TrimEnd('/')}/company-news?symbol={Uri.EscapeDataString(symbol)}&from={to.AddDays(-3):yyyy-MM-dd}&to={to:yyyy-MM-dd}"));
        var fetch = await http.GetAsync(FinnhubQuoteProvider.ClientName, uri, new Dictionary<string, string> { ["X-Finnhub-Token"] = o.ApiKey ?? "" }, ct);
        return fetch.Ok ? Parse(fetch.Body!, fetch.MediaType) : HeadlineBatch.From(fetch);
    }

    /// <summary>Parses company news. Never throws.</summary>
    public static HeadlineBatch Parse(string body, string? mediaType)
    {
        if (Bodies.LooksLikeHtml(body, mediaType))
            return HeadlineBatch.Fail(RejectReasons.HtmlPage, "HTML page instead of JSON");
        try
        {
            using var doc = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 16 });
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error", out var err))
                return HeadlineBatch.Fail(RejectReasons.ProviderError, err.ValueKind == JsonValueKind.String ? err.GetString() ?? "" : "error");
            if (root.ValueKind != JsonValueKind.Array)
                return HeadlineBatch.Fail(RejectReasons.MalformedJson, "company news is not an array");
            var items = new List<CandidateHeadline>();
            var rejected = new List<string>();
            foreach (var e in root.EnumerateArray())
            {
                if (e.ValueKind != JsonValueKind.Object)
                {
                    rejected.Add(e.ValueKind == JsonValueKind.Null ? RejectReasons.NullValues : RejectReasons.MalformedJson);
                    continue;
                }
                DateTimeOffset? at = e.TryGetProperty("datetime", out var dt) && dt.ValueKind == JsonValueKind.Number && dt.TryGetInt64(out var s) && s is > 0 and < 253402300799
                    ? DateTimeOffset.FromUnixTimeSeconds(s) : null;
                if (at is null)
                {
                    rejected.Add(RejectReasons.InvalidDate);
                    continue;
                }
                var related = Str(e, "related");
                var tickers = related is null ? [] : related.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                items.Add(new CandidateHeadline(Str(e, "headline"), Str(e, "url"), Str(e, "source"), at, Str(e, "summary"), tickers));
            }
            return new HeadlineBatch(items, rejected);
        }
        catch (JsonException e)
        {
            return HeadlineBatch.Fail(RejectReasons.MalformedJson, e.Message);
        }
        catch (ArgumentException e)
        {
            // Text that cannot be UTF-8 (a lone surrogate) is not JSON either.
            return HeadlineBatch.Fail(RejectReasons.MalformedJson, e.Message);
        }
    }

    private static string? Str(JsonElement o, string name) =>
        o.TryGetProperty(name, out var e) && e.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(e.GetString()) ? e.GetString()!.Trim() : null;
}
