namespace DeepSeekWatch.Detection.Classification;

/// <summary>
/// Explainable headline classifier over a configured lexicon. Thread-safe and deterministic: the
/// lexicon is compiled once in the constructor; <see cref="Classify"/> only reads it.
/// </summary>
/// <remarks>
/// Score = (AI terms: each counted once, only the heaviest of a family)
///       + (context terms, only if an AI term matched, at most <see cref="ClassifierOptions.ContextCap"/>)
///       + (negating contexts, each counted once, negative).
/// Overlapping lexicon phrases resolve leftmost-longest ("AI-generated" beats "AI").
/// </remarks>
public sealed class LexiconHeadlineClassifier : IHeadlineClassifier
{
    private const int MaxTickers = 100;

    private enum Kind
    {
        Term,
        Context,
        Negation,
        Alias,
        Exclusion,
    }

    private sealed record Entry(Kind Kind, int Order, string Name, double Weight, string? Family, string[] Groups, string? Symbol);

    private readonly ClassifierOptions options;
    private readonly PhraseMatcher matcher = new();
    private readonly List<Entry> patternEntries = [];

    public LexiconHeadlineClassifier(ClassifierOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
            throw new ArgumentException("Invalid headline classifier options: " + string.Join("; ", errors), nameof(options));
        this.options = options;

        var builtIn = options.UseBuiltInLexicon ? ClassifierOptions.Default : new ClassifierOptions { UseBuiltInLexicon = false };
        var order = 0;
        AddTerms([.. builtIn.Terms, .. options.Terms], Kind.Term, ref order);
        AddTerms([.. builtIn.ContextTerms, .. options.ContextTerms], Kind.Context, ref order);
        AddTerms([.. builtIn.NegatingContexts, .. options.NegatingContexts], Kind.Negation, ref order);

        var symbols = builtIn.Symbols
            .Concat(options.Symbols)
            .GroupBy(kv => kv.Key.Trim().ToUpperInvariant(), StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal);
        foreach (var group in symbols)
        {
            var entry = new Entry(Kind.Alias, order, group.Key, 0, null, [], group.Key);
            var exclusion = entry with { Kind = Kind.Exclusion };
            order++;
            foreach (var (_, aliases) in group)
            {
                foreach (var alias in aliases.Aliases)
                    AddPhrase(alias, caseSensitive: false, entry);
                foreach (var alias in aliases.CaseSensitiveAliases)
                    AddPhrase(alias, caseSensitive: true, entry);
                foreach (var phrase in aliases.Exclusions)
                    AddPhrase(phrase, caseSensitive: false, exclusion);
            }
        }
    }

    public HeadlineClassification Classify(string title, string? summary, IReadOnlyList<string> tickers)
    {
        ArgumentNullException.ThrowIfNull(title);
        ArgumentNullException.ThrowIfNull(tickers);

        var tokens = new List<Token>();
        Tokenizer.Tokenize(TextNormalizer.Normalize(title, options.MaxInputChars), tokens);
        if (!string.IsNullOrEmpty(summary))
        {
            // A separator no phrase can contain keeps phrases from spanning title and summary.
            tokens.Add(new Token("\0", "\0", 0));
            Tokenizer.Tokenize(TextNormalizer.Normalize(summary, options.MaxInputChars), tokens);
        }

        var matches = new List<PhraseMatch>();
        matcher.FindAll(tokens, matches);

        var lexicon = SelectLeftmostLongest(matches);
        var symbols = LinkedSymbols(matches);
        foreach (var ticker in tickers.Take(MaxTickers))
        {
            if (TickerNormalizer.Normalize(ticker) is { } symbol)
                symbols.Add(symbol);
        }

        // Each entry counts once, at its first position.
        var seen = new HashSet<Entry>(ReferenceEqualityComparer.Instance);
        var found = new List<Entry>();
        foreach (var m in lexicon)
        {
            var entry = patternEntries[m.Pattern];
            if (seen.Add(entry))
                found.Add(entry);
        }

        var familyBest = new Dictionary<string, double>(StringComparer.Ordinal);
        var termScore = 0.0;
        var anyTerm = false;
        foreach (var e in found.Where(e => e.Kind == Kind.Term))
        {
            anyTerm = true;
            if (e.Family is null)
                termScore += e.Weight;
            else
                familyBest[e.Family] = Math.Max(familyBest.GetValueOrDefault(e.Family), e.Weight);
        }

        foreach (var family in familyBest.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            termScore += family.Value;

        var contextScore = anyTerm
            ? Math.Min(found.Where(e => e.Kind == Kind.Context).Sum(e => e.Weight), options.ContextCap)
            : 0.0;
        var negationScore = found.Where(e => e.Kind == Kind.Negation).Sum(e => e.Weight);
        var score = Math.Round(termScore + contextScore + negationScore, 6);
        var isAi = anyTerm && score >= options.Threshold;

        var matchedTerms = new List<string>();
        var groups = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var e in found)
        {
            switch (e.Kind)
            {
                case Kind.Term:
                    matchedTerms.Add(e.Name);
                    break;
                case Kind.Context when anyTerm:
                    matchedTerms.Add(e.Name);
                    break;
                case Kind.Negation:
                    matchedTerms.Add("not:" + e.Name);
                    continue;
                default:
                    continue;
            }

            if (isAi)
                groups.UnionWith(e.Groups);
        }

        return new HeadlineClassification(
            isAi,
            score,
            matchedTerms.Distinct(StringComparer.Ordinal).ToArray(),
            [.. symbols],
            [.. groups]);
    }

