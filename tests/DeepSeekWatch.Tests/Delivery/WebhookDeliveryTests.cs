using System.Globalization;
using System.Text.Json;
using DeepSeekWatch.Alerts;
using DeepSeekWatch.Contracts;
using DeepSeekWatch.Delivery;
using Microsoft.AspNetCore.Http;

namespace DeepSeekWatch.Tests.Delivery;

public sealed class WebhookDeliveryTests : IAsyncLifetime
{
    private static readonly string Secret = StandardWebhooksSpec.NewSecret(3);
    private TestReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await TestReceiver.StartAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    private DeliveryHarness Harness(params (string Key, string? Value)[] extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Notifications:Webhooks:0:Name"] = "ops-hook",
            ["Notifications:Webhooks:0:Url"] = _receiver.BaseUrl + "/hooks/dsw",
            ["Notifications:Webhooks:0:Secret"] = Secret,
            ["Notifications:Webhooks:0:Cooldown"] = "00:00:00",
            ["Notifications:Delivery:Jitter"] = "0",
        };
        foreach (var (key, value) in extra)
            settings[key] = value;
        return new DeliveryHarness(settings);
    }

    private static void AssertSignedPerSpec(ReceivedRequest request)
    {
        Assert.StartsWith("msg_", request.Header("webhook-id"), StringComparison.Ordinal);
        Assert.True(long.TryParse(request.Header("webhook-timestamp"), NumberStyles.None, CultureInfo.InvariantCulture, out _));
        Assert.True(StandardWebhooksSpec.Verify(Secret, request.Header("webhook-id"), request.Header("webhook-timestamp"), request.Body, request.Header("webhook-signature")),
            "the signature does not verify with an independent Standard Webhooks implementation");
    }

    [Fact]
    public async Task A_webhook_delivery_is_a_signed_structured_CloudEvent_carrying_the_alert()
    {
        await using var h = Harness();
        var alert = Alerts.Drop();

        Assert.Equal(1, await h.Planner.PlanAsync(alert));
        await h.Dispatcher.DispatchDueAsync();

        var request = Assert.Single(_receiver.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/hooks/dsw", request.Path);
        Assert.StartsWith("application/cloudevents+json", request.ContentType, StringComparison.Ordinal);
        AssertSignedPerSpec(request);
        Assert.Equal(h.Time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), request.Header("webhook-timestamp"));

        using var doc = JsonDocument.Parse(request.Body);
        var root = doc.RootElement;
        // CloudEvents 1.0 required attributes, and the optional ones this project promises.
        Assert.Equal("1.0", root.GetProperty("specversion").GetString());
        Assert.Equal($"{alert.AlertId}-r1", root.GetProperty("id").GetString());
        Assert.False(string.IsNullOrEmpty(root.GetProperty("source").GetString()));
        Assert.True(Uri.TryCreate(root.GetProperty("source").GetString(), UriKind.RelativeOrAbsolute, out _));
        Assert.Equal(TapeEventTypes.Alert, root.GetProperty("type").GetString());
        Assert.Equal("application/json", root.GetProperty("datacontenttype").GetString());
        Assert.Equal("NVDA", root.GetProperty("subject").GetString());
        Assert.True(DateTimeOffset.TryParse(root.GetProperty("time").GetString(), CultureInfo.InvariantCulture, DateTimeStyles.None, out var time));
        Assert.Equal(alert.At, time);
        // The data is the alert in its one JSON form, and reads back as the same alert.
        Assert.Equal(AlertJson.Serialize(alert), root.GetProperty("data").GetRawText());
        Assert.Equal(AlertJson.Serialize(alert), AlertJson.Serialize(AlertJson.Deserialize(root.GetProperty("data").GetRawText())));
        Assert.False(root.GetProperty("data").GetProperty("replay").GetBoolean());

        var stored = await h.Store.GetAsync(DeliveryRecord.IdFor("ops-hook", alert.AlertId, 1));
        Assert.Equal(DeliveryStates.Delivered, stored!.State);
        Assert.Equal(1, h.Metrics.Sum("deepseekwatch.delivery.attempts", "outcome", "success"));
    }

    [Fact]
    public async Task A_500_is_retried_on_the_schedule_with_the_same_webhook_id_and_a_fresh_signature()
    {
        await using var h = Harness();
        _receiver.Respond = (i, _, ctx) =>
        {
            ctx.Response.StatusCode = i < 2 ? 500 : 204;
            return Task.CompletedTask;
        };
        await h.Planner.PlanAsync(Alerts.Drop());

        await h.Dispatcher.DispatchDueAsync();
        Assert.Single(_receiver.Requests);
        h.Time.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(0, await h.Dispatcher.DispatchDueAsync());
        h.Time.Advance(TimeSpan.FromSeconds(1)); // 5 s after the first failure
        await h.Dispatcher.DispatchDueAsync();
        Assert.Equal(2, _receiver.Requests.Count);
        h.Time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));
        Assert.Equal(0, await h.Dispatcher.DispatchDueAsync());
        h.Time.Advance(TimeSpan.FromSeconds(1)); // 5 min after the second failure
        await h.Dispatcher.DispatchDueAsync();

        var requests = _receiver.Requests;
        Assert.Equal(3, requests.Count);
        Assert.All(requests, AssertSignedPerSpec);
        Assert.Single(requests.Select(r => r.Header("webhook-id")).Distinct());
        Assert.Equal(3, requests.Select(r => r.Header("webhook-timestamp")).Distinct().Count());
        Assert.Single(requests.Select(r => r.BodyText).Distinct());
        var stored = await h.SingleDeliveryAsync();
        Assert.Equal(DeliveryStates.Delivered, stored.State);
        Assert.Equal(3, stored.Attempts);
    }

    [Fact]
    public async Task A_429_is_retried_no_sooner_than_its_Retry_After()
    {
        await using var h = Harness();
        _receiver.Respond = (i, _, ctx) =>
        {
            ctx.Response.StatusCode = i == 0 ? 429 : 200;
            if (i == 0)
                ctx.Response.Headers.RetryAfter = "120";
            return Task.CompletedTask;
        };
        await h.Planner.PlanAsync(Alerts.Drop());
        await h.Dispatcher.DispatchDueAsync();

        h.Time.Advance(TimeSpan.FromSeconds(119));
        Assert.Equal(0, await h.Dispatcher.DispatchDueAsync());
        Assert.Single(_receiver.Requests);
        h.Time.Advance(TimeSpan.FromSeconds(1));
        await h.Dispatcher.DispatchDueAsync();

        Assert.Equal(2, _receiver.Requests.Count);
        Assert.Equal(_receiver.Requests[0].Header("webhook-id"), _receiver.Requests[1].Header("webhook-id"));
        Assert.Equal(DeliveryStates.Delivered, (await h.SingleDeliveryAsync()).State);
    }

    [Fact]
    public async Task A_429_holds_the_whole_route_until_its_Retry_After()
    {
        await using var h = Harness();
        _receiver.Respond = (i, _, ctx) =>
        {
            ctx.Response.StatusCode = i == 0 ? 429 : 200;
            if (i == 0)
                ctx.Response.Headers.RetryAfter = "60";
            return Task.CompletedTask;
        };
        await h.Planner.PlanAsync(Alerts.Drop("NVDA"));
        await h.Dispatcher.DispatchDueAsync();
        await h.Planner.PlanAsync(Alerts.Drop("AVGO"));

        await h.Dispatcher.DispatchDueAsync();
        h.Time.Advance(TimeSpan.FromSeconds(59));
        await h.Dispatcher.DispatchDueAsync();
        Assert.Single(_receiver.Requests);
        h.Time.Advance(TimeSpan.FromSeconds(1));
        await h.Dispatcher.DispatchDueAsync();

        Assert.Equal(3, _receiver.Requests.Count);
        var avgo = await h.SingleDeliveryAsync(alert: Alerts.Drop("AVGO"));
        Assert.Equal(1, avgo.Attempts); // waiting for the hold spent no attempt
    }

    [Fact]
    public async Task A_Retry_After_given_as_a_date_is_honoured_too()
    {
        await using var h = Harness();
        _receiver.Respond = (i, _, ctx) =>
        {
            ctx.Response.StatusCode = i == 0 ? 503 : 200;
            if (i == 0)
                ctx.Response.Headers.RetryAfter = (DeliveryHarness.Start + TimeSpan.FromMinutes(10)).ToString("R", CultureInfo.InvariantCulture);
            return Task.CompletedTask;
        };
        await h.Planner.PlanAsync(Alerts.Drop());
        await h.Dispatcher.DispatchDueAsync();

        var waiting = await h.SingleDeliveryAsync();
        Assert.Equal(DeliveryHarness.Start + TimeSpan.FromMinutes(10), waiting.DueAt);
    }

    [Fact]
    public async Task A_timeout_is_retried_with_the_same_webhook_id()
    {
        await using var h = Harness(("Notifications:Webhooks:0:Timeout", "00:00:03"));
        _receiver.Respond = async (i, _, ctx) =>
        {
            if (i == 0)
            {
                // Hang until the sender gives up and drops the connection.
                try
                {
                    await Task.Delay(Timeout.Infinite, ctx.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                }
                return;
            }
            ctx.Response.StatusCode = 200;
        };
        await h.Planner.PlanAsync(Alerts.Drop());

        var pass = h.Dispatcher.DispatchDueAsync();
        await _receiver.WaitForRequestsAsync(1);
        Assert.False(pass.IsCompleted);
        h.Time.Advance(TimeSpan.FromSeconds(3));
        await pass.WaitAsync(TimeSpan.FromSeconds(15));

        var waiting = await h.SingleDeliveryAsync();
        Assert.Equal("timeout", waiting.LastOutcome);
        Assert.Equal(DeliveryStates.Pending, waiting.State);
        h.Time.Advance(TimeSpan.FromSeconds(5));
        await h.Dispatcher.DispatchDueAsync();

        Assert.Equal(2, _receiver.Requests.Count);
        Assert.Equal(_receiver.Requests[0].Header("webhook-id"), _receiver.Requests[1].Header("webhook-id"));
        Assert.Equal(DeliveryStates.Delivered, (await h.SingleDeliveryAsync()).State);
    }

    [Fact]
    public async Task An_unreachable_receiver_is_retried()
    {
        // A port that was listening and is now closed.
        string url;
        await using (var closed = await TestReceiver.StartAsync())
            url = closed.BaseUrl + "/gone-away";
        await using var h = Harness(("Notifications:Webhooks:0:Url", url));
        await h.Planner.PlanAsync(Alerts.Drop());

        await h.Dispatcher.DispatchDueAsync();

        var waiting = await h.SingleDeliveryAsync();
        Assert.Equal(DeliveryStates.Pending, waiting.State);
        Assert.Equal(1, waiting.Attempts);
        Assert.StartsWith("network error", waiting.LastOutcome, StringComparison.Ordinal);
        Assert.Equal(h.Time.GetUtcNow() + TimeSpan.FromSeconds(5), waiting.DueAt);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(401)]
    [InlineData(404)]
    [InlineData(302)]
    public async Task A_client_error_is_not_retried_and_goes_to_the_dead_letters(int status)
    {
        await using var h = Harness();
        _receiver.Respond = (_, _, ctx) =>
        {
            ctx.Response.StatusCode = status;
            if (status == 302)
                ctx.Response.Headers.Location = "/elsewhere";
            return Task.CompletedTask;
        };
        await h.Planner.PlanAsync(Alerts.Drop());

        await h.Dispatcher.DispatchDueAsync();
        h.Time.Advance(TimeSpan.FromDays(3));
        await h.Dispatcher.DispatchDueAsync();

        Assert.Single(_receiver.Requests);
        var dead = Assert.Single(await h.Operations.ListDeadLettersAsync());
        Assert.Equal(DeliveryStates.DeadLettered, dead.State);
        Assert.Equal($"http {status}", dead.LastOutcome);
        Assert.Equal(1, h.Metrics.Sum("deepseekwatch.delivery.dead_letters", "reason", "rejected"));
    }

    [Theory]
    [InlineData(408)]
    [InlineData(502)]
    [InlineData(504)]
    public async Task Timeouts_and_server_errors_are_retried(int status)
    {
        await using var h = Harness();
        _receiver.Respond = (_, _, ctx) =>
        {
            ctx.Response.StatusCode = status;
            return Task.CompletedTask;
        };
        await h.Planner.PlanAsync(Alerts.Drop());

        await h.Dispatcher.DispatchDueAsync();

        var waiting = await h.SingleDeliveryAsync();
        Assert.Equal(DeliveryStates.Pending, waiting.State);
        Assert.Empty(await h.Operations.ListDeadLettersAsync());
    }

    [Fact]
    public async Task A_410_disables_the_route_until_its_url_is_reconfigured()
    {
        var store = new MemoryDeliveryStore(new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DeliveryHarness.Start), new DeliveryOptions());
        _receiver.Respond = (i, _, ctx) =>
        {
            ctx.Response.StatusCode = i == 0 ? 410 : 200;
            return Task.CompletedTask;
        };
        await using (var h = new DeliveryHarness(new Dictionary<string, string?>
        {
            ["Notifications:Webhooks:0:Name"] = "ops-hook",
            ["Notifications:Webhooks:0:Url"] = _receiver.BaseUrl + "/old",
            ["Notifications:Webhooks:0:Secret"] = Secret,
            ["Notifications:Webhooks:0:Cooldown"] = "00:00:00",
        }, sharedStore: store))
        {
            await h.Planner.PlanAsync(Alerts.Drop("NVDA"));
            await h.Dispatcher.DispatchDueAsync();
            Assert.Equal(0, await h.Planner.PlanAsync(Alerts.Drop("AVGO")));
            h.Time.Advance(TimeSpan.FromHours(1));
            await h.Dispatcher.DispatchDueAsync();

            Assert.Single(_receiver.Requests);
            var dead = Assert.Single(await h.Operations.ListDeadLettersAsync());
            Assert.Equal("http 410", dead.LastOutcome);
            Assert.Equal(1, h.Metrics.Sum("deepseekwatch.delivery.attempts", "outcome", "gone"));
            Assert.Equal(1, h.Metrics.Sum("deepseekwatch.delivery.skipped", "reason", "disabled"));
        }

        // The operator points the route at a new URL: it is enabled again, and the dead letter can be re-driven there.
        await using (var h = new DeliveryHarness(new Dictionary<string, string?>
        {
            ["Notifications:Webhooks:0:Name"] = "ops-hook",
            ["Notifications:Webhooks:0:Url"] = _receiver.BaseUrl + "/new",
            ["Notifications:Webhooks:0:Secret"] = Secret,
            ["Notifications:Webhooks:0:Cooldown"] = "00:00:00",
        }, sharedStore: store))
        {
            Assert.Equal(1, await h.Planner.PlanAsync(Alerts.Drop("AVGO")));
            Assert.Equal(1, await h.Operations.RedriveAllAsync());
            await h.Dispatcher.DispatchDueAsync();

            Assert.Equal(["/old", "/new", "/new"], _receiver.Requests.Select(r => r.Path).ToArray());
            Assert.Empty(await h.Operations.ListDeadLettersAsync());
        }
    }

    [Fact]
    public async Task Exhausted_deliveries_are_dead_lettered_counted_and_can_be_re_driven_with_the_same_webhook_id()
    {
        await using var h = Harness(("Notifications:Delivery:RetrySchedule", "00:00:00,00:00:05,00:01:00"));
        var fail = true;
        _receiver.Respond = (_, _, ctx) =>
        {
            ctx.Response.StatusCode = Volatile.Read(ref fail) ? 500 : 200;
            return Task.CompletedTask;
        };
        await h.Planner.PlanAsync(Alerts.Drop());

        await h.Dispatcher.DispatchDueAsync();
        h.Time.Advance(TimeSpan.FromSeconds(5));
        await h.Dispatcher.DispatchDueAsync();
        h.Time.Advance(TimeSpan.FromMinutes(1));
        await h.Dispatcher.DispatchDueAsync();
        h.Time.Advance(TimeSpan.FromDays(2));
        await h.Dispatcher.DispatchDueAsync();

        Assert.Equal(3, _receiver.Requests.Count);
        var dead = Assert.Single(await h.Operations.ListDeadLettersAsync());
        Assert.Equal(3, dead.Attempts);
        Assert.Contains("3 attempts failed", dead.DeadLetterReason, StringComparison.Ordinal);
        Assert.Equal(1, h.Metrics.Sum("deepseekwatch.delivery.dead_letters", "reason", "exhausted"));
        Assert.Equal(1, h.Metrics.Sum("deepseekwatch.delivery.dead_letters", "route", "ops-hook"));

        Volatile.Write(ref fail, false);
        var redriven = await h.Operations.RedriveAsync(dead.Id);
        Assert.Equal(DeliveryStates.Pending, redriven.State);
        Assert.Equal(0, redriven.Attempts);
        await h.Dispatcher.DispatchDueAsync();

        Assert.Equal(4, _receiver.Requests.Count);
        Assert.Single(_receiver.Requests.Select(r => r.Header("webhook-id")).Distinct());
        AssertSignedPerSpec(_receiver.Requests[3]);
        Assert.Empty(await h.Operations.ListDeadLettersAsync());
        Assert.Equal(DeliveryStates.Delivered, (await h.SingleDeliveryAsync()).State);
    }

    [Fact]
    public async Task The_default_schedule_is_the_Standard_Webhooks_one_over_hours_then_dead_letter()
    {
        await using var h = Harness(("Notifications:Webhooks:0:Timeout", "00:00:01"));
        _receiver.Respond = (_, _, ctx) =>
        {
            ctx.Response.StatusCode = 500;
            return Task.CompletedTask;
        };
        await h.Planner.PlanAsync(Alerts.Drop());
        // From the issue: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
        TimeSpan[] expected = [TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2), TimeSpan.FromHours(5), TimeSpan.FromHours(10), TimeSpan.FromHours(10)];

        await h.Dispatcher.DispatchDueAsync();
        foreach (var gap in expected)
        {
            var before = _receiver.Requests.Count;
            h.Time.Advance(gap - TimeSpan.FromSeconds(1));
            await h.Dispatcher.DispatchDueAsync();
            Assert.Equal(before, _receiver.Requests.Count);
            h.Time.Advance(TimeSpan.FromSeconds(1));
            await h.Dispatcher.DispatchDueAsync();
            Assert.Equal(before + 1, _receiver.Requests.Count);
        }

        Assert.Equal(8, _receiver.Requests.Count);
        var dead = Assert.Single(await h.Operations.ListDeadLettersAsync());
        Assert.Equal(8, dead.Attempts);
    }

    [Fact]
    public async Task Retry_delays_carry_jitter_within_the_configured_fraction()
    {
        await using var h = Harness(("Notifications:Delivery:Jitter", "0.2"));
        _receiver.Respond = (_, _, ctx) =>
        {
            ctx.Response.StatusCode = 500;
            return Task.CompletedTask;
        };
        var delays = new List<TimeSpan>();
        for (int i = 0; i < 20; i++)
            await h.Planner.PlanAsync(Alerts.Drop(symbol: $"S{i}", alertId: $"a{i}"));
        await h.Dispatcher.DispatchDueAsync();

        foreach (var d in await h.Store.ListPendingAsync(100))
            delays.Add(d.DueAt - d.LastAttemptAt!.Value);
        Assert.Equal(20, delays.Count);
        Assert.All(delays, d => Assert.InRange(d, TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(6)));
        Assert.True(delays.Distinct().Count() > 1, "twenty jittered delays were all equal");
    }

    [Fact]
    public async Task A_revision_is_delivered_as_its_own_event_and_the_same_revision_only_once()
    {
        await using var h = Harness();
        var first = Alerts.Drop(kind: AlertKinds.Drop);
        var revised = Alerts.Drop() with { AlertId = first.AlertId, Revision = 2 };

        Assert.Equal(1, await h.Planner.PlanAsync(first));
        Assert.Equal(0, await h.Planner.PlanAsync(first));
        Assert.Equal(1, await h.Planner.PlanAsync(revised));
        Assert.Equal(0, await h.Planner.PlanAsync(revised));
        Assert.Equal(0, await h.Planner.PlanAsync(first)); // stale: never sent after its newer revision
        await h.Dispatcher.DispatchDueAsync();

        var ids = _receiver.Requests.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("id").GetString()!).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal([$"{first.AlertId}-r1", $"{first.AlertId}-r2"], ids);
        Assert.Equal(2, _receiver.Requests.Select(r => r.Header("webhook-id")).Distinct().Count());
        Assert.All(_receiver.Requests, AssertSignedPerSpec);
    }

    [Fact]
    public async Task A_replayed_alert_is_delivered_with_replay_true()
    {
        await using var h = Harness();
        await h.Planner.PlanAsync(Alerts.Drop(replay: true));
        await h.Dispatcher.DispatchDueAsync();

        using var doc = JsonDocument.Parse(Assert.Single(_receiver.Requests).Body);
        Assert.True(doc.RootElement.GetProperty("data").GetProperty("replay").GetBoolean());
    }

    [Fact]
    public async Task A_slow_receiver_does_not_hold_up_another_route()
    {
        await using var other = await TestReceiver.StartAsync();
        await using var h = Harness(
            ("Notifications:Webhooks:1:Name", "fast-hook"),
            ("Notifications:Webhooks:1:Url", other.BaseUrl + "/fast"),
            ("Notifications:Webhooks:1:Secret", Secret));
        var gate = new TaskCompletionSource();
        _receiver.Respond = async (_, _, ctx) =>
        {
            await gate.Task.WaitAsync(ctx.RequestAborted);
            ctx.Response.StatusCode = 200;
        };
        await h.Planner.PlanAsync(Alerts.Drop());

        var pass = h.Dispatcher.DispatchDueAsync();
        await other.WaitForRequestsAsync(1);
        await _receiver.WaitForRequestsAsync(1);
        gate.SetResult();
        await pass.WaitAsync(TimeSpan.FromSeconds(15));

        Assert.Single(other.Requests);
    }
}
