using System.Buffers;
using System.Net;
using System.Text;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;
using Polly.RateLimiting;
using Polly.Timeout;

namespace DeepSeekWatch.Ingestion;

/// <summary>Why a response or an item was rejected; the values are the <c>reason</c> tag of the metrics.</summary>
public static class RejectReasons
{
    public const string Timeout = "timeout";
    public const string Network = "network";
    public const string CircuitOpen = "circuit-open";
    public const string RateLimited = "rate-limited";
    public const string Unauthorized = "unauthorized";
    public const string NotFound = "not-found";
    public const string ServerError = "server-error";
    public const string HttpStatus = "http-status";
    public const string Oversized = "oversized";
    public const string HtmlPage = "html-page";
    public const string MalformedJson = "malformed-json";
    public const string MalformedXml = "malformed-xml";
    public const string MalformedCsv = "malformed-csv";
    public const string ProviderError = "provider-error";
    public const string Empty = "empty";
    public const string NullValues = "null-values";
    public const string NonPositive = "non-positive";
    public const string NonFinite = "non-finite";
    public const string HighBelowLow = "high-below-low";
    public const string NegativeVolume = "negative-volume";
    public const string FutureDated = "future-dated";
    public const string InvalidDate = "invalid-date";
    public const string MissingField = "missing-field";
    public const string InvalidUrl = "invalid-url";
}

/// <summary>The outcome of one GET: a body, or the reason it is unusable.</summary>
public sealed record FetchResult(int Status, string? Body, string? MediaType, string? FailureReason, string? Detail)
{
    public bool Ok => FailureReason is null;

    public static FetchResult Fail(string reason, string detail, int status = 0) => new(status, null, null, reason, detail);
}

/// <summary>
/// Sends GETs through the named, resilient clients and reads bodies with a size limit. Never throws for provider
/// failures (only for cancellation of <c>ct</c>); the detail it returns never contains the URL's query (API keys).
/// </summary>
public sealed class ProviderHttp(IHttpClientFactory factory, IOptionsMonitor<SourcesOptions> options)
{
    public async Task<FetchResult> GetAsync(string client, Uri uri, IReadOnlyDictionary<string, string>? headers, CancellationToken ct)
    {
        var max = options.CurrentValue.Http.MaxResponseBytes;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            if (headers is not null)
                foreach (var (k, v) in headers)
                    request.Headers.TryAddWithoutValidation(k, v);
            using var response = await factory.CreateClient(client).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            var status = (int)response.StatusCode;
            if (!response.IsSuccessStatusCode)
            {
                var reason = response.StatusCode switch
                {
                    HttpStatusCode.TooManyRequests => RejectReasons.RateLimited,
                    HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => RejectReasons.Unauthorized,
                    HttpStatusCode.NotFound => RejectReasons.NotFound,
                    >= HttpStatusCode.InternalServerError => RejectReasons.ServerError,
                    _ => RejectReasons.HttpStatus,
                };
                var retryAfter = response.Headers.RetryAfter?.Delta is { } d ? $", Retry-After {d.TotalSeconds:0}s" : "";
                return FetchResult.Fail(reason, $"HTTP {status}{retryAfter}", status);
            }
            if (response.Content.Headers.ContentLength > max)
                return FetchResult.Fail(RejectReasons.Oversized, $"Content-Length {response.Content.Headers.ContentLength} exceeds {max} bytes", status);
            await using var stream = await response.Content.ReadAsStreamAsync(ct);
            var body = await ReadLimitedAsync(stream, max, ct);
            if (body is null)
                return FetchResult.Fail(RejectReasons.Oversized, $"body exceeds {max} bytes", status);
            var charset = response.Content.Headers.ContentType?.CharSet;
            var encoding = Encoding.UTF8;
            if (!string.IsNullOrEmpty(charset))
            {
                try
                {
                    encoding = Encoding.GetEncoding(charset.Trim('"'));
                }
                catch (ArgumentException)
                {
                    // Unknown charset: fall back to UTF-8 rather than losing the body.
                }
            }
            return new FetchResult(status, encoding.GetString(body), response.Content.Headers.ContentType?.MediaType, null, null);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (TimeoutRejectedException)
        {
            return FetchResult.Fail(RejectReasons.Timeout, "request timed out");
        }
        catch (OperationCanceledException)
        {
            return FetchResult.Fail(RejectReasons.Timeout, "request timed out");
        }
        catch (BrokenCircuitException)
        {
            return FetchResult.Fail(RejectReasons.CircuitOpen, "circuit breaker is open");
        }
        catch (RateLimiterRejectedException)
        {
            return FetchResult.Fail(RejectReasons.RateLimited, "client-side rate limit");
        }
        catch (HttpRequestException e)
        {
            return FetchResult.Fail(RejectReasons.Network, e.HttpRequestError.ToString());
        }
        catch (IOException)
        {
            return FetchResult.Fail(RejectReasons.Network, "connection broken while reading the body");
        }
    }

    /// <summary>Reads at most <paramref name="max"/> bytes; null when the stream has more.</summary>
    private static async Task<byte[]?> ReadLimitedAsync(Stream stream, long max, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            using var collected = new MemoryStream();
            while (true)
            {
                var n = await stream.ReadAsync(buffer, ct);
                if (n == 0)
                    return collected.ToArray();
                if (collected.Length + n > max)
                    return null;
                collected.Write(buffer, 0, n);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>A URL for logs: scheme, host, port and path, never the query (it may carry an API key).</summary>
    public static string Redact(Uri uri) => uri.GetLeftPart(UriPartial.Path);
}