    private List<PhraseMatch> SelectLeftmostLongest(List<PhraseMatch> matches)
    {
        var candidates = matches
            .Where(m => patternEntries[m.Pattern].Kind is Kind.Term or Kind.Context or Kind.Negation)
            .OrderBy(m => m.Start)
            .ThenByDescending(m => m.Length)
            .ThenBy(m => patternEntries[m.Pattern].Order);
        var selected = new List<PhraseMatch>();
        var coveredUntil = 0;
        foreach (var m in candidates)
        {
            if (m.Start < coveredUntil)
                continue;
            selected.Add(m);
            coveredUntil = m.Start + m.Length;
        }

        return selected;
    }

    private SortedSet<string> LinkedSymbols(List<PhraseMatch> matches)
    {
        var symbols = new SortedSet<string>(StringComparer.Ordinal);
        var exclusions = matches.Where(m => patternEntries[m.Pattern].Kind == Kind.Exclusion).ToList();
        foreach (var m in matches)
        {
            var entry = patternEntries[m.Pattern];
            if (entry.Kind != Kind.Alias)
                continue;
            var vetoed = exclusions.Any(x =>
                patternEntries[x.Pattern].Symbol == entry.Symbol &&
                x.Start < m.Start + m.Length && m.Start < x.Start + x.Length);
            if (!vetoed)
                symbols.Add(entry.Symbol!);
        }

        return symbols;
    }

    private void AddTerms(List<LexiconTerm> terms, Kind kind, ref int order)
    {
        // A later entry with the same name replaces an earlier one (configuration appended to the defaults).
        var effective = terms
            .Select((term, index) => (term, index))
            .GroupBy(x => x.term.Term.Trim(), StringComparer.OrdinalIgnoreCase)
            .Select(g => g.Last())
            .OrderBy(x => x.index)
            .Select(x => x.term)
            .Where(t => t.Enabled);
        foreach (var term in effective)
        {
            var groups = term.Groups.Select(g => g.Trim()).Distinct(StringComparer.Ordinal).ToArray();
            var family = string.IsNullOrWhiteSpace(term.Family) ? null : term.Family.Trim();
            var entry = new Entry(kind, order++, term.Term.Trim(), term.Weight, family, groups, null);
            AddPhrase(term.Term, term.CaseSensitive, entry);
            foreach (var variant in term.Variants)
                AddPhrase(variant, term.CaseSensitive, entry);
        }
    }

    private void AddPhrase(string phrase, bool caseSensitive, Entry entry)
    {
        var id = matcher.Add(Phrase.Parse(phrase, caseSensitive), caseSensitive);
        patternEntries.Add(entry);
        if (id != patternEntries.Count - 1)
            throw new InvalidOperationException("Pattern numbering out of step.");
    }
}
