using DeepSeekWatch.Contracts;
using DeepSeekWatch.Detection.Spine;

namespace DeepSeekWatch.Pipeline;

/// <summary>Turns an observed headline into an AI headline, or null when it is not AI news.</summary>
public interface IHeadlineClassification
{
    AiHeadlineDetected? Classify(HeadlineObserved headline);
}

/// <summary>The first classifier's adapter: matched terms are the reason; tagged tickers are the linked symbols.</summary>
public sealed class KeywordHeadlineClassification(KeywordHeadlineClassifier classifier) : IHeadlineClassification
{
    public AiHeadlineDetected? Classify(HeadlineObserved h)
    {
        var terms = classifier.Match(h.Title, h.Summary);
        if (terms.Count == 0)
            return null;
        return new AiHeadlineDetected(h.EventId, h.Source, h.Title, h.Url, h.Publisher, h.PublishedAt, terms.Count, terms, h.Tickers, [], h.Replay);
    }
}
