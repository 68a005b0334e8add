namespace DeepSeekWatch.Contracts;

/// <summary>
/// Internal (partitioned detection): a detector partition tells the sector-shock aggregator that one member of a group
/// dropped in a session, or that its drop got worse or got AI news. Not on the tape; not part of the public contracts.
/// </summary>
/// <param name="Partition">The detector partition that owns <paramref name="Symbol"/>.</param>
/// <param name="Severity">The highest severity the member reached in the session.</param>
/// <param name="At">Close time of the bar of the drop (the alert's time).</param>
/// <param name="EventTime">
/// The partition's event time when the change happened: the latest event time (a bar's end, a headline's publication,
/// a clock tick) the partition had processed. The aggregator merges the partitions' reports in this order.
/// </param>
public sealed record GroupMemberChanged(
    string Group,
    DateOnly Session,
    string Symbol,
    int Partition,
    string Severity,
    bool AiNews,
    double ReturnPct,
    IReadOnlyList<AlertHeadline> Headlines,
    DateTimeOffset At,
    DateTimeOffset EventTime,
    bool Replay);

/// <summary>
/// Internal (partitioned detection): how far a detector partition has decided the members of a group that it owns —
/// every bar of those members that ended at or before <paramref name="Through"/> is decided — so the sector-shock
/// aggregator judges a session on all members of one moment, whichever partition they live in.
/// </summary>
/// <param name="LatestSession">The latest session any of the partition's members of the group traded in.</param>
/// <param name="Clock">The partition's event clock (the latest bar end it has seen, benchmarks included).</param>
/// <param name="EventTime">The partition's event time (see <see cref="GroupMemberChanged.EventTime"/>); reported whenever it moves.</param>
public sealed record GroupProgress(string Group, int Partition, DateTimeOffset Through, DateOnly LatestSession, DateTimeOffset Clock, DateTimeOffset EventTime, bool Replay);
