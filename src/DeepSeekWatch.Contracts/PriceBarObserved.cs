namespace DeepSeekWatch.Contracts;

/// <summary>A completed price bar of one symbol, as a provider or a tape reported it.</summary>
/// <param name="EventId">Unique per <paramref name="Source"/>; the tape's CloudEvents <c>id</c>.</param>
/// <param name="Source">Provider name, e.g. <c>yahoo-chart</c>.</param>
/// <param name="Interval">One of <c>1m</c>, <c>5m</c>, <c>15m</c>, <c>1h</c>, <c>1d</c>.</param>
/// <param name="Start">Bar open time (UTC).</param>
/// <param name="End">Bar close time (UTC): start + interval, or the session close for daily bars.</param>
/// <param name="Replay">True when the bar comes from a replayed tape.</param>
public sealed record PriceBarObserved(
    string EventId,
    string Source,
    string Symbol,
    string Interval,
    DateTimeOffset Start,
    DateTimeOffset End,
    decimal Open,
    decimal High,
    decimal Low,
    decimal Close,
    long Volume,
    bool Replay);
