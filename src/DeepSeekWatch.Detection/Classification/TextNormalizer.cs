using System.Net;
using System.Text;

namespace DeepSeekWatch.Detection.Classification;

/// <summary>
/// Turns raw headline text (HTML entities, markup, full-width forms, invisible characters) into plain
/// text ready for tokenising. Every step is a single linear pass: no regular expressions.
/// </summary>
internal static class TextNormalizer
{
    private const string HalfwidthKatakana =
        "ヲァィゥェォャュョッーアイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン";

    private const string TakesDakuten = "カキクケコサシスセソタチツテトハヒフヘホ";
    private const string TakesHandakuten = "ハヒフヘホ";

    public static string Normalize(string raw, int maxChars)
    {
        var text = raw.Length > maxChars ? raw[..maxChars] : raw;

        // Markup and entities may be nested or escaped once more in feeds ("&lt;b&gt;", "&amp;amp;").
        for (var round = 0; round < 2; round++)
        {
            if (text.Contains('<', StringComparison.Ordinal))
                text = StripTags(text);
            if (text.Contains('&', StringComparison.Ordinal))
                text = WebUtility.HtmlDecode(text);
        }

        text = ReplaceLoneSurrogates(text);
        try
        {
            // A no-op under InvariantGlobalization; the folding below covers what headlines need.
            text = text.Normalize(NormalizationForm.FormKC);
        }
        catch (ArgumentException)
        {
            // Cannot happen after surrogate repair; keep the unnormalised text rather than fail.
        }

        return Fold(text);
    }

    /// <summary>Replaces each tag (<c>&lt;</c> + letter, '/', '!' or '?' ... <c>&gt;</c>) by a space; a lone '&lt;' stays.</summary>
    internal static string StripTags(string text)
    {
        var sb = new StringBuilder(text.Length);
        var noMoreClosers = false;
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '<' && !noMoreClosers && i + 1 < text.Length && StartsTag(text[i + 1]))
            {
                var close = text.IndexOf('>', i + 1);
                if (close < 0)
                {
                    // No '>' anywhere after this point: every later '<' is literal (keeps this linear).
                    noMoreClosers = true;
                    sb.Append(c);
                    i++;
                    continue;
                }

                sb.Append(' ');
                i = close + 1;
                continue;
            }

            sb.Append(c);
            i++;
        }

        return sb.ToString();
    }

    private static bool StartsTag(char c) => char.IsAsciiLetter(c) || c is '/' or '!' or '?';

    private static string ReplaceLoneSurrogates(string text)
    {
        StringBuilder? sb = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var bad = false;
            if (char.IsHighSurrogate(c))
            {
                if (i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                {
                    sb?.Append(c).Append(text[i + 1]);
                    i++;
                    continue;
                }

                bad = true;
            }
            else if (char.IsLowSurrogate(c))
            {
                bad = true;
            }

            if (bad && sb is null)
                sb = new StringBuilder(text.Length).Append(text, 0, i);
            sb?.Append(bad ? '\uFFFD' : c);
        }

        return sb?.ToString() ?? text;
    }

    /// <summary>
    /// The compatibility mappings that matter for headlines: full-width ASCII, ideographic space,
    /// half-width katakana (with voiced marks), Latin ligatures; format characters (soft hyphen,
    /// zero-width space/joiners, BOM, bidi marks) are removed so they cannot split a word.
    /// </summary>
    private static string Fold(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            switch (c)
            {
                case >= '\uFF01' and <= '\uFF5E':
                    sb.Append((char)(c - 0xFEE0));
                    break;
                case '\u3000':
                    sb.Append(' ');
                    break;
                case >= '\uFF66' and <= '\uFF9D':
                    sb.Append(HalfwidthKatakana[c - 0xFF66]);
                    break;
                case '\uFF9E' or '\uFF9F':
                    ApplyVoicedMark(sb, handakuten: c == '\uFF9F');
                    break;
                case '\uFB00': sb.Append("ff"); break;
                case '\uFB01': sb.Append("fi"); break;
                case '\uFB02': sb.Append("fl"); break;
                case '\uFB03': sb.Append("ffi"); break;
                case '\uFB04': sb.Append("ffl"); break;
                case '\uFB05' or '\uFB06': sb.Append("st"); break;
                default:
                    if (char.GetUnicodeCategory(c) != System.Globalization.UnicodeCategory.Format)
                        sb.Append(c);
                    break;
            }
        }

        return sb.ToString();
    }

    private static void ApplyVoicedMark(StringBuilder sb, bool handakuten)
    {
        if (sb.Length == 0)
            return;
        var prev = sb[^1];
        if (handakuten && TakesHandakuten.Contains(prev, StringComparison.Ordinal))
            sb[^1] = (char)(prev + 2);
        else if (!handakuten && TakesDakuten.Contains(prev, StringComparison.Ordinal))
            sb[^1] = (char)(prev + 1);
        else if (!handakuten && prev == 'ウ')
            sb[^1] = 'ヴ';
    }
}
