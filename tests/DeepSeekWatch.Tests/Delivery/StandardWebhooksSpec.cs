using System.Security.Cryptography;
using System.Text;

namespace DeepSeekWatch.Tests.Delivery;

/// <summary>
/// A receiver-side verifier written from the Standard Webhooks specification text alone (not from the project's
/// signer): content "{webhook-id}.{webhook-timestamp}.{body}", HMAC-SHA256 keyed with the base64 after "whsec_",
/// header a space-separated list of "v1,&lt;base64&gt;", compared in constant time.
/// </summary>
internal static class StandardWebhooksSpec
{
    public static bool Verify(string secret, string webhookId, string timestamp, byte[] body, string signatureHeader)
    {
        if (!secret.StartsWith("whsec_", StringComparison.Ordinal))
            return false;
        var key = Convert.FromBase64String(secret.Substring(6));
        var signed = new List<byte>();
        signed.AddRange(Encoding.UTF8.GetBytes(webhookId));
        signed.Add((byte)'.');
        signed.AddRange(Encoding.UTF8.GetBytes(timestamp));
        signed.Add((byte)'.');
        signed.AddRange(body);
        using var hmac = new HMACSHA256(key);
        var expected = hmac.ComputeHash(signed.ToArray());
        foreach (var entry in signatureHeader.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var comma = entry.IndexOf(',', StringComparison.Ordinal);
            if (comma <= 0 || entry[..comma] != "v1")
                continue;
            byte[] candidate;
            try
            {
                candidate = Convert.FromBase64String(entry[(comma + 1)..]);
            }
            catch (FormatException)
            {
                continue;
            }
            if (CryptographicOperations.FixedTimeEquals(candidate, expected))
                return true;
        }
        return false;
    }

    public static string NewSecret(byte seed) =>
        "whsec_" + Convert.ToBase64String(Enumerable.Range(0, 32).Select(i => (byte)(i * 7 + seed)).ToArray());
}
