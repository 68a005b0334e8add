using DeepSeekWatch.Contracts;

namespace DeepSeekWatch.Alerts;

/// <summary>What a write did: a new alert, a newer revision of a known one, or nothing (the same or an older revision).</summary>
public enum AlertWriteOutcome
{
    Unchanged,
    Inserted,
    Revised,
}

/// <summary>A query over stored alerts; every filter is optional. Results are newest first (by <c>at</c>, then id).</summary>
public sealed record AlertQuery(string? Symbol = null, string? Group = null, string? Kind = null, DateTimeOffset? Since = null, int Limit = 100);

/// <summary>
/// Keeps each alert's latest revision, keyed by <c>alertId</c>. Writes are idempotent: writing the same or an older
/// revision again changes nothing, so redeliveries, replays and restarts never duplicate an alert.
/// </summary>
public interface IAlertStore
{
    Task<AlertWriteOutcome> UpsertAsync(Alert alert, CancellationToken cancellationToken = default);

    Task<Alert?> GetAsync(string alertId, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<Alert>> QueryAsync(AlertQuery query, CancellationToken cancellationToken = default);

    /// <summary>Recent alert writes (inserts and revisions) as the stream for Grafana and live readers holds them, oldest first.</summary>
    Task<IReadOnlyList<Alert>> ReadStreamAsync(int count, CancellationToken cancellationToken = default);

    Task<bool> PingAsync(CancellationToken cancellationToken = default);
}
