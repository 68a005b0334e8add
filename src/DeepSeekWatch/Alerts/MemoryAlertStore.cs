using DeepSeekWatch.Contracts;
using Microsoft.Extensions.Options;

namespace DeepSeekWatch.Alerts;

/// <summary>The embedded store: the same behaviour as <see cref="RedisAlertStore"/>, in process memory.</summary>
public sealed class MemoryAlertStore(IOptions<StoreOptions> options, TimeProvider time) : IAlertStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (Alert Alert, DateTimeOffset ExpiresAt)> _alerts = new(StringComparer.Ordinal);
    private readonly SortedSet<(long At, string Id)> _byTime = new(Comparer<(long At, string Id)>.Create((a, b) =>
        a.At != b.At ? a.At.CompareTo(b.At) : string.CompareOrdinal(a.Id, b.Id)));
    private readonly Queue<Alert> _stream = new();

    public Task<AlertWriteOutcome> UpsertAsync(Alert alert, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            var outcome = AlertWriteOutcome.Inserted;
            if (_alerts.TryGetValue(alert.AlertId, out var existing) && existing.ExpiresAt > now)
            {
                if (existing.Alert.Revision >= alert.Revision)
                    return Task.FromResult(AlertWriteOutcome.Unchanged);
                _byTime.Remove((existing.Alert.At.UtcTicks, alert.AlertId));
                outcome = AlertWriteOutcome.Revised;
            }
            _alerts[alert.AlertId] = (alert, now + options.Value.Retention);
            _byTime.Add((alert.At.UtcTicks, alert.AlertId));
            _stream.Enqueue(alert);
            while (_stream.Count > options.Value.StreamMaxLength)
                _stream.Dequeue();
            return Task.FromResult(outcome);
        }
    }

    public Task<Alert?> GetAsync(string alertId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(Live(alertId, time.GetUtcNow()));
        }
    }

    public Task<IReadOnlyList<Alert>> QueryAsync(AlertQuery query, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var result = new List<Alert>();
        lock (_gate)
        {
            foreach (var (at, id) in _byTime.Reverse())
            {
                if (query.Since is { } since && at < since.UtcTicks)
                    break;
                if (Live(id, now) is not { } alert || !AlertFilter.Matches(alert, query))
                    continue;
                result.Add(alert);
                if (result.Count >= query.Limit)
                    break;
            }
        }
        return Task.FromResult<IReadOnlyList<Alert>>(result);
    }

    public Task<IReadOnlyList<Alert>> ReadStreamAsync(int count, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<Alert>>(_stream.Skip(Math.Max(0, _stream.Count - count)).ToList());
        }
    }

    public Task<bool> PingAsync(CancellationToken cancellationToken = default) => Task.FromResult(true);

    private Alert? Live(string id, DateTimeOffset now)
    {
        if (!_alerts.TryGetValue(id, out var entry))
            return null;
        if (entry.ExpiresAt > now)
            return entry.Alert;
        _alerts.Remove(id);
        _byTime.Remove((entry.Alert.At.UtcTicks, id));
        return null;
    }
}

internal static class AlertFilter
{
    public static bool Matches(Alert alert, AlertQuery query) =>
        (query.Symbol is null || string.Equals(alert.Symbol, query.Symbol, StringComparison.OrdinalIgnoreCase) || alert.Members.Contains(query.Symbol, StringComparer.OrdinalIgnoreCase))
        && (query.Group is null || string.Equals(alert.Group, query.Group, StringComparison.OrdinalIgnoreCase))
        && (query.Kind is null || string.Equals(alert.Kind, query.Kind, StringComparison.OrdinalIgnoreCase))
        && (query.Since is null || alert.At >= query.Since);
}
