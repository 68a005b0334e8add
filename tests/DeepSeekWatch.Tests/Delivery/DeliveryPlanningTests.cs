using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using DeepSeekWatch.Contracts;
using DeepSeekWatch.Delivery;

namespace DeepSeekWatch.Tests.Delivery;

/// <summary>Routes, filters, de-duplication, cooldown and quiet hours: what gets planned, on the memory store.</summary>
public class DeliveryPlanningTests
{
    private static DeliveryHarness Harness(params (string Key, string? Value)[] route)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Notifications:Webhooks:0:Name"] = "hook",
            ["Notifications:Webhooks:0:Url"] = "http://127.0.0.1:9/hook",
            ["Notifications:Webhooks:0:Secret"] = StandardWebhooksSpec.NewSecret(1),
        };
        foreach (var (key, value) in route)
            settings["Notifications:Webhooks:0:" + key] = value;
        return new DeliveryHarness(settings);
    }

    [Theory]
    [InlineData("MinSeverity", "warning", Severities.Watch, false)]
    [InlineData("MinSeverity", "warning", Severities.Warning, true)]
    [InlineData("MinSeverity", "critical", Severities.Warning, false)]
    [InlineData("MinSeverity", "critical", Severities.Critical, true)]
    public async Task The_minimum_severity_filters_alerts(string key, string value, string severity, bool delivered)
    {
        await using var h = Harness((key, value));
        Assert.Equal(delivered ? 1 : 0, await h.Planner.PlanAsync(Alerts.Drop(severity: severity)));
    }

    [Fact]
    public async Task Kinds_groups_and_symbols_filter_alerts_and_lists_may_be_comma_separated()
    {
        await using var h = Harness(("Kinds", "ai-news-drop, sector-shock"), ("Groups:0", "semiconductors"), ("Symbols", "NVDA,AVGO"));

        Assert.Equal(1, await h.Planner.PlanAsync(Alerts.Drop("NVDA")));
        Assert.Equal(0, await h.Planner.PlanAsync(Alerts.Drop("AMD")));                       // symbol not listed
        Assert.Equal(0, await h.Planner.PlanAsync(Alerts.Drop("AVGO", kind: AlertKinds.Drop))); // kind not listed
        Assert.Equal(0, await h.Planner.PlanAsync(Alerts.Drop("AVGO", group: "magnificent-seven"))); // group not listed
        Assert.Equal(1, await h.Planner.PlanAsync(Alerts.SectorShock("AMD", "AVGO")));          // a member is listed
        Assert.Equal(0, await h.Planner.PlanAsync(Alerts.SectorShock("AMD", "QCOM") with { AlertId = "other-shock" }));
    }

    [Fact]
    public async Task Each_matching_route_gets_the_alert_once()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Notifications:Webhooks:0:Url"] = "http://127.0.0.1:9/a",
            ["Notifications:Webhooks:0:Secret"] = StandardWebhooksSpec.NewSecret(1),
            ["Notifications:Webhooks:1:Url"] = "http://127.0.0.1:9/b",
            ["Notifications:Webhooks:1:Secret"] = StandardWebhooksSpec.NewSecret(2),
            ["Notifications:Webhooks:1:Symbols:0"] = "AAPL",
            ["Notifications:Slack:0:WebhookUrl"] = "http://127.0.0.1:9/slack",
        };
        await using var h = new DeliveryHarness(settings);

        Assert.Equal(2, await h.Planner.PlanAsync(Alerts.Drop()));
        Assert.Equal(0, await h.Planner.PlanAsync(Alerts.Drop()));

        var routes = (await h.Store.ListPendingAsync(10)).Select(d => d.Route).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["slack-0", "webhooks-0"], routes);
    }

    [Fact]
    public async Task A_cooldown_suppresses_a_new_alert_for_the_same_symbol_at_the_same_or_lower_severity()
    {
        await using var h = Harness(("Cooldown", "00:30:00"));

        var at = DeliveryHarness.Start;
        Assert.Equal(1, await h.Planner.PlanAsync(Alerts.Drop("NVDA", Severities.Warning, alertId: "nvda-a", at: at)));
        Assert.Equal(0, await h.Planner.PlanAsync(Alerts.Drop("NVDA", Severities.Warning, alertId: "nvda-b", at: at.AddMinutes(10))));
        Assert.Equal(0, await h.Planner.PlanAsync(Alerts.Drop("NVDA", Severities.Watch, alertId: "nvda-c", at: at.AddMinutes(29))));
        Assert.Equal(1, await h.Planner.PlanAsync(Alerts.Drop("AVGO", Severities.Warning, alertId: "avgo-a", at: at.AddMinutes(10)))); // another symbol
        Assert.Equal(2, h.Metrics.Sum("deepseekwatch.delivery.skipped", "reason", "cooldown"));
    }

    [Fact]
    public async Task A_cooldown_never_swallows_an_escalation()
    {
        await using var h = Harness(("Cooldown", "01:00:00"));

        Assert.Equal(1, await h.Planner.PlanAsync(Alerts.Drop("NVDA", Severities.Watch, alertId: "nvda-watch")));
        Assert.Equal(1, await h.Planner.PlanAsync(Alerts.Drop("NVDA", Severities.Warning, alertId: "nvda-warning")));
        Assert.Equal(1, await h.Planner.PlanAsync(Alerts.Drop("NVDA", Severities.Critical, alertId: "nvda-critical")));
        // ...and after the critical one, a warning is what the cooldown holds back.
        Assert.Equal(0, await h.Planner.PlanAsync(Alerts.Drop("NVDA", Severities.Warning, alertId: "nvda-warning-2")));
    }

    [Fact]
    public async Task A_cooldown_ends_and_never_holds_back_an_update_of_an_alert_already_sent()
    {
        await using var h = Harness(("Cooldown", "00:30:00"));
        var first = Alerts.Drop("NVDA", Severities.Warning, kind: AlertKinds.Drop, alertId: "nvda-a");

        Assert.Equal(1, await h.Planner.PlanAsync(first));
        Assert.Equal(1, await h.Planner.PlanAsync(first with { Revision = 2, Kind = AlertKinds.AiNewsDrop }));
        Assert.Equal(0, await h.Planner.PlanAsync(Alerts.Drop("NVDA", Severities.Warning, alertId: "nvda-b", at: first.At.AddMinutes(29))));
        Assert.Equal(1, await h.Planner.PlanAsync(Alerts.Drop("NVDA", Severities.Warning, alertId: "nvda-c", at: first.At.AddMinutes(30))));

        var update = (await h.Store.ListPendingAsync(10)).Single(d => d.AlertId == "nvda-a" && d.Revision == 2);
        Assert.True(update.IsUpdate);
    }

    [Fact]
    public async Task The_cooldown_runs_on_the_alerts_event_time_not_on_the_clock_so_a_fast_replay_suppresses_what_live_did()
    {
        await using var h = Harness(("Cooldown", "00:30:00"));
        var day1 = new DateTimeOffset(2025, 1, 27, 14, 31, 0, TimeSpan.Zero);

        // A replay at full speed: the clock hardly moves, the events span days.
        Assert.Equal(1, await h.Planner.PlanAsync(Alerts.Drop("NVDA", Severities.Warning, alertId: "nvda-1", at: day1)));
        Assert.Equal(0, await h.Planner.PlanAsync(Alerts.Drop("NVDA", Severities.Warning, alertId: "nvda-2", at: day1.AddMinutes(5))));
        Assert.Equal(1, await h.Planner.PlanAsync(Alerts.Drop("NVDA", Severities.Warning, alertId: "nvda-3", at: day1.AddDays(1))));
    }

    [Fact]
    public async Task A_replay_of_old_events_on_todays_clock_still_keeps_its_cooldowns()
    {
        var today = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 11, 28, 15, 0, 0, TimeSpan.Zero));
        await using var h = new DeliveryHarness(new Dictionary<string, string?>
        {
            ["Notifications:Webhooks:0:Url"] = "http://127.0.0.1:9/hook",
            ["Notifications:Webhooks:0:Secret"] = StandardWebhooksSpec.NewSecret(1),
            ["Notifications:Webhooks:0:Cooldown"] = "00:30:00",
        }, today);
        var day1 = new DateTimeOffset(2025, 1, 27, 14, 31, 0, TimeSpan.Zero);

        Assert.Equal(1, await h.Planner.PlanAsync(Alerts.Drop("NVDA", Severities.Warning, alertId: "nvda-1", at: day1)));
        today.Advance(TimeSpan.FromSeconds(2));
        await h.Dispatcher.DispatchDueAsync(); // housekeeping runs here
        Assert.Equal(0, await h.Planner.PlanAsync(Alerts.Drop("NVDA", Severities.Warning, alertId: "nvda-2", at: day1.AddMinutes(5))));
    }

    [Fact]
    public async Task A_sector_shock_has_its_own_cooldown_per_group()
    {
        await using var h = Harness(("Cooldown", "00:30:00"));

        Assert.Equal(1, await h.Planner.PlanAsync(Alerts.Drop("NVDA", Severities.Critical)));
        Assert.Equal(1, await h.Planner.PlanAsync(Alerts.SectorShock("NVDA", "AVGO")));
        Assert.Equal(0, await h.Planner.PlanAsync(Alerts.SectorShock("NVDA", "AMD") with { AlertId = "another-shock" }));
    }

    [Fact]
    public async Task Quiet_hours_in_New_York_defer_a_delivery_to_their_end_unless_it_is_critical()
    {
        await using var h = Harness(("QuietHours:Start", "09:00"), ("QuietHours:End", "12:00"), ("Cooldown", "00:00:00"));
        // The harness starts at 10:00 New York (15:00 UTC on 27 Jan 2025, EST).

        await h.Planner.PlanAsync(Alerts.Drop("NVDA", Severities.Warning));
        await h.Planner.PlanAsync(Alerts.Drop("AVGO", Severities.Critical));

        var pending = await h.Store.ListPendingAsync(10);
        Assert.Equal(DeliveryHarness.Start, pending.Single(d => d.AlertId.StartsWith("avgo", StringComparison.Ordinal)).DueAt);
        Assert.Equal(new DateTimeOffset(2025, 1, 27, 17, 0, 0, TimeSpan.Zero), pending.Single(d => d.AlertId.StartsWith("nvda", StringComparison.Ordinal)).DueAt);
    }

    [Theory]
    [InlineData("2025-01-27T03:30:00Z", "2025-01-27T12:00:00Z")] // 22:30 New York: held to 07:00 the next morning
    [InlineData("2025-01-27T10:00:00Z", "2025-01-27T12:00:00Z")] // 05:00 New York
    [InlineData("2025-01-27T12:00:00Z", "2025-01-27T12:00:00Z")] // 07:00 New York: over
    [InlineData("2025-07-14T03:30:00Z", "2025-07-14T11:00:00Z")] // summer time: 23:30 EDT -> 07:00 EDT
    [InlineData("2025-01-27T20:00:00Z", "2025-01-27T20:00:00Z")] // 15:00 New York: outside
    public void Quiet_hours_spanning_midnight_end_at_the_next_morning(string now, string release)
    {
        var quiet = new QuietHours(new TimeOnly(22, 0), new TimeOnly(7, 0), Severities.Critical);
        var at = DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal(DateTimeOffset.Parse(release, System.Globalization.CultureInfo.InvariantCulture), quiet.ReleaseTime(at, Severities.Warning));
        Assert.Equal(at, quiet.ReleaseTime(at, Severities.Critical));
    }

    [Fact]
    public void Quiet_hours_with_no_bypass_hold_even_critical_alerts()
    {
        var quiet = new QuietHours(new TimeOnly(22, 0), new TimeOnly(7, 0), "none");
        var at = new DateTimeOffset(2025, 1, 27, 3, 30, 0, TimeSpan.Zero);

        Assert.Equal(new DateTimeOffset(2025, 1, 27, 12, 0, 0, TimeSpan.Zero), quiet.ReleaseTime(at, Severities.Critical));
    }

    [Fact]
    public async Task Two_dispatchers_sharing_a_store_send_each_delivery_once()
    {
        await using var receiver = await TestReceiver.StartAsync();
        var store = new MemoryDeliveryStore(new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DeliveryHarness.Start), new DeliveryOptions());
        var settings = new Dictionary<string, string?>
        {
            ["Notifications:Webhooks:0:Url"] = receiver.BaseUrl + "/hook",
            ["Notifications:Webhooks:0:Secret"] = StandardWebhooksSpec.NewSecret(1),
            ["Notifications:Webhooks:0:Cooldown"] = "0:00:00",
        };
        await using var a = new DeliveryHarness(settings, sharedStore: store);
        await using var b = new DeliveryHarness(settings, a.Time, sharedStore: store);
        for (int i = 0; i < 30; i++)
            await a.Planner.PlanAsync(Alerts.Drop($"S{i}", alertId: $"alert-{i}"));

        await Task.WhenAll(a.Dispatcher.DispatchDueAsync(), b.Dispatcher.DispatchDueAsync(), a.Dispatcher.DispatchDueAsync(), b.Dispatcher.DispatchDueAsync());

        Assert.Equal(30, receiver.Requests.Count);
        Assert.Equal(30, receiver.Requests.Select(r => r.Header("webhook-id")).Distinct().Count());
    }

    [Fact]
    public async Task A_delivery_waiting_for_its_next_attempt_is_sent_by_the_next_process_that_opens_the_store()
    {
        // Stand-in for a restart on Redis: the first "process" is disposed while its delivery waits 30 minutes; a new one,
        // sharing only the store, sends it when due, once.
        await using var receiver = await TestReceiver.StartAsync();
        receiver.Respond = (i, _, ctx) =>
        {
            ctx.Response.StatusCode = i == 0 ? 503 : 200;
            if (i == 0)
                ctx.Response.Headers.RetryAfter = "1800";
            return Task.CompletedTask;
        };
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DeliveryHarness.Start);
        var store = new MemoryDeliveryStore(time, new DeliveryOptions());
        var settings = new Dictionary<string, string?>
        {
            ["Notifications:Webhooks:0:Url"] = receiver.BaseUrl + "/hook",
            ["Notifications:Webhooks:0:Secret"] = StandardWebhooksSpec.NewSecret(1),
            ["Notifications:Delivery:Jitter"] = "0",
        };
        await using (var before = new DeliveryHarness(settings, time, store))
        {
            await before.Planner.PlanAsync(Alerts.Drop());
            await before.Dispatcher.DispatchDueAsync();
        }
        time.Advance(TimeSpan.FromMinutes(30));
        await using (var after = new DeliveryHarness(settings, time, store))
        {
            await after.Planner.PlanAsync(Alerts.Drop()); // the alert redelivered by the bus after the restart
            await after.Dispatcher.DispatchDueAsync();
            time.Advance(TimeSpan.FromHours(1));
            await after.Dispatcher.DispatchDueAsync();
        }

        Assert.Equal(2, receiver.Requests.Count);
        Assert.Equal(receiver.Requests[0].Header("webhook-id"), receiver.Requests[1].Header("webhook-id"));
    }
}

