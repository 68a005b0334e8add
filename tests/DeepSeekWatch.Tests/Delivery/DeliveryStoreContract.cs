using DeepSeekWatch.Alerts;
using DeepSeekWatch.Delivery;

namespace DeepSeekWatch.Tests.Delivery;

/// <summary>
/// What every <see cref="IDeliveryStore"/> must do, written once. <see cref="MemoryDeliveryStoreTests"/> runs it here;
/// an integration test project can run it against Redis by linking this file (it needs nothing else from this
/// project), subclassing it and creating a <see cref="RedisDeliveryStore"/> over a private server and key prefix.
/// </summary>
public abstract class DeliveryStoreContract
{
    protected static readonly DateTimeOffset T0 = new(2025, 1, 27, 15, 0, 0, TimeSpan.Zero);

    private protected abstract IDeliveryStore CreateStore();

    private static DeliveryRecord Record(string id, DateTimeOffset due, string route = "hook") => new()
    {
        Id = id,
        WebhookId = "msg_" + id,
        Route = route,
        RouteKind = RouteKinds.Webhook,
        AlertId = "alert-" + id,
        Revision = 1,
        Alert = AlertJson.Serialize(new DeepSeekWatch.Contracts.Alert
        {
            AlertId = "alert-" + id,
            Revision = 1,
            Kind = "drop",
            Symbol = "NVDA",
            Group = "semiconductors",
            Severity = "critical",
            At = T0,
            Session = new DateOnly(2025, 1, 27),
        }),
        Severity = "critical",
        CreatedAt = T0,
        DueAt = due,
    };

    [Fact]
    public async Task Enqueueing_the_same_delivery_twice_keeps_the_first()
    {
        var store = CreateStore();

        Assert.True(await store.EnqueueAsync(Record("a", T0)));
        Assert.False(await store.EnqueueAsync(Record("a", T0.AddHours(1)) with { Severity = "watch" }));

        var stored = await store.GetAsync("a");
        Assert.Equal("critical", stored!.Severity);
        Assert.Equal(T0, stored.DueAt);
        Assert.Single(await store.ListPendingAsync(10));
    }

    [Fact]
    public async Task Only_due_deliveries_are_claimed_soonest_first_and_a_claim_hides_them_for_the_lease()
    {
        var store = CreateStore();
        await store.EnqueueAsync(Record("late", T0.AddMinutes(5)));
        await store.EnqueueAsync(Record("b", T0.AddSeconds(-1)));
        await store.EnqueueAsync(Record("a", T0.AddSeconds(-2)));

        var first = await store.ClaimDueAsync(T0, TimeSpan.FromSeconds(40), 10);
        Assert.Equal(["a", "b"], first.Select(d => d.Id).ToArray());
        Assert.Empty(await store.ClaimDueAsync(T0.AddSeconds(39), TimeSpan.FromSeconds(40), 10));
        // A claimer that never came back: its deliveries return when the lease ends.
        var again = await store.ClaimDueAsync(T0.AddSeconds(40), TimeSpan.FromSeconds(40), 10);
        Assert.Equal(["a", "b"], again.Select(d => d.Id).ToArray());
        // The second claimer did not come back either: by 5 min everything is due, earliest first.
        Assert.Equal(["a", "b", "late"], (await store.ClaimDueAsync(T0.AddMinutes(5), TimeSpan.FromSeconds(40), 10)).Select(d => d.Id).ToArray());
    }

    [Fact]
    public async Task A_claim_takes_at_most_the_batch_size()
    {
        var store = CreateStore();
        for (int i = 0; i < 5; i++)
            await store.EnqueueAsync(Record($"d{i}", T0));

        Assert.Equal(3, (await store.ClaimDueAsync(T0, TimeSpan.FromMinutes(1), 3)).Count);
        Assert.Equal(2, (await store.ClaimDueAsync(T0, TimeSpan.FromMinutes(1), 3)).Count);
    }

