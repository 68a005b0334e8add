using DeepSeekWatch.Delivery;
using DeepSeekWatch.Tests.Delivery;

namespace DeepSeekWatch.IntegrationTests.Chaos;

/// <summary>
/// A webhook target that refuses connections. The other target faults (500, 429 with Retry-After, hanging past the
/// timeout) are covered in tests/DeepSeekWatch.Tests/Delivery/WebhookDeliveryTests.cs (see docs/reliability.md).
/// </summary>
public sealed class WebhookTargetFaultTests
{
    [Fact]
    public async Task A_webhook_target_refusing_connections_keeps_the_delivery_for_a_retry_instead_of_losing_it()
    {
        // A loopback port with nothing listening: every connection is refused.
        var closed = Servers.FreePort();
        await using var h = new DeliveryHarness(new Dictionary<string, string?>
        {
            ["Notifications:Webhooks:0:Name"] = "ops-hook",
            ["Notifications:Webhooks:0:Url"] = $"http://127.0.0.1:{closed}/hooks/dsw",
            ["Notifications:Webhooks:0:Secret"] = StandardWebhooksSpec.NewSecret(3),
            ["Notifications:Webhooks:0:Cooldown"] = "00:00:00",
            ["Notifications:Delivery:Jitter"] = "0",
        });
        await h.Planner.PlanAsync(DeepSeekWatch.Tests.Delivery.Alerts.Drop());

        await h.Dispatcher.DispatchDueAsync();

        var waiting = await h.SingleDeliveryAsync();
        Assert.Equal(DeliveryStates.Pending, waiting.State);
        Assert.Equal(1, waiting.Attempts);
        Assert.True(waiting.DueAt > h.Time.GetUtcNow(), $"the retry is due {waiting.DueAt}, not later than now");
        Assert.Empty(await h.Operations.ListDeadLettersAsync());
    }
}
