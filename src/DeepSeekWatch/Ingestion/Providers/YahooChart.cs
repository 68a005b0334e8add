using System.Globalization;
using System.Text.Json;
using DeepSeekWatch.Detection.Markets;

namespace DeepSeekWatch.Ingestion.Providers;

/// <summary>Yahoo Finance chart API v8 (providers.md A1): 1m/5m/15m/1h/1d bars with pre- and post-market.</summary>
public sealed class YahooChartProvider(ProviderHttp http, Microsoft.Extensions.Options.IOptionsMonitor<SourcesOptions> options) : IPriceProvider
{
    public const string ClientName = "yahoo-chart";

    public string Name => ClientName;

    public bool Supports(string interval) => BarIntervals.IsKnown(interval);

    public async Task<BarBatch> FetchBarsAsync(string symbol, string interval, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        var o = options.CurrentValue;
        var prePost = o.MarketHours.PreMarket || o.MarketHours.AfterHours;
        var uri = new Uri(
            $"{o.Prices.Yahoo.BaseUrl.TrimEnd('/')}/v8/finance/chart/{Uri.EscapeDataString(symbol)}?interval={YahooInterval(interval)}" +
            $"&period1={from.ToUnixTimeSeconds()}&period2={to.ToUnixTimeSeconds()}&includePrePost={(prePost ? "true" : "false")}&events=div%7Csplit");
        var fetch = await http.GetAsync(ClientName, uri, null, ct);
        if (!fetch.Ok)
        {
            // Yahoo answers an unknown symbol with 404 and a JSON error body; the status is enough.
            return BarBatch.From(fetch);
        }
        return Parse(fetch.Body!, fetch.MediaType, interval);
    }

    private static string YahooInterval(string interval) => interval == "1h" ? "60m" : interval;

