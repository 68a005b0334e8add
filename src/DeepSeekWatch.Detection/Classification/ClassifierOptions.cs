using System.Globalization;

namespace DeepSeekWatch.Detection.Classification;

/// <summary>
/// Configuration of <see cref="LexiconHeadlineClassifier"/>, bound from <see cref="SectionName"/>.
/// With <see cref="UseBuiltInLexicon"/> (the default) the classifier uses the built-in lexicon plus
/// whatever the lists here hold, so <c>new ClassifierOptions()</c> bound from configuration extends the
/// built-in lexicon and validation errors name the configuration keys exactly. Within the terms of one
/// kind, a later entry with the same <see cref="LexiconTerm.Term"/> (ignoring case) replaces an earlier
/// one, so configuration can re-weight a built-in term or drop it with <c>Enabled: false</c>; aliases of
/// a configured symbol are added to the built-in ones. <see cref="Default"/> is the built-in lexicon
/// written out in the lists (with <see cref="UseBuiltInLexicon"/> off), for code that wants to edit it.
/// </summary>
public sealed partial class ClassifierOptions
{
    public const string SectionName = "Detection:Classifier";

    /// <summary>Longest phrase, in tokens, the lexicon may hold (bounds matching work per token).</summary>
    public const int MaxPhraseTokens = 8;

    /// <summary>Use the built-in lexicon underneath the lists configured here (default true).</summary>
    public bool UseBuiltInLexicon { get; set; } = true;

    /// <summary>A headline is AI news when its score reaches this (and an AI term matched).</summary>
    public double Threshold { get; set; } = 1.0;

    /// <summary>Most that context terms together may add to the score.</summary>
    public double ContextCap { get; set; } = 0.5;

    /// <summary>Title and summary are each cut to this many characters before anything else.</summary>
    public int MaxInputChars { get; set; } = 8_000;

    /// <summary>AI evidence: each counts once; within a <see cref="LexiconTerm.Family"/> only the heaviest counts.</summary>
    public List<LexiconTerm> Terms { get; set; } = [];

    /// <summary>Market context (stocks, chips, spending, launches...): counts only when an AI term matched, up to <see cref="ContextCap"/>.</summary>
    public List<LexiconTerm> ContextTerms { get; set; } = [];

    /// <summary>Contexts that argue against market-moving AI news (Fed, tariffs, deepfakes...): negative weights.</summary>
    public List<LexiconTerm> NegatingContexts { get; set; } = [];

    /// <summary>Aliases per symbol (key: the symbol, e.g. <c>NVDA</c>).</summary>
    public Dictionary<string, SymbolAliases> Symbols { get; set; } = [];

    /// <summary>Returns one message per problem, each naming the configuration key; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        var p = SectionName;
        if (!double.IsFinite(Threshold) || Threshold <= 0)
            errors.Add($"{p}:Threshold must be a finite number greater than 0 (was {Format(Threshold)})");
        if (!double.IsFinite(ContextCap) || ContextCap < 0)
            errors.Add($"{p}:ContextCap must be a finite number of at least 0 (was {Format(ContextCap)})");
        if (MaxInputChars is < 100 or > 1_000_000)
            errors.Add($"{p}:MaxInputChars must be between 100 and 1000000 (was {MaxInputChars})");

        ValidateTerms(errors, $"{p}:Terms", Terms, positive: true);
        ValidateTerms(errors, $"{p}:ContextTerms", ContextTerms, positive: true);
        ValidateTerms(errors, $"{p}:NegatingContexts", NegatingContexts, positive: false);

        if (Symbols is null)
        {
            errors.Add($"{p}:Symbols must not be null");
        }
        else
        {
            foreach (var (symbol, aliases) in Symbols.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                var key = $"{p}:Symbols:{symbol}";
                if (!TickerNormalizer.IsValidSymbol(symbol))
                    errors.Add($"{key} is not a valid symbol (letters, digits, '.', '-'; at most {TickerNormalizer.MaxSymbolLength} characters)");
                if (aliases is null)
                {
                    errors.Add($"{key} must not be null");
                    continue;
                }

                ValidatePhrases(errors, $"{key}:Aliases", aliases.Aliases);
                ValidatePhrases(errors, $"{key}:CaseSensitiveAliases", aliases.CaseSensitiveAliases);
                ValidatePhrases(errors, $"{key}:Exclusions", aliases.Exclusions);
                if ((aliases.Aliases?.Count ?? 0) + (aliases.CaseSensitiveAliases?.Count ?? 0) + (aliases.Exclusions?.Count ?? 0) == 0)
                    errors.Add($"{key} has no aliases (Aliases, CaseSensitiveAliases or Exclusions)");
            }
        }

