using DeepSeekWatch.Contracts;
using DeepSeekWatch.Detection.Classification;

namespace DeepSeekWatch.Pipeline;

/// <summary>Turns an observed headline into its classification and, for AI news, the <see cref="AiHeadlineDetected"/> to publish.</summary>
public interface IHeadlineClassification
{
    (HeadlineClassification Result, AiHeadlineDetected? Ai) Classify(HeadlineObserved headline);
}

/// <summary>Adapts the lexicon classifier to the pipeline's messages.</summary>
public sealed class LexiconHeadlineClassification(IHeadlineClassifier classifier) : IHeadlineClassification
{
    public (HeadlineClassification Result, AiHeadlineDetected? Ai) Classify(HeadlineObserved h)
    {
        var result = classifier.Classify(h.Title, h.Summary, h.Tickers);
        var ai = result.IsAi
            ? new AiHeadlineDetected(h.EventId, h.Source, h.Title, h.Url, h.Publisher, h.PublishedAt, result.Score, result.MatchedTerms, result.Symbols, result.Groups, h.Replay)
            : null;
        return (result, ai);
    }
}