    /// <summary>Parses a chart response. Never throws.</summary>
    public static BarBatch Parse(string body, string? mediaType, string interval)
    {
        if (Bodies.LooksLikeHtml(body, mediaType))
            return BarBatch.Fail(RejectReasons.HtmlPage, "HTML page instead of JSON");
        if (!BarIntervals.IsKnown(interval))
            return BarBatch.Fail(RejectReasons.ProviderError, $"unknown interval {interval}");
        try
        {
            using var doc = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 32 });
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("chart", out var chart) || chart.ValueKind != JsonValueKind.Object)
                return BarBatch.Fail(RejectReasons.MalformedJson, "no 'chart' object");
            if (chart.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
            {
                var code = error.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
                var desc = error.TryGetProperty("description", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
                return BarBatch.Fail(code == "Not Found" ? RejectReasons.NotFound : RejectReasons.ProviderError, $"{code}: {desc}");
            }
            if (!chart.TryGetProperty("result", out var results) || results.ValueKind != JsonValueKind.Array || results.GetArrayLength() == 0)
                return BarBatch.Fail(RejectReasons.Empty, "no result");
            var result = results[0];
            if (result.ValueKind != JsonValueKind.Object)
                return BarBatch.Fail(RejectReasons.MalformedJson, "result is not an object");
            // Weekend, holiday or before the open: no 'timestamp' (or an empty one) and "quote":[{}].
            if (!result.TryGetProperty("timestamp", out var stamps) || stamps.ValueKind == JsonValueKind.Null)
                return new BarBatch([], []);
            if (stamps.ValueKind != JsonValueKind.Array)
                return BarBatch.Fail(RejectReasons.MalformedJson, "'timestamp' is not an array");
            if (!result.TryGetProperty("indicators", out var indicators) || indicators.ValueKind != JsonValueKind.Object
                || !indicators.TryGetProperty("quote", out var quotes) || quotes.ValueKind != JsonValueKind.Array || quotes.GetArrayLength() == 0
                || quotes[0].ValueKind != JsonValueKind.Object)
                return stamps.GetArrayLength() == 0 ? new BarBatch([], []) : BarBatch.Fail(RejectReasons.MalformedJson, "no indicators.quote[0]");
            var quote = quotes[0];
            var open = Column(quote, "open");
            var high = Column(quote, "high");
            var low = Column(quote, "low");
            var close = Column(quote, "close");
            var volume = Column(quote, "volume");

            var bars = new List<CandidateBar>(stamps.GetArrayLength());
            var rejected = new List<string>();
            var length = TimeSpanOf(interval);
            var i = 0;
            foreach (var stamp in stamps.EnumerateArray())
            {
                var index = i++;
                if (stamp.ValueKind != JsonValueKind.Number || !stamp.TryGetInt64(out var seconds) || seconds is < 0 or > 253402300799)
                {
                    rejected.Add(RejectReasons.InvalidDate);
                    continue;
                }
                var at = DateTimeOffset.FromUnixTimeSeconds(seconds);
                DateTimeOffset start, end;
                if (interval == "1d")
                {
                    // Daily bars are stamped with the session open, except the live last bar (regularMarketTime):
                    // both map to the session they belong to, ending at its close.
                    var session = NyseCalendar.SessionDate(at);
                    if (!NyseCalendar.IsTradingDay(session))
                    {
                        rejected.Add(RejectReasons.InvalidDate);
                        continue;
                    }
                    start = NyseCalendar.RegularOpen(session);
                    end = NyseCalendar.RegularClose(session);
                }
                else
                {
                    start = at;
                    end = at + length;
                }
                var o = Cell(open, index, out var bad1);
                var h = Cell(high, index, out var bad2);
                var l = Cell(low, index, out var bad3);
                var cl = Cell(close, index, out var bad4);
                long? v = null;
                var badVolume = false;
                if (volume is { } vol && index < vol.GetArrayLength())
                {
                    var e = vol[index];
                    if (e.ValueKind == JsonValueKind.Number)
                    {
                        if (e.TryGetInt64(out var lv))
                            v = lv;
                        else if (e.TryGetDouble(out var dv) && double.IsFinite(dv) && dv is >= long.MinValue and <= long.MaxValue)
                            v = (long)dv;
                        else
                            badVolume = true;
                    }
                    else if (e.ValueKind != JsonValueKind.Null)
                        badVolume = true;
                }
                if (bad1 || bad2 || bad3 || bad4 || badVolume)
                {
                    rejected.Add(RejectReasons.NonFinite);
                    continue;
                }
                bars.Add(new CandidateBar(start, end, o, h, l, cl, v ?? (o is null ? null : 0)));
            }
            // A daily series may carry the live bar twice (session open stamp and regularMarketTime): keep the last.
            if (interval == "1d")
                bars = bars.GroupBy(b => b.Start).Select(g => g.Last()).ToList();
            return new BarBatch(bars, rejected);
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
        catch (InvalidOperationException e)
        {
            return BarBatch.Fail(RejectReasons.MalformedJson, e.Message);
        }
    }

    private static TimeSpan TimeSpanOf(string interval) => BarIntervals.Length(interval);

    private static JsonElement? Column(JsonElement quote, string name) =>
        quote.TryGetProperty(name, out var col) && col.ValueKind == JsonValueKind.Array ? col : null;

    /// <summary>A price cell: null (missing or JSON null) or a decimal; <paramref name="bad"/> when it is neither.</summary>
    private static decimal? Cell(JsonElement? column, int index, out bool bad)
    {
        bad = false;
        if (column is not { } col || index >= col.GetArrayLength())
            return null;
        var e = col[index];
        switch (e.ValueKind)
        {
            case JsonValueKind.Null:
                return null;
            case JsonValueKind.Number when e.TryGetDecimal(out var d):
                return d;
            case JsonValueKind.String when decimal.TryParse(e.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var s):
                return s;
            default:
                bad = true;
                return null;
        }
    }
}
