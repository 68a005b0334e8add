using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using DeepSeekWatch.Ingestion.Providers;

namespace DeepSeekWatch.Ingestion;

/// <summary>Validation of bars: null, non-positive or non-finite prices, high below low, future-dated, incomplete.</summary>
public static class BarRules
{
    /// <summary>
    /// Null when the bar is valid and complete; <see cref="Incomplete"/> when it is still forming (not a rejection:
    /// it is published by a later poll); otherwise the rejection reason.
    /// </summary>
    public static string? Check(CandidateBar bar, DateTimeOffset now)
    {
        if (bar.Open is null || bar.High is null || bar.Low is null || bar.Close is null)
            return RejectReasons.NullValues;
        if (bar.Open <= 0 || bar.High <= 0 || bar.Low <= 0 || bar.Close <= 0)
            return RejectReasons.NonPositive;
        if (bar.High < bar.Low)
            return RejectReasons.HighBelowLow;
        if (bar.Volume < 0)
            return RejectReasons.NegativeVolume;
        if (bar.Start > now)
            return RejectReasons.FutureDated;
        if (bar.End > now)
            return Incomplete;
        return null;
    }

    public const string Incomplete = "incomplete";

    public static string DedupeKey(string symbol, string interval, DateTimeOffset start) =>
        string.Create(CultureInfo.InvariantCulture, $"bar:{symbol}:{interval}:{start.ToUnixTimeSeconds()}");
}

/// <summary>Canonical URLs and normalised titles, so the same story from two feeds is published once.</summary>
public static class HeadlineIdentity
{
    private static readonly HashSet<string> TrackingParameters = new(StringComparer.OrdinalIgnoreCase)
    {
        ".tsrc", "tsrc", "oc", "guccounter", "guce_referrer", "guce_referrer_sig", "ncid", "soc_src", "soc_trk", "cmpid",
        "fbclid", "gclid", "mc_cid", "mc_eid", "ref", "src", "sr_share", "yptr", "ocid",
    };

    /// <summary>Lower-case scheme and host without <c>www.</c>, no fragment, no tracking parameters, no trailing slash.</summary>
    public static string CanonicalUrl(string url)
    {
        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri))
            return url.Trim();
        var host = uri.Host.ToLowerInvariant();
        if (host.StartsWith("www.", StringComparison.Ordinal))
            host = host[4..];
        var query = uri.Query.TrimStart('?')
            .Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Where(p =>
            {
                var key = Uri.UnescapeDataString(p.Split('=')[0]);
                return !key.StartsWith("utm_", StringComparison.OrdinalIgnoreCase) && !TrackingParameters.Contains(key);
            })
            .Order(StringComparer.Ordinal)
            .ToList();
        var path = uri.AbsolutePath.Length > 1 ? uri.AbsolutePath.TrimEnd('/') : "";
        var port = uri.IsDefaultPort ? "" : ":" + uri.Port.ToString(CultureInfo.InvariantCulture);
        return $"{uri.Scheme.ToLowerInvariant()}://{host}{port}{path}{(query.Count > 0 ? "?" + string.Join('&', query) : "")}";
    }

    /// <summary>
    /// Letters and digits only, lower case, single spaces, with a trailing " - Publisher" removed: "Nvidia calls China's
    /// DeepSeek R1 model 'an excellent AI advancement'" and "Nvidia calls China’s DeepSeek R1 model “an excellent AI
    /// advancement” - Reuters" normalise alike.
    /// </summary>
    public static string NormalisedTitle(string title, string? publisher = null)
    {
        var t = title.Trim();
        if (!string.IsNullOrEmpty(publisher) && t.EndsWith(" - " + publisher, StringComparison.OrdinalIgnoreCase) && t.Length > publisher.Length + 3)
            t = t[..^(publisher.Length + 3)];
        var sb = new StringBuilder(t.Length);
        var space = false;
        foreach (var ch in t.Normalize(NormalizationForm.FormKD))
        {
            if (char.IsLetterOrDigit(ch))
            {
                if (space && sb.Length > 0)
                    sb.Append(' ');
                sb.Append(char.ToLowerInvariant(ch));
                space = false;
            }
            else if (char.IsWhiteSpace(ch) || ch is '-' or '–' or '—' or '/')
                space = true;
            // Apostrophes, quotes and other punctuation are dropped without a break: "China's" -> "chinas".
            else if (CharUnicodeInfo.GetUnicodeCategory(ch) is UnicodeCategory.NonSpacingMark)
                continue;
        }
        return sb.ToString();
    }

    public static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..32];
}
