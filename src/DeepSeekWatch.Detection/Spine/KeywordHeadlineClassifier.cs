using System.Net;
using System.Text.RegularExpressions;

namespace DeepSeekWatch.Detection.Spine;

/// <summary>
/// The first classifier: a headline is AI news when it contains one of a small list of terms as whole words.
/// Explainable (the matched terms are the reason). The detection issue replaces it with the lexicon classifier.
/// </summary>
public sealed partial class KeywordHeadlineClassifier
{
    private readonly (string Term, Regex Pattern)[] _terms;

    public KeywordHeadlineClassifier(IEnumerable<string> terms)
    {
        _terms = terms.Distinct(StringComparer.OrdinalIgnoreCase)
            .Select(t => (t, new Regex(@"(?<![\p{L}\p{N}])" + Regex.Escape(t) + @"(?![\p{L}\p{N}])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(50))))
            .ToArray();
    }

    /// <summary>Matched terms in list order; empty when the headline is not AI news.</summary>
    public IReadOnlyList<string> Match(string title, string? summary)
    {
        var text = WebUtility.HtmlDecode(title + " " + summary);
        if (text.Length > 4096)
            text = text[..4096];
        var matched = new List<string>();
        foreach (var (term, pattern) in _terms)
        {
            if (pattern.IsMatch(text))
                matched.Add(term);
        }
        return matched;
    }
}
