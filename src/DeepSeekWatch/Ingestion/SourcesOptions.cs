using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace DeepSeekWatch.Ingestion;

/// <summary>The <c>Sources</c> configuration section (contracts.md §6; every key is listed in docs/ingestion.md).</summary>
public sealed class SourcesOptions
{
    public const string Section = "Sources";

    /// <summary>Time between poll cycles of every job.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMinutes(1);

    public MarketHoursOptions MarketHours { get; set; } = new();
    public PricesOptions Prices { get; set; } = new();
    public HeadlinesOptions Headlines { get; set; } = new();
    public HttpOptions Http { get; set; } = new();
    public DedupeOptions Dedupe { get; set; } = new();
}

public sealed class MarketHoursOptions
{
    /// <summary>true: prices are polled only while the market (with the enabled extended sessions) is open.</summary>
    public bool Enforce { get; set; } = true;

    /// <summary>Poll and publish pre-market bars (04:00–09:30 New York).</summary>
    public bool PreMarket { get; set; } = true;

    /// <summary>Poll and publish after-hours bars (close–20:00 New York).</summary>
    public bool AfterHours { get; set; } = true;

    /// <summary>How long after a session ends prices are still polled, so its last bars (and the daily bar) are collected.</summary>
    public TimeSpan CloseGrace { get; set; } = TimeSpan.FromMinutes(5);
}

public sealed class PricesOptions
{
    /// <summary><c>yahoo</c> (default), <c>stooq</c>, <c>finnhub</c> or <c>alphavantage</c>; empty or <c>none</c> disables prices.</summary>
    public string Provider { get; set; } = "yahoo";

    /// <summary>Bar intervals to poll: <c>1m</c>, <c>5m</c>, <c>15m</c>, <c>1h</c>, <c>1d</c>; empty means <c>1m</c> and <c>1d</c>.</summary>
    public List<string> Intervals { get; set; } = [];

    /// <summary>The intervals in effect (configuration binding appends to lists, so the default is applied here).</summary>
    public IReadOnlyList<string> EffectiveIntervals => Intervals.Count > 0 ? Intervals.Distinct().ToList() : ["1m", "1d"];

    /// <summary>Extra symbols polled besides the watchlist's (the watchlist's benchmarks are always included).</summary>
    public List<string> ExtraSymbols { get; set; } = [];

    /// <summary>How far back the first poll of a (symbol, interval) reaches when nothing has been published yet.</summary>
    public TimeSpan InitialLookback { get; set; } = TimeSpan.FromDays(1);

    public ProviderEndpoint Yahoo { get; set; } = new() { BaseUrl = "https://query1.finance.yahoo.com" };
    public ProviderEndpoint Stooq { get; set; } = new() { BaseUrl = "https://stooq.com" };
    public ProviderEndpoint Finnhub { get; set; } = new() { BaseUrl = "https://finnhub.io/api/v1", RequestsPerMinute = 60 };
    public ProviderEndpoint AlphaVantage { get; set; } = new() { BaseUrl = "https://www.alphavantage.co", RequestsPerMinute = 5 };
}

public sealed class ProviderEndpoint
{
    public string BaseUrl { get; set; } = "";

    /// <summary>Never logged. Finnhub sends it as a header, Alpha Vantage and Stooq as a query parameter.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Client-side rate limit; 0 = none.</summary>
    public int RequestsPerMinute { get; set; }
}

public sealed class HeadlinesOptions
{
    /// <summary>Any RSS 2.0 or Atom feeds (<c>Sources:Headlines:Feeds:&lt;n&gt;:Name</c>, <c>:Url</c>).</summary>
    public List<FeedOptions> Feeds { get; set; } = [];

    /// <summary>Poll Yahoo Finance's per-symbol headline RSS for every watched symbol.</summary>
    public bool YahooSymbolFeeds { get; set; } = true;

    public string YahooRssBaseUrl { get; set; } = "https://feeds.finance.yahoo.com";

    /// <summary>How many symbols one Yahoo RSS request carries (<c>s=SPY,QQQ,...</c>).</summary>
    public int YahooSymbolsPerRequest { get; set; } = 10;

    /// <summary>Poll Google News search feeds for <see cref="GoogleNewsQueries"/>.</summary>
    public bool GoogleNews { get; set; } = true;

