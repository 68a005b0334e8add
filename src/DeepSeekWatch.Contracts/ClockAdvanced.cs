namespace DeepSeekWatch.Contracts;

/// <summary>
/// The event clock reached <paramref name="Now"/>: decisions that waited for a benchmark's bar longer than allowed are
/// made without it. A live service publishes it on a timer; a replay publishes it once after its last event.
/// </summary>
public sealed record ClockAdvanced(DateTimeOffset Now, bool Replay);
