using DeepSeekWatch.Delivery;

namespace DeepSeekWatch.Tests.Delivery;

public sealed class DeliverySecretsTests
{
    [Fact]
    public async Task Failing_deliveries_never_write_a_URL_or_signing_secret_to_logs_or_metric_labels()
    {
        await using var receiver = await TestReceiver.StartAsync();
        const string slackToken = "xoxsecretslacktoken42";
        const string hookToken = "hooksecretpathtoken77";
        var signingSecret = StandardWebhooksSpec.NewSecret(42);
        string closedUrl;
        await using (var closed = await TestReceiver.StartAsync())
            closedUrl = closed.BaseUrl + "/services/T9/B9/" + slackToken + "closed";
        receiver.Respond = async (i, r, ctx) =>
        {
            if (r.Path.Contains("timeout", StringComparison.Ordinal))
            {
                try
                {
                    await Task.Delay(Timeout.Infinite, ctx.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                }
                return;
            }
            ctx.Response.StatusCode = r.Path.Contains("gone", StringComparison.Ordinal) ? 410 : r.Path.Contains("bad", StringComparison.Ordinal) ? 400 : 500;
        };
        await using var h = new DeliveryHarness(new Dictionary<string, string?>
        {
            ["Notifications:Slack:0:Name"] = "desk",
            ["Notifications:Slack:0:WebhookUrl"] = receiver.BaseUrl + "/services/T1/B1/" + slackToken,
            ["Notifications:Slack:1:Name"] = "desk-closed",
            ["Notifications:Slack:1:WebhookUrl"] = closedUrl,
            ["Notifications:Webhooks:0:Name"] = "hook-500",
            ["Notifications:Webhooks:0:Url"] = receiver.BaseUrl + "/x/" + hookToken + "?token=" + hookToken,
            ["Notifications:Webhooks:0:Secret"] = signingSecret,
            ["Notifications:Webhooks:1:Name"] = "hook-gone",
            ["Notifications:Webhooks:1:Url"] = receiver.BaseUrl + "/gone/" + hookToken,
            ["Notifications:Webhooks:1:Secret"] = signingSecret,
            ["Notifications:Webhooks:2:Name"] = "hook-bad",
            ["Notifications:Webhooks:2:Url"] = receiver.BaseUrl + "/bad/" + hookToken,
            ["Notifications:Webhooks:2:Secret"] = signingSecret,
            ["Notifications:Webhooks:3:Name"] = "hook-timeout",
            ["Notifications:Webhooks:3:Url"] = receiver.BaseUrl + "/timeout/" + hookToken,
            ["Notifications:Webhooks:3:Secret"] = signingSecret,
            ["Notifications:Webhooks:3:Timeout"] = "00:00:02",
            ["Notifications:Delivery:RetrySchedule"] = "00:00:00,00:00:05",
        });

        await h.Planner.PlanAsync(Alerts.Drop());
        var pass = h.Dispatcher.DispatchDueAsync();
        await receiver.WaitForRequestsAsync(5);
        h.Time.Advance(TimeSpan.FromSeconds(2));
        await pass.WaitAsync(TimeSpan.FromSeconds(15));
        h.Time.Advance(TimeSpan.FromSeconds(10));
        var second = h.Dispatcher.DispatchDueAsync();
        await receiver.WaitForRequestsAsync(8);
        h.Time.Advance(TimeSpan.FromSeconds(2));
        await second.WaitAsync(TimeSpan.FromSeconds(15));

        // Every route failed in its own way and ended in the dead letters.
        Assert.Equal(6, (await h.Operations.ListDeadLettersAsync()).Count);
        var logs = h.Logs.AllText;
        Assert.Contains("hook-gone", logs, StringComparison.Ordinal);
        Assert.Contains("desk-closed", logs, StringComparison.Ordinal);
        var labels = string.Join("\n", h.Metrics.Measurements.SelectMany(m => m.Tags.Select(t => $"{t.Key}={t.Value}")));
        Assert.Contains("route=hook-timeout", labels, StringComparison.Ordinal);
        foreach (var secret in new[] { slackToken, hookToken, signingSecret, signingSecret["whsec_".Length..], "/services/", receiver.BaseUrl })
        {
            Assert.DoesNotContain(secret, logs, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, labels, StringComparison.Ordinal);
        }
        // Dead letters are what an operator lists: they too carry no secret.
        var dead = string.Join("\n", (await h.Operations.ListDeadLettersAsync()).Select(d => $"{d.Route} {d.LastOutcome} {d.DeadLetterReason}"));
        Assert.DoesNotContain(slackToken, dead, StringComparison.Ordinal);
        Assert.DoesNotContain(hookToken, dead, StringComparison.Ordinal);
    }
}
