namespace DeepSeekWatch.Delivery;

/// <summary>
/// Durable state of delivery: planned deliveries with their due times, dead letters, per-route de-duplication and
/// cooldowns, and routes disabled by a 410. The memory and Redis implementations keep the same semantics; every
/// method that decides something does so atomically, so two instances never both win.
/// </summary>
internal interface IDeliveryStore
{
    Task<PlanState?> GetPlanStateAsync(string route, string alertId, CancellationToken cancellationToken = default);

    /// <summary>Records that <paramref name="revision"/> was decided; false when an equal or higher one already was.</summary>
    Task<bool> TryAdvancePlanAsync(string route, string alertId, int revision, bool sent, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>
    /// The cooldown check for a new alert: allowed (and the cooldown taken) when none is running, it has ended, it was
    /// started by the same alert, or this alert is more severe. False means: suppressed.
    /// </summary>
    Task<bool> TryTakeCooldownAsync(string route, string cooldownKey, CooldownEntry entry, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Stores a new pending delivery; false (and nothing changed) when one with the same id exists.</summary>
    Task<bool> EnqueueAsync(DeliveryRecord delivery, CancellationToken cancellationToken = default);

    /// <summary>
    /// Claims up to <paramref name="max"/> pending deliveries due at <paramref name="now"/>: each is hidden from other
    /// claimers until <paramref name="now"/> + <paramref name="lease"/> (after which a crashed claimer's work comes back).
    /// </summary>
    Task<IReadOnlyList<DeliveryRecord>> ClaimDueAsync(DateTimeOffset now, TimeSpan lease, int max, CancellationToken cancellationToken = default);

    /// <summary>Writes a delivery back: pending ones are due at <see cref="DeliveryRecord.DueAt"/>; others leave the queue.</summary>
    Task SaveAsync(DeliveryRecord delivery, CancellationToken cancellationToken = default);

    Task<DeliveryRecord?> GetAsync(string deliveryId, CancellationToken cancellationToken = default);

    /// <summary>Dead letters, oldest first.</summary>
    Task<IReadOnlyList<DeliveryRecord>> ListDeadLettersAsync(int max, CancellationToken cancellationToken = default);

    /// <summary>Pending deliveries (due or waiting), soonest first.</summary>
    Task<IReadOnlyList<DeliveryRecord>> ListPendingAsync(int max, CancellationToken cancellationToken = default);

    /// <summary>The fingerprint of the target a 410 disabled this route for, or null.</summary>
    Task<string?> GetDisabledFingerprintAsync(string route, CancellationToken cancellationToken = default);

    Task SetDisabledAsync(string route, string? fingerprint, CancellationToken cancellationToken = default);
}
