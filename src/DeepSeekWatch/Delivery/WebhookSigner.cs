using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace DeepSeekWatch.Delivery;

/// <summary>
/// Standard Webhooks symmetric signatures: <c>v1,</c> + base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}")),
/// with the key given as <c>whsec_</c> + base64.
/// </summary>
internal static class WebhookSigner
{
    public const string SecretPrefix = "whsec_";

    public static bool TryParseSecret(string secret, out byte[] key, out string problem)
    {
        key = [];
        if (!secret.StartsWith(SecretPrefix, StringComparison.Ordinal))
        {
            problem = "must start with whsec_";
            return false;
        }
        try
        {
            key = Convert.FromBase64String(secret[SecretPrefix.Length..]);
        }
        catch (FormatException)
        {
            problem = "must be whsec_ followed by base64";
            return false;
        }
        // The specification asks for 24 to 64 random bytes; shorter keys are refused rather than silently weak.
        if (key.Length is < 24 or > 64)
        {
            problem = $"must decode to 24 to 64 bytes (it decodes to {key.Length})";
            key = [];
            return false;
        }
        problem = "";
        return true;
    }

    public static string Sign(string webhookId, long timestamp, ReadOnlySpan<byte> body, ReadOnlySpan<byte> key)
    {
        if (webhookId.Contains('.', StringComparison.Ordinal))
            throw new ArgumentException("a webhook id must not contain '.'", nameof(webhookId));
        var prefix = Encoding.UTF8.GetBytes($"{webhookId}.{timestamp.ToString(CultureInfo.InvariantCulture)}.");
        var content = new byte[prefix.Length + body.Length];
        prefix.CopyTo(content, 0);
        body.CopyTo(content.AsSpan(prefix.Length));
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, content));
    }
}
