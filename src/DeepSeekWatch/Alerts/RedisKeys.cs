namespace DeepSeekWatch.Alerts;

/// <summary>Every Redis key of the alert store, in one place. <c>{p}</c> is <c>Store:Redis:KeyPrefix</c>.</summary>
internal sealed class RedisKeys(string prefix)
{
    /// <summary>Hash per alert: <c>json</c>, <c>revision</c>, <c>at</c>, <c>symbol</c>, <c>group</c>, <c>kind</c>.</summary>
    public string Alert(string alertId) => $"{prefix}alert:{alertId}";

    /// <summary>Sorted set of alert ids scored by <c>at</c> (Unix ms): every alert.</summary>
    public string ByTime => $"{prefix}alerts:by-time";

    public string BySymbol(string symbol) => $"{prefix}alerts:by-symbol:{symbol.ToUpperInvariant()}";

    public string ByGroup(string group) => $"{prefix}alerts:by-group:{group.ToLowerInvariant()}";

    public string ByKind(string kind) => $"{prefix}alerts:by-kind:{kind.ToLowerInvariant()}";

    /// <summary>Capped stream of alert writes, for Grafana's Redis data source and live readers.</summary>
    public string Stream => $"{prefix}alerts:stream";

    /// <summary>Pub/sub channel announcing each alert write (the alert JSON).</summary>
    public string Channel => $"{prefix}alerts:live";
}
