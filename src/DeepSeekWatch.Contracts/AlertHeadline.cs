namespace DeepSeekWatch.Contracts;

/// <summary>An AI headline linked to an alert (contracts.md §2, <c>headlines</c>).</summary>
public sealed record AlertHeadline(
    string Title,
    string Url,
    string Publisher,
    DateTimeOffset PublishedAt,
    double Score,
    IReadOnlyList<string> MatchedTerms);