    [Fact]
    public async Task Concurrent_claims_never_hand_out_the_same_delivery()
    {
        var store = CreateStore();
        for (int i = 0; i < 40; i++)
            await store.EnqueueAsync(Record($"d{i:00}", T0));

        var claims = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => store.ClaimDueAsync(T0, TimeSpan.FromMinutes(1), 7))));

        var ids = claims.SelectMany(c => c).Select(d => d.Id).ToList();
        Assert.Equal(40, ids.Count);
        Assert.Equal(40, ids.Distinct().Count());
    }

    [Fact]
    public async Task Saving_reschedules_completes_or_dead_letters_and_a_re_drive_brings_a_dead_letter_back()
    {
        var store = CreateStore();
        await store.EnqueueAsync(Record("retry", T0));
        await store.EnqueueAsync(Record("done", T0));
        await store.EnqueueAsync(Record("dead", T0));
        await store.ClaimDueAsync(T0, TimeSpan.FromMinutes(1), 10);

        await store.SaveAsync((await store.GetAsync("retry"))! with { Attempts = 1, DueAt = T0.AddMinutes(5) });
        await store.SaveAsync((await store.GetAsync("done"))! with { Attempts = 1, State = DeliveryStates.Delivered, CompletedAt = T0 });
        await store.SaveAsync((await store.GetAsync("dead"))! with { Attempts = 8, State = DeliveryStates.DeadLettered, CompletedAt = T0, DeadLetterReason = "exhausted" });

        Assert.Equal(["retry"], (await store.ListPendingAsync(10)).Select(d => d.Id).ToArray());
        var dead = Assert.Single(await store.ListDeadLettersAsync(10));
        Assert.Equal(("dead", 8, "exhausted"), (dead.Id, dead.Attempts, dead.DeadLetterReason));
        Assert.Equal(DeliveryStates.Delivered, (await store.GetAsync("done"))!.State);
        Assert.Empty(await store.ClaimDueAsync(T0.AddMinutes(4), TimeSpan.FromMinutes(1), 10));
        Assert.Equal(["retry"], (await store.ClaimDueAsync(T0.AddMinutes(5), TimeSpan.FromMinutes(1), 10)).Select(d => d.Id).ToArray());

        await store.SaveAsync(dead with { State = DeliveryStates.Pending, Attempts = 0, DueAt = T0.AddMinutes(10), CompletedAt = null, DeadLetterReason = null });
        Assert.Empty(await store.ListDeadLettersAsync(10));
        // "retry" was claimed at 5 min and never saved: its lease ran out at 6 min, so it is due again too.
        Assert.Equal(["retry", "dead"], (await store.ClaimDueAsync(T0.AddMinutes(10), TimeSpan.FromMinutes(1), 10)).Select(d => d.Id).ToArray());
    }

    [Fact]
    public async Task Dead_letters_are_listed_oldest_first()
    {
        var store = CreateStore();
        foreach (var (id, at) in new[] { ("x", T0.AddMinutes(2)), ("y", T0), ("z", T0.AddMinutes(1)) })
        {
            await store.EnqueueAsync(Record(id, T0));
            await store.SaveAsync(Record(id, T0) with { State = DeliveryStates.DeadLettered, CompletedAt = at });
        }

        Assert.Equal(["y", "z", "x"], (await store.ListDeadLettersAsync(10)).Select(d => d.Id).ToArray());
    }

    [Fact]
    public async Task The_plan_state_only_moves_forward_and_remembers_a_send()
    {
        var store = CreateStore();

        Assert.Null(await store.GetPlanStateAsync("hook", "a1"));
        Assert.True(await store.TryAdvancePlanAsync("hook", "a1", 1, sent: true, T0));
        Assert.False(await store.TryAdvancePlanAsync("hook", "a1", 1, sent: true, T0));
        Assert.True(await store.TryAdvancePlanAsync("hook", "a1", 3, sent: false, T0));
        Assert.False(await store.TryAdvancePlanAsync("hook", "a1", 2, sent: true, T0));

        Assert.Equal(new PlanState(3, Sent: true), await store.GetPlanStateAsync("hook", "a1"));
        Assert.Null(await store.GetPlanStateAsync("other-hook", "a1"));
    }

    [Fact]
    public async Task A_cooldown_holds_back_equal_or_lower_severity_from_other_alerts_until_it_ends()
    {
        var store = CreateStore();
        var until = T0.AddMinutes(30);

        Assert.True(await store.TryTakeCooldownAsync("hook", "NVDA", new CooldownEntry("a", 2, until), T0));
        Assert.False(await store.TryTakeCooldownAsync("hook", "NVDA", new CooldownEntry("b", 2, T0.AddMinutes(31)), T0.AddMinutes(1)));
        Assert.False(await store.TryTakeCooldownAsync("hook", "NVDA", new CooldownEntry("c", 1, T0.AddMinutes(31)), T0.AddMinutes(1)));
        Assert.True(await store.TryTakeCooldownAsync("hook", "NVDA", new CooldownEntry("a", 2, T0.AddMinutes(31)), T0.AddMinutes(1)));
        Assert.True(await store.TryTakeCooldownAsync("hook", "AVGO", new CooldownEntry("d", 2, until), T0));
        Assert.True(await store.TryTakeCooldownAsync("other", "NVDA", new CooldownEntry("e", 1, until), T0));
        Assert.True(await store.TryTakeCooldownAsync("hook", "NVDA", new CooldownEntry("f", 3, T0.AddMinutes(40)), T0.AddMinutes(10)));
        Assert.False(await store.TryTakeCooldownAsync("hook", "NVDA", new CooldownEntry("g", 3, T0.AddMinutes(45)), T0.AddMinutes(15)));
        Assert.True(await store.TryTakeCooldownAsync("hook", "NVDA", new CooldownEntry("h", 1, T0.AddMinutes(70)), T0.AddMinutes(40)));
    }

    [Fact]
    public async Task A_disabled_route_stays_disabled_until_cleared()
    {
        var store = CreateStore();

        Assert.Null(await store.GetDisabledFingerprintAsync("hook"));
        await store.SetDisabledAsync("hook", "abc123");
        Assert.Equal("abc123", await store.GetDisabledFingerprintAsync("hook"));
        Assert.Null(await store.GetDisabledFingerprintAsync("other"));
        await store.SetDisabledAsync("hook", null);
        Assert.Null(await store.GetDisabledFingerprintAsync("hook"));
    }
}

public sealed class MemoryDeliveryStoreTests : DeliveryStoreContract
{
    private protected override IDeliveryStore CreateStore() =>
        new MemoryDeliveryStore(new Microsoft.Extensions.Time.Testing.FakeTimeProvider(T0), new DeliveryOptions());
}
