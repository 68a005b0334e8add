namespace DeepSeekWatch.Contracts;

/// <summary>A headline the classifier judged to be AI news, with the reasons.</summary>
/// <param name="Score">Classifier score; higher is more clearly AI news.</param>
/// <param name="MatchedTerms">Lexicon terms found in the headline.</param>
/// <param name="Symbols">Symbols the headline names (through aliases) or was tagged with.</param>
/// <param name="Groups">Watchlist groups the headline concerns as sector-wide news.</param>
public sealed record AiHeadlineDetected(
    string EventId,
    string Source,
    string Title,
    string Url,
    string Publisher,
    DateTimeOffset PublishedAt,
    double Score,
    IReadOnlyList<string> MatchedTerms,
    IReadOnlyList<string> Symbols,
    IReadOnlyList<string> Groups,
    bool Replay);
