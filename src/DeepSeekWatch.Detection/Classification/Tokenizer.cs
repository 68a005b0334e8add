using System.Globalization;
using System.Text;

namespace DeepSeekWatch.Detection.Classification;

/// <summary>A word of normalised text: <see cref="Lower"/> for matching, <see cref="Original"/> for case-sensitive phrases.</summary>
internal readonly record struct Token(string Lower, string Original, int End);

/// <summary>
/// Splits text into words: maximal runs of letters, digits and combining marks; every Han, kana or
/// hangul character is a word on its own, so phrases in those scripts match inside unspaced text.
/// Everything else (spaces, punctuation, hyphens, apostrophes) separates words, which gives word
/// boundaries: "R1" never matches inside "R100", nor "AI" inside "said".
/// </summary>
internal static class Tokenizer
{
    public static void Tokenize(string text, List<Token> into)
    {
        var current = new StringBuilder();
        var position = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            var start = position;
            position += rune.Utf16SequenceLength;
            if (IsUnspacedScript(rune))
            {
                Flush(current, start, into);
                var s = rune.ToString();
                into.Add(new Token(s, s, position));
            }
            else if (Rune.IsLetterOrDigit(rune) || (current.Length > 0 && IsMark(rune)))
            {
                current.Append(text, start, rune.Utf16SequenceLength);
            }
            else
            {
                Flush(current, start, into);
            }
        }

        Flush(current, position, into);
    }

    private static void Flush(StringBuilder current, int end, List<Token> into)
    {
        if (current.Length == 0)
            return;
        var original = current.ToString();
        into.Add(new Token(original.ToLowerInvariant(), original, end));
        current.Clear();
    }

    private static bool IsMark(Rune rune) =>
        Rune.GetUnicodeCategory(rune) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark;

    internal static bool IsUnspacedScript(Rune rune)
    {
        var v = rune.Value;
        return v is (>= 0x3040 and <= 0x30FF) // hiragana, katakana
            or (>= 0x31F0 and <= 0x31FF) // katakana extensions
            or (>= 0x3400 and <= 0x4DBF) // CJK extension A
            or (>= 0x4E00 and <= 0x9FFF) // CJK unified ideographs
            or (>= 0xAC00 and <= 0xD7AF) // hangul syllables
            or (>= 0xF900 and <= 0xFAFF) // CJK compatibility ideographs
            or (>= 0x20000 and <= 0x3FFFF); // CJK extensions B and later
    }
}
