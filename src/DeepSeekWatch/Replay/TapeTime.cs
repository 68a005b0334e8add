using System.Globalization;

namespace DeepSeekWatch.Replay;

/// <summary>ISO-8601 times as the contracts use them: an explicit offset on input, UTC <c>Z</c> on output.</summary>
public static class TapeTime
{
    /// <summary>Parses an ISO-8601 date-time that carries an explicit offset (<c>Z</c> or <c>±hh:mm</c>); a time without one is refused.</summary>
    public static bool TryParse(string? text, out DateTimeOffset value)
    {
        value = default;
        if (string.IsNullOrEmpty(text) || text.Length < 20 || text[10] is not ('T' or 't'))
            return false;
        if (!HasOffset(text))
            return false;
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out value);
    }

    public static string Format(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    private static bool HasOffset(string text)
    {
        var last = text[^1];
        if (last is 'Z' or 'z')
            return true;
        // ±hh:mm or ±hhmm after the time part.
        var tail = text.AsSpan(11);
        var sign = tail.LastIndexOfAny('+', '-');
        return sign >= 0 && tail.Length - sign is 5 or 6;
    }
}
