using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;

namespace DeepSeekWatch.Delivery;

internal static class DeliveryStates
{
    public const string Pending = "pending";
    public const string Delivered = "delivered";
    public const string DeadLettered = "dead-lettered";
}

/// <summary>
/// One planned delivery of one alert revision to one route, as kept in the delivery store. It carries no secret:
/// the route is named, and its URL and signing key are looked up in configuration when sending.
/// </summary>
internal sealed record DeliveryRecord
{
    public required string Id { get; init; }
    /// <summary>Standard Webhooks <c>webhook-id</c>: the same on every attempt (and re-drive) of this delivery.</summary>
    public required string WebhookId { get; init; }
    public required string Route { get; init; }
    public required string RouteKind { get; init; }
    public required string AlertId { get; init; }
    public required int Revision { get; init; }
    /// <summary>True when an earlier revision of this alert was already planned for this route.</summary>
    public bool IsUpdate { get; init; }
    /// <summary>The alert revision in its one JSON form (AlertJson).</summary>
    public required string Alert { get; init; }
    public required string Severity { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset DueAt { get; init; }
    public string State { get; init; } = DeliveryStates.Pending;
    /// <summary>Attempts made so far (sent requests, not rate-limit postponements).</summary>
    public int Attempts { get; init; }
    public DateTimeOffset? LastAttemptAt { get; init; }
    /// <summary>What the last attempt got, e.g. <c>http 500</c>, <c>timeout</c>; never a URL.</summary>
    public string? LastOutcome { get; init; }
    public DateTimeOffset? CompletedAt { get; init; }
    public string? DeadLetterReason { get; init; }

    /// <summary>
    /// Deterministic from (route, alert, revision), so planning the same revision twice (a redelivered message, two
    /// instances) yields the same delivery, and the stored delivery can be found again.
    /// </summary>
    public static string IdFor(string route, string alertId, int revision) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{route}\n{alertId}\n{revision}")))[..26];
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(DeliveryRecord))]
[JsonSerializable(typeof(CooldownEntry))]
internal sealed partial class DeliveryJsonContext : JsonSerializerContext;

/// <summary>What the cooldown of one (route, symbol) holds: the alert that started it, its severity, and its end.</summary>
internal sealed record CooldownEntry(string AlertId, int SeverityRank, DateTimeOffset Until);

/// <summary>How far planning got for one (route, alert): the highest revision decided, and whether any was sent.</summary>
internal sealed record PlanState(int Revision, bool Sent);
