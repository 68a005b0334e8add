using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace DeepSeekWatch.Detection;

/// <summary>
/// Deterministic alert ids (contracts.md §2): a function of what the alert is about — the symbol (or the group for a
/// sector shock), the session and the severity — and of nothing else, so a replay, a redelivery or a restart always
/// names the same alert the same way. The kind is left out on purpose: a late headline turns a <c>drop</c> into an
/// <c>ai-news-drop</c> as a revision of the same alert.
/// </summary>
public static class AlertIds
{
    public static string ForSymbol(string symbol, DateOnly session, string severity) => Make("symbol:" + symbol, session, severity);

    public static string ForGroup(string group, DateOnly session, string severity) => Make("group:" + group, session, severity);

    private static string Make(string subject, DateOnly session, string severity)
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"deepseekwatch.alert.v1|{subject}|{session:yyyy-MM-dd}|{severity}");
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(text), hash);
        return "a" + Convert.ToHexStringLower(hash[..12]);
    }
}
