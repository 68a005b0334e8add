using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using DeepSeekWatch.Alerts;

namespace DeepSeekWatch.Delivery;

internal enum SendResultKind
{
    /// <summary>2xx.</summary>
    Success,
    /// <summary>408, 429, 5xx, a timeout or a network error: try again later.</summary>
    Retry,
    /// <summary>Any other status (3xx, 4xx): retrying would not help.</summary>
    Failed,
    /// <summary>410: the receiver wants nothing more; the route is disabled.</summary>
    Gone,
}

/// <param name="Outcome">A short, secret-free description: <c>http 500</c>, <c>timeout</c>, <c>network error (ConnectionError)</c>.</param>
/// <param name="RetryAfter">The receiver's <c>Retry-After</c>, when it sent one.</param>
internal readonly record struct SendResult(SendResultKind Kind, int? StatusCode, string Outcome, TimeSpan? RetryAfter = null);

/// <summary>
/// Sends one attempt of one delivery: a Slack Block Kit message or a signed CloudEvent, through the route kind's named
/// <see cref="HttpClient"/>, cancelled after the route's timeout on the <see cref="TimeProvider"/>.
/// </summary>
internal sealed class DeliverySender(IHttpClientFactory httpClientFactory, TimeProvider time)
{
    public const string SlackClientName = "deepseekwatch-delivery-slack";
    public const string WebhookClientName = "deepseekwatch-delivery-webhooks";

    public async Task<SendResult> SendAsync(DeliveryRecord delivery, RouteOptions route, CancellationToken cancellationToken)
    {
        var alert = AlertJson.Deserialize(delivery.Alert);
        using var request = new HttpRequestMessage(HttpMethod.Post, route.Url);
        string clientName;
        if (route.Kind == RouteKinds.Slack)
        {
            clientName = SlackClientName;
            request.Content = new StringContent(SlackMessageBuilder.Build(alert, delivery.IsUpdate), Encoding.UTF8, "application/json");
        }
        else
        {
            clientName = WebhookClientName;
            var body = CloudEventEnvelope.Build(alert);
            // The timestamp is the attempt's (Standard Webhooks): a retry is signed afresh under the same webhook-id.
            var timestamp = time.GetUtcNow().ToUnixTimeSeconds();
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(CloudEventEnvelope.ContentType) { CharSet = "utf-8" };
            request.Headers.TryAddWithoutValidation("webhook-id", delivery.WebhookId);
            request.Headers.TryAddWithoutValidation("webhook-timestamp", timestamp.ToString(CultureInfo.InvariantCulture));
            request.Headers.TryAddWithoutValidation("webhook-signature", WebhookSigner.Sign(delivery.WebhookId, timestamp, body, route.SecretKey));
        }

        using var timeout = new CancellationTokenSource(route.Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            var client = httpClientFactory.CreateClient(clientName);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
            return Classify(response, time.GetUtcNow());
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new SendResult(SendResultKind.Retry, null, "timeout");
        }
        catch (HttpRequestException ex)
        {
            // The exception's message may quote the target; only its category is kept.
            return new SendResult(SendResultKind.Retry, null, $"network error ({ex.HttpRequestError})");
        }
    }

    public static SendResult Classify(HttpResponseMessage response, DateTimeOffset now)
    {
        var code = (int)response.StatusCode;
        var outcome = $"http {code}";
        if (code is >= 200 and <= 299)
            return new SendResult(SendResultKind.Success, code, outcome);
        if (response.StatusCode == HttpStatusCode.Gone)
            return new SendResult(SendResultKind.Gone, code, outcome);
        if (code is 408 or 429 or >= 500)
            return new SendResult(SendResultKind.Retry, code, outcome, RetryAfter(response.Headers.RetryAfter, now));
        return new SendResult(SendResultKind.Failed, code, outcome);
    }

    private static TimeSpan? RetryAfter(RetryConditionHeaderValue? header, DateTimeOffset now)
    {
        if (header?.Delta is { } delta)
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        if (header?.Date is { } date)
            return date > now ? date - now : TimeSpan.Zero;
        return null;
    }
}

/// <summary>
/// Pace per route, on the <see cref="TimeProvider"/>: a Slack webhook gets at most one message per
/// <see cref="DeliveryOptions.SlackMinInterval"/>, and any route that answered 429 with <c>Retry-After</c> gets
/// nothing until then. Per process: with several instances each keeps its own pace (see docs/delivery.md).
/// </summary>
internal sealed class RoutePacer(DeliveryOptions options)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, DateTimeOffset> _nextAllowed = new(StringComparer.Ordinal);

    /// <summary>
    /// Null when a request may go now (for a Slack route, the slot is taken); otherwise the earliest time it may.
    /// </summary>
    public DateTimeOffset? TryTake(RouteOptions route, DateTimeOffset now)
    {
        lock (_gate)
        {
            if (_nextAllowed.TryGetValue(route.Name, out var next) && next > now)
                return next;
            if (route.Kind == RouteKinds.Slack)
                _nextAllowed[route.Name] = now + options.SlackMinInterval;
            return null;
        }
    }

    /// <summary>A 429 with Retry-After holds the whole route, not only the one delivery.</summary>
    public void HoldUntil(string route, DateTimeOffset until)
    {
        lock (_gate)
        {
            if (!_nextAllowed.TryGetValue(route, out var next) || next < until)
                _nextAllowed[route] = until;
        }
    }
}