    /// <summary>Google News search queries, each polled as its own RSS feed; empty means "DeepSeek" and "Nvidia AI".</summary>
    public List<string> GoogleNewsQueries { get; set; } = [];

    public IReadOnlyList<string> EffectiveGoogleNewsQueries => GoogleNewsQueries.Count > 0 ? GoogleNewsQueries : ["DeepSeek", "Nvidia AI"];

    public string GoogleNewsBaseUrl { get; set; } = "https://news.google.com";

    /// <summary>Poll Finnhub company news for every watched symbol (needs <c>Sources:Prices:Finnhub:ApiKey</c>).</summary>
    public bool FinnhubCompanyNews { get; set; }

    /// <summary>Time between headline polls; unset means <c>Sources:PollInterval</c>.</summary>
    public TimeSpan? PollInterval { get; set; }

    /// <summary>Headlines published further in the future than this are rejected as future-dated.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromMinutes(5);
}

public sealed class FeedOptions
{
    [Required]
    public string Name { get; set; } = "";

    [Required]
    public string Url { get; set; } = "";

    /// <summary>Symbols every item of this feed concerns (e.g. a per-symbol feed).</summary>
    public List<string> Tickers { get; set; } = [];
}

public sealed class HttpOptions
{
    /// <summary>Overall time for one request including retries.</summary>
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Time for one attempt.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public int MaxRetries { get; set; } = 3;

    /// <summary>Base of the exponential back-off with jitter.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A 429/503 whose Retry-After is longer than this is not retried in the same cycle (the next cycle runs).</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Responses larger than this (after decompression) are rejected.</summary>
    public long MaxResponseBytes { get; set; } = 4 * 1024 * 1024;

    public double CircuitBreakerFailureRatio { get; set; } = 0.5;
    public int CircuitBreakerMinimumThroughput { get; set; } = 20;
    public TimeSpan CircuitBreakerSamplingDuration { get; set; } = TimeSpan.FromMinutes(2);
    public TimeSpan CircuitBreakerBreakDuration { get; set; } = TimeSpan.FromSeconds(60);

    public string UserAgent { get; set; } = "Mozilla/5.0 (X11; Linux x86_64) DeepSeekWatch/1.0";
}

public sealed class DedupeOptions
{
    public TimeSpan HeadlineTtl { get; set; } = TimeSpan.FromDays(7);
    public TimeSpan BarTtl { get; set; } = TimeSpan.FromDays(10);
}

/// <summary>Checks the section; each failure names the full key so a bad value stops start-up with a clear message.</summary>
internal sealed class SourcesOptionsValidator : IValidateOptions<SourcesOptions>
{
    public static readonly string[] Providers = ["yahoo", "stooq", "finnhub", "alphavantage", "none", ""];

