namespace DeepSeekWatch.Ingestion.Providers;

/// <summary>A bar as a provider reported it, before validation. Null fields are what the provider sent as null.</summary>
public sealed record CandidateBar(DateTimeOffset Start, DateTimeOffset End, decimal? Open, decimal? High, decimal? Low, decimal? Close, long? Volume);

/// <summary>What one price request gave: bars, item-level rejections, or a reason the whole response is unusable.</summary>
public sealed record BarBatch(IReadOnlyList<CandidateBar> Bars, IReadOnlyList<string> ItemRejections, string? FailureReason = null, string? Detail = null)
{
    public static BarBatch Fail(string reason, string detail) => new([], [], reason, detail);

    public static BarBatch From(FetchResult fetch) => Fail(fetch.FailureReason!, fetch.Detail ?? "");
}

/// <summary>A headline as a feed reported it, before validation.</summary>
public sealed record CandidateHeadline(string? Title, string? Url, string? Publisher, DateTimeOffset? PublishedAt, string? Summary, IReadOnlyList<string> Tickers);

public sealed record HeadlineBatch(IReadOnlyList<CandidateHeadline> Items, IReadOnlyList<string> ItemRejections, string? FailureReason = null, string? Detail = null)
{
    public static HeadlineBatch Fail(string reason, string detail) => new([], [], reason, detail);

    public static HeadlineBatch From(FetchResult fetch) => Fail(fetch.FailureReason!, fetch.Detail ?? "");
}

/// <summary>One price provider: fetches the bars of a symbol and interval over a time span.</summary>
public interface IPriceProvider
{
    /// <summary>The CloudEvents <c>source</c> and the metrics' provider tag, e.g. <c>yahoo-chart</c>.</summary>
    string Name { get; }

    bool Supports(string interval);

    /// <summary>Never throws for provider failures: they come back as <see cref="BarBatch.FailureReason"/>.</summary>
    Task<BarBatch> FetchBarsAsync(string symbol, string interval, DateTimeOffset from, DateTimeOffset to, CancellationToken ct);
}

/// <summary>One headline source (a feed, or one symbol's company news).</summary>
public interface IHeadlineSource
{
    /// <summary>The CloudEvents <c>source</c>, e.g. <c>rss:https://example.com/feed</c>.</summary>
    string Name { get; }

    /// <summary>The metrics' provider tag, e.g. <c>rss</c>.</summary>
    string Provider { get; }

    /// <summary>How logs name the source: never a URL's query, which could carry a key.</summary>
    string LogName { get; }

    Task<HeadlineBatch> FetchAsync(DateTimeOffset now, CancellationToken ct);
}

internal static class Bodies
{
    /// <summary>An HTML page where data was expected (error pages, proof-of-work interstitials, login walls).</summary>
    public static bool LooksLikeHtml(string body, string? mediaType)
    {
        if (mediaType is "text/html" or "application/xhtml+xml")
            return true;
        var t = body.AsSpan().TrimStart();
        return t.StartsWith("<!doctype html", StringComparison.OrdinalIgnoreCase) || t.StartsWith("<html", StringComparison.OrdinalIgnoreCase)
            || t.StartsWith("<head", StringComparison.OrdinalIgnoreCase) || t.StartsWith("<body", StringComparison.OrdinalIgnoreCase);
    }

    public static string Snippet(string body) => body.Length <= 80 ? body.Trim() : body[..80].Trim() + "…";
}
