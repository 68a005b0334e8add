using Microsoft.Extensions.Logging;

namespace DeepSeekWatch.Delivery;

/// <summary>Operator actions on dead letters: list them and re-drive them (one or all).</summary>
internal sealed class DeliveryOperations(IDeliveryStore store, TimeProvider time, ILogger<DeliveryOperations> logger)
{
    public const int MaxListed = 10_000;

    public Task<IReadOnlyList<DeliveryRecord>> ListDeadLettersAsync(CancellationToken cancellationToken = default) =>
        store.ListDeadLettersAsync(MaxListed, cancellationToken);

    /// <summary>
    /// Puts a dead letter back in the queue, due now, with a fresh set of attempts and its original <c>webhook-id</c>.
    /// Throws <see cref="KeyNotFoundException"/> for an unknown id and <see cref="InvalidOperationException"/> when the
    /// delivery is not dead-lettered.
    /// </summary>
    public async Task<DeliveryRecord> RedriveAsync(string deliveryId, CancellationToken cancellationToken = default)
    {
        var delivery = await store.GetAsync(deliveryId.Trim(), cancellationToken)
            ?? throw new KeyNotFoundException($"no delivery with id '{deliveryId}'");
        if (delivery.State != DeliveryStates.DeadLettered)
            throw new InvalidOperationException($"delivery '{deliveryId}' is {delivery.State}, not a dead letter");
        var redriven = delivery with
        {
            State = DeliveryStates.Pending,
            Attempts = 0,
            DueAt = time.GetUtcNow(),
            CompletedAt = null,
            DeadLetterReason = null,
        };
        await store.SaveAsync(redriven, cancellationToken);
        DeliveryLog.Redriven(logger, delivery.Id, delivery.AlertId, delivery.Revision, delivery.Route);
        return redriven;
    }

    public async Task<int> RedriveAllAsync(CancellationToken cancellationToken = default)
    {
        int count = 0;
        foreach (var delivery in await store.ListDeadLettersAsync(MaxListed, cancellationToken))
        {
            await RedriveAsync(delivery.Id, cancellationToken);
            count++;
        }
        return count;
    }
}
