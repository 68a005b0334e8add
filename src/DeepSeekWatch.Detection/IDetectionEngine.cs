using DeepSeekWatch.Contracts;

namespace DeepSeekWatch.Detection;

/// <summary>
/// The detector behind the pipeline's consumer: pure, single-threaded (the caller serialises calls), driven only by
/// the events it is given. Redelivered events (same bar key or headline id) return the outputs they caused the first
/// time, so an at-least-once bus never loses an alert and an idempotent store never duplicates one.
/// </summary>
public interface IDetectionEngine
{
    DetectionResult OnBar(PriceBarObserved bar);

    DetectionResult OnHeadline(AiHeadlineDetected headline);

    /// <summary>The event clock moved on without a bar (a live timer, the end of a replay).</summary>
    DetectionResult OnClock(DateTimeOffset now);
}

/// <summary>
/// What one event caused: alerts raised or revised (latest revision each), and drops detected; for a detector that is
/// one partition of several, also the members' drops and the progress it reports to the sector-shock aggregator.
/// </summary>
public sealed class DetectionResult(IReadOnlyList<Alert> alerts, IReadOnlyList<DropDetected> drops, IReadOnlyList<GroupMemberChanged>? members = null, IReadOnlyList<GroupProgress>? progress = null)
{
    public static readonly DetectionResult None = new([], []);

    public IReadOnlyList<Alert> Alerts { get; } = alerts;

    public IReadOnlyList<DropDetected> Drops { get; } = drops;

    public IReadOnlyList<GroupMemberChanged> Members { get; } = members ?? [];

    public IReadOnlyList<GroupProgress> Progress { get; } = progress ?? [];

    public bool IsEmpty => Alerts.Count == 0 && Drops.Count == 0 && Members.Count == 0 && Progress.Count == 0;
}

/// <summary>
/// One partition of a partitioned detector: its index and which symbols it owns (by <see cref="Partitioning"/>).
/// </summary>
public sealed record DetectorPartition(int Index, Func<string, bool> Owns)
{
    public static DetectorPartition Of(int index, int partitions) => new(index, s => Partitioning.PartitionOf(s, partitions) == index);
}

/// <summary>
/// The stable partition of a symbol: FNV-1a (32 bit) of its UTF-8 bytes, modulo the partition count. The same in every
/// process and every version (unlike <see cref="string.GetHashCode()"/>), so every instance routes a symbol alike.
/// </summary>
public static class Partitioning
{
    public static int PartitionOf(string symbol, int partitions)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        var hash = 2166136261u;
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(symbol))
        {
            hash ^= b;
            hash *= 16777619u;
        }
        return (int)(hash % (uint)partitions);
    }
}