    public ValidateOptionsResult Validate(string? name, SourcesOptions o)
    {
        var errors = new List<string>();
        void Check(bool ok, string key, string problem)
        {
            if (!ok)
                errors.Add($"Sources:{key}: {problem}");
        }

        Check(o.PollInterval > TimeSpan.Zero, "PollInterval", $"must be positive, was '{o.PollInterval}'");
        Check(o.Headlines.PollInterval is null || o.Headlines.PollInterval > TimeSpan.Zero, "Headlines:PollInterval", "must be positive");
        Check(o.MarketHours.CloseGrace >= TimeSpan.Zero, "MarketHours:CloseGrace", "must not be negative");
        Check(Providers.Contains(o.Prices.Provider.ToLowerInvariant()), "Prices:Provider",
            $"'{o.Prices.Provider}' is not one of yahoo, stooq, finnhub, alphavantage, none");
        for (var i = 0; i < o.Prices.Intervals.Count; i++)
            Check(BarIntervals.IsKnown(o.Prices.Intervals[i]), $"Prices:Intervals:{i}", $"'{o.Prices.Intervals[i]}' is not one of 1m, 5m, 15m, 1h, 1d");
        Check(o.Prices.InitialLookback > TimeSpan.Zero, "Prices:InitialLookback", "must be positive");
        CheckUrl(o.Prices.Yahoo.BaseUrl, "Prices:Yahoo:BaseUrl");
        CheckUrl(o.Prices.Stooq.BaseUrl, "Prices:Stooq:BaseUrl");
        CheckUrl(o.Prices.Finnhub.BaseUrl, "Prices:Finnhub:BaseUrl");
        CheckUrl(o.Prices.AlphaVantage.BaseUrl, "Prices:AlphaVantage:BaseUrl");
        var provider = o.Prices.Provider.ToLowerInvariant();
        Check(provider != "finnhub" || !string.IsNullOrWhiteSpace(o.Prices.Finnhub.ApiKey), "Prices:Finnhub:ApiKey", "is required when Sources:Prices:Provider is finnhub");
        Check(!o.Headlines.FinnhubCompanyNews || !string.IsNullOrWhiteSpace(o.Prices.Finnhub.ApiKey), "Prices:Finnhub:ApiKey", "is required when Sources:Headlines:FinnhubCompanyNews is true");
        Check(provider != "alphavantage" || !string.IsNullOrWhiteSpace(o.Prices.AlphaVantage.ApiKey), "Prices:AlphaVantage:ApiKey", "is required when Sources:Prices:Provider is alphavantage");
        for (var i = 0; i < o.Headlines.Feeds.Count; i++)
        {
            Check(!string.IsNullOrWhiteSpace(o.Headlines.Feeds[i].Name), $"Headlines:Feeds:{i}:Name", "is required");
            CheckUrl(o.Headlines.Feeds[i].Url, $"Headlines:Feeds:{i}:Url");
        }
        CheckUrl(o.Headlines.YahooRssBaseUrl, "Headlines:YahooRssBaseUrl");
        CheckUrl(o.Headlines.GoogleNewsBaseUrl, "Headlines:GoogleNewsBaseUrl");
        Check(o.Headlines.YahooSymbolsPerRequest is >= 1 and <= 50, "Headlines:YahooSymbolsPerRequest", "must be between 1 and 50");
        Check(o.Http.TotalTimeout > TimeSpan.Zero, "Http:TotalTimeout", "must be positive");
        Check(o.Http.AttemptTimeout > TimeSpan.Zero && o.Http.AttemptTimeout <= o.Http.TotalTimeout, "Http:AttemptTimeout", "must be positive and not longer than Sources:Http:TotalTimeout");
        Check(o.Http.MaxRetries is >= 0 and <= 10, "Http:MaxRetries", "must be between 0 and 10");
        Check(o.Http.RetryBaseDelay > TimeSpan.Zero, "Http:RetryBaseDelay", "must be positive");
        Check(o.Http.MaxRetryAfter >= TimeSpan.Zero, "Http:MaxRetryAfter", "must not be negative");
        Check(o.Http.MaxResponseBytes > 0, "Http:MaxResponseBytes", "must be positive");
        Check(o.Http.CircuitBreakerFailureRatio is > 0 and <= 1, "Http:CircuitBreakerFailureRatio", "must be in (0, 1]");
        Check(o.Http.CircuitBreakerMinimumThroughput >= 2, "Http:CircuitBreakerMinimumThroughput", "must be at least 2");
        Check(o.Http.CircuitBreakerSamplingDuration >= TimeSpan.FromMilliseconds(500), "Http:CircuitBreakerSamplingDuration", "must be at least 00:00:00.5");
        Check(o.Http.CircuitBreakerBreakDuration >= TimeSpan.FromMilliseconds(500), "Http:CircuitBreakerBreakDuration", "must be at least 00:00:00.5");
        Check(o.Dedupe.HeadlineTtl > TimeSpan.Zero, "Dedupe:HeadlineTtl", "must be positive");
        Check(o.Dedupe.BarTtl > TimeSpan.Zero, "Dedupe:BarTtl", "must be positive");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);

        void CheckUrl(string url, string key) =>
            Check(Uri.TryCreate(url, UriKind.Absolute, out var u) && (u.Scheme == Uri.UriSchemeHttp || u.Scheme == Uri.UriSchemeHttps), key, $"'{url}' is not an absolute http(s) URL");
    }
}

/// <summary>The bar intervals of the contract (contracts.md §1).</summary>
public static class BarIntervals
{
    public static bool IsKnown(string interval) => interval is "1m" or "5m" or "15m" or "1h" or "1d";

    public static TimeSpan Length(string interval) => interval switch
    {
        "1m" => TimeSpan.FromMinutes(1),
        "5m" => TimeSpan.FromMinutes(5),
        "15m" => TimeSpan.FromMinutes(15),
        "1h" => TimeSpan.FromHours(1),
        "1d" => TimeSpan.FromDays(1),
        _ => throw new ArgumentOutOfRangeException(nameof(interval), interval, "unknown interval"),
    };
}
