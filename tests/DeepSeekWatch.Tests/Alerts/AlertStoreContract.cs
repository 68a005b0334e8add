using DeepSeekWatch.Alerts;
using DeepSeekWatch.Contracts;
using Microsoft.Extensions.Time.Testing;

namespace DeepSeekWatch.Tests.Alerts;

/// <summary>The behaviour every alert store has; run against the memory store here and against real Redis in the integration tests.</summary>
public abstract class AlertStoreContract
{
    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero));

    protected abstract IAlertStore CreateStore(StoreOptions options);

    protected static Alert Make(string id, string? symbol, string group, string kind, DateTimeOffset at, int revision = 1, params string[] members) => new()
    {
        AlertId = id,
        Revision = revision,
        Kind = kind,
        Symbol = symbol,
        Group = group,
        Members = members,
        Severity = Severities.Critical,
        At = at,
        Session = DateOnly.FromDateTime(at.UtcDateTime),
        Price = 118.42m,
        ReferencePrice = 142.62m,
        ReturnPct = -16.97,
        Benchmark = "SPY",
        Headlines = revision > 1 ? [new AlertHeadline("DeepSeek", "https://example.com", "Fortune", at.AddHours(-1), 2, ["DeepSeek"])] : [],
    };

    private static readonly DateTimeOffset T0 = new(2025, 1, 27, 21, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Writing_the_same_alert_twice_stores_it_once()
    {
        var store = CreateStore(new StoreOptions());
        var alert = Make("a1", "NVDA", "semiconductors", AlertKinds.Drop, T0);
        Assert.Equal(AlertWriteOutcome.Inserted, await store.UpsertAsync(alert));
        Assert.Equal(AlertWriteOutcome.Unchanged, await store.UpsertAsync(alert));
        Assert.Single(await store.QueryAsync(new AlertQuery()));
        Assert.Single(await store.ReadStreamAsync(100));
    }

    [Fact]
    public async Task A_higher_revision_replaces_the_alert_and_an_older_one_changes_nothing()
    {
        var store = CreateStore(new StoreOptions());
        await store.UpsertAsync(Make("a1", "NVDA", "semiconductors", AlertKinds.Drop, T0));
        Assert.Equal(AlertWriteOutcome.Revised, await store.UpsertAsync(Make("a1", "NVDA", "semiconductors", AlertKinds.AiNewsDrop, T0, revision: 2)));
        Assert.Equal(AlertWriteOutcome.Unchanged, await store.UpsertAsync(Make("a1", "NVDA", "semiconductors", AlertKinds.Drop, T0, revision: 1)));
        var stored = await store.GetAsync("a1");
        Assert.Equal((2, AlertKinds.AiNewsDrop), (stored!.Revision, stored.Kind));
        Assert.Single(stored.Headlines);
        // The kind index follows the revision.
        Assert.Empty(await store.QueryAsync(new AlertQuery(Kind: AlertKinds.Drop)));
        Assert.Single(await store.QueryAsync(new AlertQuery(Kind: AlertKinds.AiNewsDrop)));
    }

    [Fact]
    public async Task A_stored_alert_reads_back_equal_field_for_field()
    {
        var store = CreateStore(new StoreOptions());
        var alert = Make("a1", "NVDA", "semiconductors", AlertKinds.AiNewsDrop, T0, revision: 2) with { AbnormalReturnPct = -15.5, ZScore = -6.1, Replay = true };
        await store.UpsertAsync(alert);
        Assert.Equal(AlertJson.Serialize(alert), AlertJson.Serialize((await store.GetAsync("a1"))!));
        Assert.Null(await store.GetAsync("missing"));
    }

    [Fact]
    public async Task Queries_filter_by_symbol_group_kind_and_since_newest_first_up_to_the_limit()
    {
        var store = CreateStore(new StoreOptions());
        await store.UpsertAsync(Make("n1", "NVDA", "semiconductors", AlertKinds.AiNewsDrop, T0.AddDays(-3)));
        await store.UpsertAsync(Make("n2", "NVDA", "semiconductors", AlertKinds.Drop, T0));
        await store.UpsertAsync(Make("m1", "MSFT", "magnificent-seven", AlertKinds.Drop, T0.AddDays(-1)));
        await store.UpsertAsync(Make("s1", null, "semiconductors", AlertKinds.SectorShock, T0.AddHours(1), 1, "NVDA", "AVGO", "TSM"));

        Assert.Equal(["s1", "n2", "m1", "n1"], (await store.QueryAsync(new AlertQuery())).Select(a => a.AlertId));
        Assert.Equal(["s1", "n2", "n1"], (await store.QueryAsync(new AlertQuery(Symbol: "NVDA"))).Select(a => a.AlertId));
        Assert.Equal(["s1"], (await store.QueryAsync(new AlertQuery(Symbol: "AVGO"))).Select(a => a.AlertId));
        Assert.Equal(["m1"], (await store.QueryAsync(new AlertQuery(Group: "magnificent-seven"))).Select(a => a.AlertId));
        Assert.Equal(["n2", "m1"], (await store.QueryAsync(new AlertQuery(Kind: AlertKinds.Drop))).Select(a => a.AlertId));
        Assert.Equal(["s1", "n2"], (await store.QueryAsync(new AlertQuery(Since: T0))).Select(a => a.AlertId));
        Assert.Equal(["s1", "n2"], (await store.QueryAsync(new AlertQuery(Limit: 2))).Select(a => a.AlertId));
        Assert.Equal(["n2"], (await store.QueryAsync(new AlertQuery(Symbol: "NVDA", Kind: AlertKinds.Drop))).Select(a => a.AlertId));
    }

    [Fact]
    public async Task The_stream_holds_each_write_in_order_and_is_capped()
    {
        var store = CreateStore(new StoreOptions { StreamMaxLength = 3 });
        for (var i = 0; i < 5; i++)
            await store.UpsertAsync(Make($"a{i}", "NVDA", "semiconductors", AlertKinds.Drop, T0.AddMinutes(i)));
        var stream = await store.ReadStreamAsync(2);
        Assert.Equal(["a3", "a4"], stream.Select(a => a.AlertId));
        // Redis trims approximately (MAXLEN ~); the cap bounds the stream, not to the exact entry.
        Assert.InRange((await store.ReadStreamAsync(1000)).Count, 3, 5);
    }

    [Fact]
    public async Task A_store_answers_a_ping()
    {
        Assert.True(await CreateStore(new StoreOptions()).PingAsync());
    }
}
