namespace DeepSeekWatch.Delivery;

/// <summary>
/// The embedded store: in-process, so deliveries survive nothing but are otherwise handled exactly as with Redis.
/// One lock keeps each operation atomic, as the Redis scripts do.
/// </summary>
internal sealed class MemoryDeliveryStore(TimeProvider time, DeliveryOptions options) : IDeliveryStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, DeliveryRecord> _deliveries = new(StringComparer.Ordinal);
    // Claim visibility: a claimed delivery is invisible until this time (the Redis due sorted set's score).
    private readonly Dictionary<string, DateTimeOffset> _visibleAt = new(StringComparer.Ordinal);
    private readonly Dictionary<(string, string), (PlanState State, DateTimeOffset Expires)> _plans = [];
    // Cooldowns compare event times; like Redis's relative expiry, an entry is dropped once its length has passed on the clock.
    private readonly Dictionary<(string, string), (CooldownEntry Entry, DateTimeOffset Expires)> _cooldowns = [];
    private readonly Dictionary<string, string> _disabled = new(StringComparer.Ordinal);

    public Task<PlanState?> GetPlanStateAsync(string route, string alertId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_plans.TryGetValue((route, alertId), out var p) && p.Expires > time.GetUtcNow() ? p.State : null);
        }
    }

    public Task<bool> TryAdvancePlanAsync(string route, string alertId, int revision, bool sent, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var key = (route, alertId);
            bool hadSent = false;
            if (_plans.TryGetValue(key, out var current) && current.Expires > now)
            {
                if (current.State.Revision >= revision)
                    return Task.FromResult(false);
                hadSent = current.State.Sent;
            }
            _plans[key] = (new PlanState(revision, sent || hadSent), now + options.Retention);
            return Task.FromResult(true);
        }
    }

    public Task<bool> TryTakeCooldownAsync(string route, string cooldownKey, CooldownEntry entry, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var key = (route, cooldownKey);
            if (_cooldowns.TryGetValue(key, out var current) && current.Expires > time.GetUtcNow() && current.Entry is var held && held.Until > now
                && !string.Equals(held.AlertId, entry.AlertId, StringComparison.Ordinal) && entry.SeverityRank <= held.SeverityRank)
                return Task.FromResult(false);
            var length = entry.Until - now;
            _cooldowns[key] = (entry, time.GetUtcNow() + (length > TimeSpan.FromMilliseconds(1) ? length : TimeSpan.FromMilliseconds(1)));
            return Task.FromResult(true);
        }
    }

    public Task<bool> EnqueueAsync(DeliveryRecord delivery, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_deliveries.TryAdd(delivery.Id, delivery))
                return Task.FromResult(false);
            _visibleAt[delivery.Id] = delivery.DueAt;
            return Task.FromResult(true);
        }
    }

    public Task<IReadOnlyList<DeliveryRecord>> ClaimDueAsync(DateTimeOffset now, TimeSpan lease, int max, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            Prune(now);
            var due = _visibleAt.Where(p => p.Value <= now).OrderBy(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Take(max).Select(p => p.Key).ToList();
            var claimed = new List<DeliveryRecord>(due.Count);
            foreach (var id in due)
            {
                _visibleAt[id] = now + lease;
                claimed.Add(_deliveries[id]);
            }
            return Task.FromResult<IReadOnlyList<DeliveryRecord>>(claimed);
        }
    }

    public Task SaveAsync(DeliveryRecord delivery, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            _deliveries[delivery.Id] = delivery;
            if (delivery.State == DeliveryStates.Pending)
                _visibleAt[delivery.Id] = delivery.DueAt;
            else
                _visibleAt.Remove(delivery.Id);
            return Task.CompletedTask;
        }
    }

    public Task<DeliveryRecord?> GetAsync(string deliveryId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_deliveries.GetValueOrDefault(deliveryId));
        }
    }

    public Task<IReadOnlyList<DeliveryRecord>> ListDeadLettersAsync(int max, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<DeliveryRecord>>(_deliveries.Values
                .Where(d => d.State == DeliveryStates.DeadLettered)
                .OrderBy(d => d.CompletedAt).ThenBy(d => d.Id, StringComparer.Ordinal).Take(max).ToList());
        }
    }

    public Task<IReadOnlyList<DeliveryRecord>> ListPendingAsync(int max, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<DeliveryRecord>>(_visibleAt
                .OrderBy(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Take(max).Select(p => _deliveries[p.Key]).ToList());
        }
    }

    public Task<string?> GetDisabledFingerprintAsync(string route, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_disabled.GetValueOrDefault(route));
        }
    }

    public Task SetDisabledAsync(string route, string? fingerprint, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (fingerprint is null)
                _disabled.Remove(route);
            else
                _disabled[route] = fingerprint;
            return Task.CompletedTask;
        }
    }

    /// <summary>
    /// Delivered records and plan marks are kept for <see cref="DeliveryOptions.Retention"/>, cooldowns until they end
    /// (Redis expires its keys the same way).
    /// </summary>
    private void Prune(DateTimeOffset now)
    {
        foreach (var id in _deliveries.Values.Where(d => d.State == DeliveryStates.Delivered && d.CompletedAt + options.Retention < now).Select(d => d.Id).ToList())
            _deliveries.Remove(id);
        foreach (var key in _plans.Where(p => p.Value.Expires <= now).Select(p => p.Key).ToList())
            _plans.Remove(key);
        foreach (var key in _cooldowns.Where(c => c.Value.Expires <= now).Select(c => c.Key).ToList())
            _cooldowns.Remove(key);
    }
}
