using System.Text;
using DeepSeekWatch.Delivery;

namespace DeepSeekWatch.Tests.Delivery;

public class WebhookSignerTests
{
    // The published test vector of the Standard Webhooks libraries (also in Svix's "verifying payloads manually" docs).
    private const string VectorSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private const string VectorId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private const long VectorTimestamp = 1614265330;
    private const string VectorBody = """{"test": 2432232314}""";
    private const string VectorSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    [Fact]
    public void The_published_Standard_Webhooks_test_vector_passes_through_the_signer()
    {
        Assert.True(WebhookSigner.TryParseSecret(VectorSecret, out var key, out _));

        var signature = WebhookSigner.Sign(VectorId, VectorTimestamp, Encoding.UTF8.GetBytes(VectorBody), key);

        Assert.Equal(VectorSignature, signature);
    }

    [Fact]
    public void The_independent_verifier_accepts_the_published_vector_and_rejects_a_changed_body()
    {
        Assert.True(StandardWebhooksSpec.Verify(VectorSecret, VectorId, "1614265330", Encoding.UTF8.GetBytes(VectorBody), VectorSignature));
        Assert.False(StandardWebhooksSpec.Verify(VectorSecret, VectorId, "1614265330", Encoding.UTF8.GetBytes("""{"test": 2432232315}"""), VectorSignature));
    }

    [Theory]
    [InlineData("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "must start with whsec_")]
    [InlineData("whsec_not base64 !!", "must be whsec_ followed by base64")]
    [InlineData("whsec_c2hvcnQ=", "must decode to 24 to 64 bytes")]
    public void A_malformed_secret_is_refused_with_the_reason(string secret, string reason)
    {
        Assert.False(WebhookSigner.TryParseSecret(secret, out _, out var problem));
        Assert.Contains(reason, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_webhook_id_containing_a_dot_is_refused()
    {
        Assert.True(WebhookSigner.TryParseSecret(VectorSecret, out var key, out _));
        Assert.Throws<ArgumentException>(() => WebhookSigner.Sign("msg.1", 1, "{}"u8, key));
    }
}
