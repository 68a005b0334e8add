namespace DeepSeekWatch.Detection.Classification;

public interface IHeadlineClassifier
{
    /// <summary>Classifies one headline.</summary>
    /// <param name="title">Headline title; may contain HTML entities and markup.</param>
    /// <param name="summary">Optional summary; may contain HTML entities and markup.</param>
    /// <param name="tickers">Symbols the provider tagged (may be empty).</param>
    HeadlineClassification Classify(string title, string? summary, IReadOnlyList<string> tickers);
}
