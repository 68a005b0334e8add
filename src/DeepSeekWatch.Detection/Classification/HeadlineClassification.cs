namespace DeepSeekWatch.Detection.Classification;

/// <summary>What the classifier decided about one headline, and why.</summary>
/// <param name="IsAi">True when the score reaches the threshold and at least one AI term matched.</param>
/// <param name="Score">Sum of the counted weights (AI terms, capped context, negating contexts).</param>
/// <param name="MatchedTerms">
/// Lexicon terms that counted, in order of first appearance (title before summary); negating
/// contexts are listed as <c>not:&lt;term&gt;</c>.
/// </param>
/// <param name="Symbols">Symbols named through aliases or tagged by the provider, sorted ordinally.</param>
/// <param name="Groups">Watchlist groups concerned by sector-wide topics, sorted; empty unless <paramref name="IsAi"/>.</param>
public sealed record HeadlineClassification(
    bool IsAi,
    double Score,
    IReadOnlyList<string> MatchedTerms,
    IReadOnlyList<string> Symbols,
    IReadOnlyList<string> Groups);
