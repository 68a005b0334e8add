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

/// <summary>What one event caused: alerts raised or revised (latest revision each), and drops detected.</summary>
public sealed class DetectionResult(IReadOnlyList<Alert> alerts, IReadOnlyList<DropDetected> drops)
{
    public static readonly DetectionResult None = new([], []);

    public IReadOnlyList<Alert> Alerts { get; } = alerts;

    public IReadOnlyList<DropDetected> Drops { get; } = drops;

    public bool IsEmpty => Alerts.Count == 0 && Drops.Count == 0;
}