public sealed class DeliveryDispatcherHostingTests
{
    [Fact]
    public async Task The_hosted_dispatcher_sends_on_its_poll_interval_of_the_time_provider()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var h = new DeliveryHarness(new Dictionary<string, string?>
        {
            ["Notifications:Webhooks:0:Url"] = receiver.BaseUrl + "/hook",
            ["Notifications:Webhooks:0:Secret"] = StandardWebhooksSpec.NewSecret(1),
            ["Notifications:Delivery:PollInterval"] = "00:00:02",
        });
        var hosted = Assert.Single(h.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>());
        await hosted.StartAsync(CancellationToken.None);
        try
        {
            await h.Planner.PlanAsync(Alerts.Drop());
            Assert.Empty(receiver.Requests);

            h.Time.Advance(TimeSpan.FromSeconds(2));
            await receiver.WaitForRequestsAsync(1);

            Assert.Single(receiver.Requests);
        }
        finally
        {
            await hosted.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_stored_delivery_whose_alert_cannot_be_read_is_set_aside_as_a_dead_letter()
    {
        await using var h = new DeliveryHarness(new Dictionary<string, string?>
        {
            ["Notifications:Webhooks:0:Name"] = "hook",
            ["Notifications:Webhooks:0:Url"] = "http://127.0.0.1:9/hook",
            ["Notifications:Webhooks:0:Secret"] = StandardWebhooksSpec.NewSecret(1),
        });
        await h.Planner.PlanAsync(Alerts.Drop());
        var stored = (await h.Store.ListPendingAsync(1))[0];
        await h.Store.SaveAsync(stored with { Alert = "{not json" });

        await h.Dispatcher.DispatchDueAsync();

        var dead = Assert.Single(await h.Operations.ListDeadLettersAsync());
        Assert.Equal("the stored alert could not be read", dead.DeadLetterReason);
    }
}

public sealed class DeliveryClockTests
{
    [Fact]
    public async Task A_keyed_delivery_clock_times_and_signs_deliveries_while_the_pipeline_runs_on_a_virtual_clock()
    {
        await using var receiver = await TestReceiver.StartAsync();
        var virtualClock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2025, 1, 27, 14, 31, 0, TimeSpan.Zero));
        var wallClock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 11, 28, 15, 0, 0, TimeSpan.Zero));
        var configuration = new Microsoft.Extensions.Configuration.ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Notifications:Webhooks:0:Url"] = receiver.BaseUrl + "/hook",
            ["Notifications:Webhooks:0:Secret"] = StandardWebhooksSpec.NewSecret(1),
        }).Build();
        await using var services = new ServiceCollection()
            .AddSingleton<TimeProvider>(virtualClock)
            .AddKeyedSingleton<TimeProvider>(DeliveryServiceCollectionExtensions.ClockKey, wallClock)
            .AddLogging()
            .AddDelivery(configuration)
            .BuildServiceProvider();

        await services.GetRequiredService<DeliveryPlanner>().PlanAsync(Alerts.Drop(replay: true));
        await services.GetRequiredService<DeliveryDispatcher>().DispatchDueAsync();

        var request = Assert.Single(receiver.Requests);
        Assert.Equal(wallClock.GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), request.Header("webhook-timestamp"));
    }
}
