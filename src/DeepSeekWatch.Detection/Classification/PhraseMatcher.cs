namespace DeepSeekWatch.Detection.Classification;

/// <summary>A phrase match: which pattern, and the tokens [Start, Start + Length) it covers.</summary>
internal readonly record struct PhraseMatch(int Pattern, int Start, int Length);

/// <summary>
/// A word trie over all lexicon phrases, built once. Matching tries each start position and walks at
/// most <see cref="ClassifierOptions.MaxPhraseTokens"/> words, so the work is linear in the input
/// (times a small constant from the lexicon) whatever the input is: no backtracking.
/// </summary>
internal sealed class PhraseMatcher
{
    private const int PrefixKeyLength = 3;

    private readonly Node root = new();
    private readonly List<PhraseToken[]> caseSensitivePatterns = [];
    private readonly List<bool> isCaseSensitive = [];

    public int PatternCount => isCaseSensitive.Count;

    /// <summary>Adds a phrase; returns its pattern number (matches report it).</summary>
    public int Add(IReadOnlyList<PhraseToken> tokens, bool caseSensitive)
    {
        var id = isCaseSensitive.Count;
        isCaseSensitive.Add(caseSensitive);
        caseSensitivePatterns.Add(caseSensitive ? [.. tokens] : []);
        var node = root;
        foreach (var token in tokens)
            node = token.IsPrefix ? node.PrefixChild(token.Lower, PrefixKeyLength) : node.ExactChild(token.Lower);
        (node.Terminals ??= []).Add(id);
        return id;
    }

    public void FindAll(IReadOnlyList<Token> tokens, List<PhraseMatch> into)
    {
        for (var start = 0; start < tokens.Count; start++)
            Walk(root, tokens, start, start, into);
    }

    private void Walk(Node node, IReadOnlyList<Token> tokens, int start, int position, List<PhraseMatch> into)
    {
        if (node.Terminals is { } terminals)
        {
            foreach (var id in terminals)
            {
                if (!isCaseSensitive[id] || CaseMatches(caseSensitivePatterns[id], tokens, start))
                    into.Add(new PhraseMatch(id, start, position - start));
            }
        }

        if (position >= tokens.Count || position - start >= ClassifierOptions.MaxPhraseTokens)
            return;

        var word = tokens[position].Lower;
        if (node.Exact is { } exact && exact.TryGetValue(word, out var next))
            Walk(next, tokens, start, position + 1, into);

        if (node.Prefixes is { } prefixes && word.Length >= PrefixKeyLength &&
            prefixes.TryGetValue(word[..PrefixKeyLength], out var candidates))
        {
            foreach (var (prefix, child) in candidates)
            {
                if (word.StartsWith(prefix, StringComparison.Ordinal))
                    Walk(child, tokens, start, position + 1, into);
            }
        }
    }

    private static bool CaseMatches(PhraseToken[] pattern, IReadOnlyList<Token> tokens, int start)
    {
        for (var i = 0; i < pattern.Length; i++)
        {
            var original = tokens[start + i].Original;
            var ok = pattern[i].IsPrefix
                ? original.StartsWith(pattern[i].Text, StringComparison.Ordinal)
                : string.Equals(original, pattern[i].Text, StringComparison.Ordinal);
            if (!ok)
                return false;
        }

        return true;
    }

    private sealed class Node
    {
        public Dictionary<string, Node>? Exact;
        public Dictionary<string, List<(string Prefix, Node Child)>>? Prefixes;
        public List<int>? Terminals;

        public Node ExactChild(string word)
        {
            Exact ??= new Dictionary<string, Node>(StringComparer.Ordinal);
            if (!Exact.TryGetValue(word, out var child))
                Exact[word] = child = new Node();
            return child;
        }

        public Node PrefixChild(string prefix, int keyLength)
        {
            Prefixes ??= new Dictionary<string, List<(string, Node)>>(StringComparer.Ordinal);
            var key = prefix[..keyLength];
            if (!Prefixes.TryGetValue(key, out var list))
                Prefixes[key] = list = [];
            foreach (var (p, existing) in list)
            {
                if (p == prefix)
                    return existing;
            }

            var child = new Node();
            list.Add((prefix, child));
            return child;
        }
    }
}