        return errors;
    }

    private static void ValidateTerms(List<string> errors, string key, List<LexiconTerm>? terms, bool positive)
    {
        if (terms is null)
        {
            errors.Add($"{key} must not be null");
            return;
        }

        for (var i = 0; i < terms.Count; i++)
        {
            var k = $"{key}:{i}";
            var term = terms[i];
            if (term is null)
            {
                errors.Add($"{k} must not be null");
                continue;
            }

            if (string.IsNullOrWhiteSpace(term.Term))
                errors.Add($"{k}:Term must not be empty");
            else if (PhraseError(term.Term) is { } termError)
                errors.Add($"{k}:Term {termError}");

            // A switched-off entry only needs its name (it may just drop a built-in term).
            if (!term.Enabled)
                continue;

            if (!double.IsFinite(term.Weight))
                errors.Add($"{k}:Weight must be finite (was {Format(term.Weight)})");
            else if (positive && term.Weight <= 0)
                errors.Add($"{k}:Weight must be greater than 0 (was {Format(term.Weight)})");
            else if (!positive && term.Weight >= 0)
                errors.Add($"{k}:Weight must be less than 0 for a negating context (was {Format(term.Weight)})");

            ValidatePhrases(errors, $"{k}:Variants", term.Variants);

            if (term.Groups is null)
            {
                errors.Add($"{k}:Groups must not be null");
            }
            else
            {
                for (var g = 0; g < term.Groups.Count; g++)
                {
                    if (string.IsNullOrWhiteSpace(term.Groups[g]))
                        errors.Add($"{k}:Groups:{g} must not be empty");
                }
            }
        }
    }

    private static void ValidatePhrases(List<string> errors, string key, List<string>? phrases)
    {
        if (phrases is null)
        {
            errors.Add($"{key} must not be null");
            return;
        }

        for (var i = 0; i < phrases.Count; i++)
        {
            if (PhraseError(phrases[i]) is { } error)
                errors.Add($"{key}:{i} {error}");
        }
    }

    private static string? PhraseError(string? phrase)
    {
        if (string.IsNullOrWhiteSpace(phrase))
            return "must not be empty";
        if (phrase.Length > 200)
            return "must be at most 200 characters";
        var tokens = Phrase.Parse(phrase, caseSensitive: false);
        if (tokens.Count == 0)
            return $"'{phrase}' has no letters or digits";
        if (tokens.Count > MaxPhraseTokens)
            return $"'{phrase}' has more than {MaxPhraseTokens} words";
        foreach (var token in tokens)
        {
            if (token.IsPrefix && token.Text.Length < 3)
                return $"'{phrase}': a prefix (word*) needs at least 3 characters before '*'";
        }

        return null;
    }

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>
/// One lexicon entry. <see cref="Term"/> is both its name (reported in matched terms) and a phrase;
/// <see cref="Variants"/> are further phrases (other spellings, languages) reported under the same name.
/// Phrases match whole words after normalisation; a trailing <c>*</c> on a word matches any word that
/// starts with it (<c>chip*</c> matches chips, chipmakers). Han, kana and hangul characters each count as
/// a word, so phrases in those scripts match inside unspaced text.
/// </summary>
public sealed class LexiconTerm
{
    public string Term { get; set; } = "";

    /// <summary>False switches the entry off (useful to drop a built-in term from configuration).</summary>
    public bool Enabled { get; set; } = true;

    public double Weight { get; set; }

    public List<string> Variants { get; set; } = [];

    /// <summary>When true, the phrases match only with the case written (e.g. <c>Llama</c> the model, not the animal).</summary>
    public bool CaseSensitive { get; set; }

    /// <summary>Terms of one family (e.g. generic AI words) add only the heaviest weight among them.</summary>
    public string? Family { get; set; }

    /// <summary>Watchlist groups this term concerns as sector-wide news (a sector topic).</summary>
    public List<string> Groups { get; set; } = [];
}

/// <summary>How headlines name one symbol.</summary>
public sealed class SymbolAliases
{
    /// <summary>Matched in any case: <c>Nvidia</c>, <c>Taiwan Semiconductor</c>, <c>英伟达</c>.</summary>
    public List<string> Aliases { get; set; } = [];

    /// <summary>Matched only as written, for names that are also ordinary words: <c>Meta</c>, <c>Apple</c>, <c>Intel</c>.</summary>
    public List<string> CaseSensitiveAliases { get; set; } = [];

    /// <summary>Phrases that veto an alias match they overlap: <c>meta-analysis</c>, <c>Amazon rainforest</c>.</summary>
    public List<string> Exclusions { get; set; } = [];
}
