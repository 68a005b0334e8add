namespace DeepSeekWatch.Contracts;

/// <summary>A news headline as a provider or a tape reported it, before classification.</summary>
/// <param name="Tickers">Symbols the provider tagged, if any.</param>
public sealed record HeadlineObserved(
    string EventId,
    string Source,
    string Title,
    string Url,
    string Publisher,
    DateTimeOffset PublishedAt,
    string? Summary,
    IReadOnlyList<string> Tickers,
    bool Replay);
