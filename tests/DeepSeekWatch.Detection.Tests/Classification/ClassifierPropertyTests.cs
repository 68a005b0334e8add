using CsCheck;
using DeepSeekWatch.Detection.Classification;

namespace DeepSeekWatch.Detection.Tests.Classification;

public sealed class ClassifierPropertyTests
{
    private static readonly ClassifierOptions Options = ClassifierOptions.Default;
    private static readonly LexiconHeadlineClassifier Classifier = new(Options);

    private static readonly Gen<string> Fragment = Gen.OneOf<string>(
        "DeepSeek", "AI", "ai", "chips", "Nvidia", "Meta", "meta", "<b>", "</b>", "<", ">", "&amp;", "&#", "&lt;b&gt;",
        "英伟达", "数据中心", "ｴﾇﾋﾞﾃﾞｨｱ", "Fed", "tariffs", "R1", "R100", "-", "'s", " ", "  ", "ＡＩ", "\u00AD", "\u200B",
        "\ud800", "\udc00", "*", "stocks", "open-weight", "model", "capex", "AI-generated");

    private static readonly Gen<string> Text = Gen.OneOf(
        Gen.String[0, 300],
        Fragment.Array[0, 40].Select(parts => string.Concat(parts)));

    [Fact]
    public void Classification_is_deterministic_and_consistent_for_arbitrary_text()
    {
        Gen.Select(Text, Text, Gen.String[0, 8].Array[0, 4]).Sample(input =>
        {
            var (title, summary, tickers) = input;
            var a = Classifier.Classify(title, summary, tickers);
            var b = Classifier.Classify(title, summary, tickers);

            Assert.Equal(a.IsAi, b.IsAi);
            Assert.Equal(a.Score, b.Score);
            Assert.Equal(a.MatchedTerms, b.MatchedTerms);
            Assert.Equal(a.Symbols, b.Symbols);
            Assert.Equal(a.Groups, b.Groups);

            Assert.True(double.IsFinite(a.Score));
            Assert.Equal(a.IsAi, a.Score >= Options.Threshold && a.MatchedTerms.Any(t => !t.StartsWith("not:", StringComparison.Ordinal)));
            if (!a.IsAi)
                Assert.Empty(a.Groups);
            Assert.Equal(a.MatchedTerms.Count, a.MatchedTerms.Distinct().Count());
            Assert.Equal(a.Symbols.Order(StringComparer.Ordinal), a.Symbols);
            Assert.Equal(a.Groups.Order(StringComparer.Ordinal), a.Groups);
        });
    }

    [Fact]
    public void Upper_casing_a_headline_keeps_its_case_insensitive_terms()
    {
        // Entity names are case-sensitive ("&lt;" is markup, "&LT;" is text), so they stay out of this one.
        Fragment.Where(f => !f.Contains('&', StringComparison.Ordinal)).Array[1, 20]
            .Select(parts => string.Join(' ', parts)).Sample(title =>
        {
            var lower = Classifier.Classify(title.ToLowerInvariant(), null, []);
            var upper = Classifier.Classify(title.ToUpperInvariant(), null, []);
            Assert.Equal(lower.MatchedTerms.Where(IsCaseInsensitiveTerm), upper.MatchedTerms.Where(IsCaseInsensitiveTerm));
        });
    }

    private static bool IsCaseInsensitiveTerm(string name) =>
        Options.Terms.Concat(Options.ContextTerms).Any(t => t.Term == name && !t.CaseSensitive);
}
