namespace DeepSeekWatch.Detection.Classification;

/// <summary>One word of a lexicon phrase: matched whole, or as a prefix when written with a trailing '*'.</summary>
internal readonly record struct PhraseToken(string Text, string Lower, bool IsPrefix);

internal static class Phrase
{
    /// <summary>Normalises and tokenises a phrase exactly as headline text is, noting '*' after a word.</summary>
    public static List<PhraseToken> Parse(string phrase, bool caseSensitive)
    {
        var normalized = TextNormalizer.Normalize(phrase, int.MaxValue);
        var tokens = new List<Token>();
        Tokenizer.Tokenize(normalized, tokens);
        var result = new List<PhraseToken>(tokens.Count);
        foreach (var token in tokens)
        {
            var isPrefix = token.End < normalized.Length && normalized[token.End] == '*';
            result.Add(new PhraseToken(caseSensitive ? token.Original : token.Lower, token.Lower, isPrefix));
        }

        return result;
    }
}
