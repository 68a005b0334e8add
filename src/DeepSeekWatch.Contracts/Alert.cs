namespace DeepSeekWatch.Contracts;

/// <summary>
/// The alert object of contracts.md §2: written by <c>replay --out</c>, kept in the alert store,
/// served by the HTTP API and carried by webhook deliveries. One value is one revision.
/// </summary>
public sealed record Alert
{
    public required string AlertId { get; init; }
    public required int Revision { get; init; }
    /// <summary><c>ai-news-drop</c>, <c>drop</c> or <c>sector-shock</c> (<see cref="AlertKinds"/>).</summary>
    public required string Kind { get; init; }
    /// <summary>The stock; null for a sector shock.</summary>
    public string? Symbol { get; init; }
    public required string Group { get; init; }
    public IReadOnlyList<string> Members { get; init; } = [];
    /// <summary><c>watch</c>, <c>warning</c> or <c>critical</c> (<see cref="Severities"/>).</summary>
    public required string Severity { get; init; }
    public required DateTimeOffset At { get; init; }
    public required DateOnly Session { get; init; }
    public decimal? Price { get; init; }
    public decimal? ReferencePrice { get; init; }
    public double? ReturnPct { get; init; }
    public double? AbnormalReturnPct { get; init; }
    public double? ZScore { get; init; }
    public string? Benchmark { get; init; }
    public IReadOnlyList<AlertHeadline> Headlines { get; init; } = [];
    public bool Replay { get; init; }
}
