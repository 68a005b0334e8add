namespace DeepSeekWatch.Detection.Classification;

/// <summary>Normalises provider-tagged symbols: "$nvda", "NASDAQ:NVDA", " nvda " all become "NVDA".</summary>
internal static class TickerNormalizer
{
    public const int MaxSymbolLength = 15;

    public static string? Normalize(string? ticker)
    {
        if (string.IsNullOrWhiteSpace(ticker) || ticker.Length > 64)
            return null;
        var s = ticker.Trim();
        var colon = s.LastIndexOf(':');
        if (colon >= 0)
            s = s[(colon + 1)..].Trim();
        if (s.StartsWith('$'))
            s = s[1..];
        s = s.ToUpperInvariant();
        return IsValidSymbol(s) ? s : null;
    }

    public static bool IsValidSymbol(string? symbol)
    {
        if (string.IsNullOrEmpty(symbol) || symbol.Length > MaxSymbolLength || !char.IsAsciiLetterOrDigit(symbol[0]))
            return false;
        foreach (var c in symbol)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not '.' and not '-')
                return false;
        }

        return true;
    }
}
