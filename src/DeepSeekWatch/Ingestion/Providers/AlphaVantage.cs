using System.Globalization;
using System.Text.Json;
using DeepSeekWatch.Detection.Markets;
using Microsoft.Extensions.Options;

namespace DeepSeekWatch.Ingestion.Providers;

/// <summary>
/// Alpha Vantage TIME_SERIES_INTRADAY / TIME_SERIES_DAILY (providers.md A5): string values, naive US/Eastern
/// timestamps, newest first, and rate limits reported as HTTP 200 with a <c>Note</c> or <c>Information</c> body.
/// </summary>
public sealed class AlphaVantageProvider(ProviderHttp http, IOptionsMonitor<SourcesOptions> options) : IPriceProvider
{
    public const string ClientName = "alphavantage";

    public string Name => ClientName;

    public bool Supports(string interval) => interval is "1m" or "5m" or "15m" or "1h" or "1d";

    public async Task<BarBatch> FetchBarsAsync(string symbol, string interval, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        var o = options.CurrentValue.Prices.AlphaVantage;
        var query = interval == "1d"
            ? $"function=TIME_SERIES_DAILY&symbol={Uri.EscapeDataString(symbol)}&outputsize=compact"
            : $"function=TIME_SERIES_INTRADAY&symbol={Uri.EscapeDataString(symbol)}&interval={AvInterval(interval)}&extended_hours=true&outputsize=compact";
        var uri = new Uri($"{o.BaseUrl.TrimEnd('/')}/query?{query}&apikey={Uri.EscapeDataString(o.ApiKey ?? "")}");
        var fetch = await http.GetAsync(ClientName, uri, null, ct);
        return fetch.Ok ? Parse(fetch.Body!, fetch.MediaType, interval) : BarBatch.From(fetch);
    }

    private static string AvInterval(string interval) => interval switch
    {
        "1m" => "1min",
        "5m" => "5min",
        "15m" => "15min",
        _ => "60min",
    };

    /// <summary>Parses a time series. Never throws.</summary>
    public static BarBatch Parse(string body, string? mediaType, string interval)
    {
        if (Bodies.LooksLikeHtml(body, mediaType))
            return BarBatch.Fail(RejectReasons.HtmlPage, "HTML page instead of JSON");
        if (!BarIntervals.IsKnown(interval))
            return BarBatch.Fail(RejectReasons.ProviderError, $"unknown interval {interval}");
        try
        {
            using var doc = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 16 });
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                return BarBatch.Fail(RejectReasons.MalformedJson, "response is not an object");
            // Soft errors, all HTTP 200: detect them by key.
            if (root.TryGetProperty("Note", out var note))
                return BarBatch.Fail(RejectReasons.RateLimited, "Note: " + Text(note));
            if (root.TryGetProperty("Information", out var info))
            {
                var text = Text(info);
                return BarBatch.Fail(text.Contains("rate limit", StringComparison.OrdinalIgnoreCase) ? RejectReasons.RateLimited : RejectReasons.ProviderError, "Information: " + text);
            }
            if (root.TryGetProperty("Error Message", out var error))
                return BarBatch.Fail(RejectReasons.ProviderError, "Error Message: " + Text(error));
            JsonElement? series = null;
            foreach (var p in root.EnumerateObject())
                if (p.Name.StartsWith("Time Series", StringComparison.Ordinal) && p.Value.ValueKind == JsonValueKind.Object)
                    series = p.Value;
            if (series is not { } s)
                return BarBatch.Fail(RejectReasons.Empty, "no 'Time Series' object");
            var bars = new List<CandidateBar>();
            var rejected = new List<string>();
            var length = BarIntervals.Length(interval);
            foreach (var p in s.EnumerateObject())
            {
                DateTimeOffset start, end;
                if (interval == "1d")
                {
                    if (!DateOnly.TryParseExact(p.Name, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) || !NyseCalendar.IsTradingDay(date))
                    {
                        rejected.Add(RejectReasons.InvalidDate);
                        continue;
                    }
                    (start, end) = (NyseCalendar.RegularOpen(date), NyseCalendar.RegularClose(date));
                }
                else
                {
                    if (!DateTime.TryParseExact(p.Name, "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
                    {
                        rejected.Add(RejectReasons.InvalidDate);
                        continue;
                    }
                    start = NyseCalendar.FromNewYorkWallClock(local);
                    end = start + length;
                }
                if (p.Value.ValueKind != JsonValueKind.Object)
                {
                    rejected.Add(p.Value.ValueKind == JsonValueKind.Null ? RejectReasons.NullValues : RejectReasons.MalformedJson);
                    continue;
                }
                var bar = new CandidateBar(start, end, Num(p.Value, "1. open"), Num(p.Value, "2. high"), Num(p.Value, "3. low"), Num(p.Value, "4. close"),
                    Num(p.Value, "5. volume") is { } v && v is >= long.MinValue and <= long.MaxValue ? (long)v : null);
                if (bar.Volume is null && p.Value.TryGetProperty("5. volume", out _))
                {
                    rejected.Add(RejectReasons.NonFinite);
                    continue;
                }
                bars.Add(bar with { Volume = bar.Volume ?? 0 });
            }
            bars.Sort((a, b) => a.Start.CompareTo(b.Start));
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
    }

    private static string Text(JsonElement e) => e.ValueKind == JsonValueKind.String ? e.GetString() ?? "" : e.GetRawText();

    private static decimal? Num(JsonElement o, string name) =>
        o.TryGetProperty(name, out var e) && e.ValueKind == JsonValueKind.String
            && decimal.TryParse(e.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;
}
