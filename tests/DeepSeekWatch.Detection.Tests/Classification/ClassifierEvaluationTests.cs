using DeepSeekWatch.Detection.Classification;
using Xunit.Abstractions;

namespace DeepSeekWatch.Detection.Tests.Classification;

public sealed class ClassifierEvaluationTests(ITestOutputHelper output)
{
    private static readonly LexiconHeadlineClassifier Classifier = new(ClassifierOptions.Default);

    [Fact]
    public void The_labelled_set_has_at_least_200_headlines_roughly_half_of_each_class()
    {
        var set = LabelledHeadlines.Load(LabelledHeadlines.DevelopmentFile);
        Assert.True(set.Count >= 200, $"only {set.Count} labelled headlines");
        var aiShare = set.Count(h => h.IsAi) / (double)set.Count;
        Assert.InRange(aiShare, 0.4, 0.6);
        Assert.Equal(set.Count, set.Select(h => h.Title).Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Precision_and_recall_on_the_labelled_set_are_at_least_0_9()
    {
        var result = Evaluate(LabelledHeadlines.Load(LabelledHeadlines.DevelopmentFile));
        Assert.True(result.Precision >= 0.9, $"precision {result.Precision:F3}");
        Assert.True(result.Recall >= 0.9, $"recall {result.Recall:F3}");
    }

    internal static (double Precision, double Recall) Score(IEnumerable<(bool Expected, bool Actual)> outcomes)
    {
        int tp = 0, fp = 0, fn = 0;
        foreach (var (expected, actual) in outcomes)
        {
            if (expected && actual)
                tp++;
            else if (!expected && actual)
                fp++;
            else if (expected && !actual)
                fn++;
        }

        var precision = tp + fp == 0 ? 0 : tp / (double)(tp + fp);
        var recall = tp + fn == 0 ? 0 : tp / (double)(tp + fn);
        return (precision, recall);
    }

    private (double Precision, double Recall) Evaluate(IReadOnlyList<LabelledHeadline> set)
    {
        var outcomes = new List<(bool, bool)>();
        foreach (var h in set)
        {
            var c = Classifier.Classify(h.Title, h.Summary, []);
            outcomes.Add((h.IsAi, c.IsAi));
            if (c.IsAi != h.IsAi)
            {
                output.WriteLine(
                    $"line {h.Line}: expected {(h.IsAi ? "ai" : "non-ai")}, score {c.Score:F2} [{string.Join(", ", c.MatchedTerms)}] {h.Title}");
            }
        }

        var result = Score(outcomes);
        output.WriteLine($"n={set.Count} precision={result.Precision:F3} recall={result.Recall:F3}");
        return result;
    }
}
