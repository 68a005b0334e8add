using System.Globalization;
using DeepSeekWatch.Detection.Markets;
using Microsoft.Extensions.Options;

namespace DeepSeekWatch.Ingestion.Providers;

/// <summary>Stooq daily CSV (providers.md A6): <c>Date,Open,High,Low,Close,Volume</c>, no key (an optional one since 2026).</summary>
public sealed class StooqProvider(ProviderHttp http, IOptionsMonitor<SourcesOptions> options) : IPriceProvider
{
    public const string ClientName = "stooq";

    public string Name => ClientName;

    public bool Supports(string interval) => interval == "1d";

    public async Task<BarBatch> FetchBarsAsync(string symbol, string interval, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        var o = options.CurrentValue.Prices.Stooq;
        var s = symbol.ToLowerInvariant().Replace('.', '-') + ".us";
        var key = string.IsNullOrWhiteSpace(o.ApiKey) ? "" : "&apikey=" + Uri.EscapeDataString(o.ApiKey);
        var uri = new Uri($"{o.BaseUrl.TrimEnd('/')}/q/d/l/?s={Uri.EscapeDataString(s)}&i=d&d1={NyseCalendar.SessionDate(from):yyyyMMdd}&d2={NyseCalendar.SessionDate(to):yyyyMMdd}{key}");
        var fetch = await http.GetAsync(ClientName, uri, null, ct);
        return fetch.Ok ? Parse(fetch.Body!, fetch.MediaType) : BarBatch.From(fetch);
    }

    /// <summary>Parses the CSV. Never throws.</summary>
    public static BarBatch Parse(string body, string? mediaType)
    {
        var trimmed = body.Trim();
        var lines = trimmed.Split('\n');
        // Old responses sometimes had PHP warnings (HTML fragments) before the header.
        var header = Array.FindIndex(lines, l => l.StartsWith("Date,", StringComparison.Ordinal));
        if (header < 0 && (Bodies.LooksLikeHtml(body, mediaType) || trimmed.StartsWith('<')))
            return BarBatch.Fail(RejectReasons.HtmlPage, "HTML page instead of CSV (key wall or proof-of-work interstitial)");
        if (trimmed.Length == 0 || trimmed.Equals("No data", StringComparison.OrdinalIgnoreCase) || trimmed.Equals("Brak danych", StringComparison.OrdinalIgnoreCase))
            return new BarBatch([], []);
        if (trimmed.Contains("Exceeded the daily hits limit", StringComparison.OrdinalIgnoreCase))
            return BarBatch.Fail(RejectReasons.RateLimited, "Exceeded the daily hits limit");
        if (header < 0)
            return BarBatch.Fail(RejectReasons.MalformedCsv, $"no 'Date,' header: {Bodies.Snippet(trimmed)}");
        var columns = lines[header].TrimEnd('\r').Split(',');
        int Col(string name) => Array.FindIndex(columns, c => c.Equals(name, StringComparison.OrdinalIgnoreCase));
        int iDate = Col("Date"), iOpen = Col("Open"), iHigh = Col("High"), iLow = Col("Low"), iClose = Col("Close"), iVolume = Col("Volume");
        if (iOpen < 0 || iHigh < 0 || iLow < 0 || iClose < 0)
            return BarBatch.Fail(RejectReasons.MalformedCsv, "header lacks Open/High/Low/Close");
        var bars = new List<CandidateBar>();
        var rejected = new List<string>();
        foreach (var raw in lines.Skip(header + 1))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0)
                continue;
            var f = line.Split(',');
            if (f.Length < columns.Length)
            {
                rejected.Add(RejectReasons.MalformedCsv);
                continue;
            }
            if (!DateOnly.TryParseExact(f[iDate], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) || !NyseCalendar.IsTradingDay(date))
            {
                rejected.Add(RejectReasons.InvalidDate);
                continue;
            }
            decimal? P(int i) => decimal.TryParse(f[i], NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;
            var (o, h, l, c) = (P(iOpen), P(iHigh), P(iLow), P(iClose));
            if (o is null || h is null || l is null || c is null)
            {
                rejected.Add(f[iOpen].Length == 0 || f[iClose].Length == 0 ? RejectReasons.NullValues : RejectReasons.NonFinite);
                continue;
            }
            long? v = 0;
            if (iVolume >= 0 && f[iVolume].Length > 0)
                v = decimal.TryParse(f[iVolume], NumberStyles.Float, CultureInfo.InvariantCulture, out var vd) && vd is >= long.MinValue and <= long.MaxValue ? (long)vd : null;
            if (v is null)
            {
                rejected.Add(RejectReasons.NonFinite);
                continue;
            }
            bars.Add(new CandidateBar(NyseCalendar.RegularOpen(date), NyseCalendar.RegularClose(date), o, h, l, c, v));
        }
        return new BarBatch(bars, rejected);
    }
}
