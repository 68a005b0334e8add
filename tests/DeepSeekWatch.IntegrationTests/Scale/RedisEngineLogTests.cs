using System.Text.Json;
using DeepSeekWatch.Alerts;
using DeepSeekWatch.Contracts;
using DeepSeekWatch.Hosting;
using DeepSeekWatch.Pipeline;
using StackExchange.Redis;

namespace DeepSeekWatch.IntegrationTests.Scale;

/// <summary>The detector engines' input log on the private Redis: round trip, ownership, no gaps, trimming.</summary>
[Collection(nameof(ServersCollection))]
public sealed class RedisEngineLogTests : IDisposable
{
    private readonly ConnectionMultiplexer _redis = ConnectionMultiplexer.Connect(Servers.Instance.RedisConfiguration);
    private readonly string _prefix = $"t{Guid.NewGuid():N}:";

    private RedisEngineLog Log(int logLength = 200_000) => new(
        _redis,
        Microsoft.Extensions.Options.Options.Create(new StoreOptions { Kind = StoreOptions.RedisKind, Redis = { KeyPrefix = _prefix } }),
        Microsoft.Extensions.Options.Options.Create(new ScaleOptions { LogLength = logLength }));

    private string Key(string engine) => $"{_prefix}engine:{engine}:log";

    private static readonly DateTimeOffset T = new(2025, 1, 27, 14, 35, 0, TimeSpan.Zero);

    private static readonly object[] Messages =
    [
        new PriceBarObserved("bar-NVDA-5m-1", "yahoo", "NVDA", "5m", T, T.AddMinutes(5), 130.5m, 131m, 118.25m, 118.4321m, 1_234_567, true),
        new AiHeadlineDetected("h-1", "rss", "DeepSeek R1 rattles chip stocks", "https://example.test/h-1", "Example", T.AddHours(-3), 2.75, ["deepseek", "r1"], ["NVDA"], ["semiconductors"], true),
        new ClockAdvanced(T.AddMinutes(20), false),
        new GroupMemberChanged("semiconductors", new DateOnly(2025, 1, 27), "NVDA", 1, Severities.Critical, true, -16.97,
            [new AlertHeadline("DeepSeek R1 rattles chip stocks", "https://example.test/h-1", "Example", T.AddHours(-3), 2.75, ["deepseek"])], T.AddMinutes(5), T.AddMinutes(7), true),
        new GroupProgress("semiconductors", 2, T.AddMinutes(5), new DateOnly(2025, 1, 27), T.AddMinutes(10), T.AddMinutes(11), true),
    ];

    // Records with lists compare by reference: compare what they are, as JSON, with the type.
    private static string Canonical(object message) => message.GetType().Name + " " + JsonSerializer.Serialize(message, message.GetType());

    /// <summary>Appends the messages one after another as their owner, without waiting for each reply (as a slot does).</summary>
    private static async Task<bool[]> AppendAllAsync(RedisEngineLog log, string engine, string owner, Guid? last, IReadOnlyList<(Guid Id, object Message)> messages)
    {
        var sent = new List<Task<bool>>();
        foreach (var (id, message) in messages)
        {
            sent.Add(log.AppendAsync(engine, owner, last, [new(id, message)], CancellationToken.None));
            last = id;
        }
        return await Task.WhenAll(sent);
    }

    [Fact]
    public async Task Every_message_type_round_trips_in_order_with_its_message_id()
    {
        var log = Log();
        await log.ClaimAsync("detector-3-1", "owner-a", CancellationToken.None);
        var messages = Messages.Select(m => (Id: Guid.NewGuid(), Message: m)).ToList();

        Assert.All(await AppendAllAsync(log, "detector-3-1", "owner-a", null, messages), Assert.True);

        var entries = await log.ReadAsync("detector-3-1", CancellationToken.None);
        Assert.Equal(messages.Select(m => m.Id), entries.Select(e => e.MessageId));
        Assert.Equal(Messages.Select(Canonical), entries.Select(e => Canonical(e.Message)));
        Assert.Empty(await log.ReadAsync("detector-3-0", CancellationToken.None));
    }

    [Fact]
    public async Task Only_the_last_owner_to_claim_the_log_appends_and_a_refused_append_writes_nothing()
    {
        var log = Log();
        var (m1, m2) = (Guid.NewGuid(), Guid.NewGuid());
        // Nobody has claimed it yet: refused.
        Assert.False(await log.AppendAsync("sector-shock-3", "owner-a", null, [new(m1, Messages[4])], CancellationToken.None));
        await log.ClaimAsync("sector-shock-3", "owner-a", CancellationToken.None);
        Assert.True(await log.AppendAsync("sector-shock-3", "owner-a", null, [new(m1, Messages[4])], CancellationToken.None));

        // B takes over; A, up to date with the log, is refused from now on, and B appends.
        await log.ClaimAsync("sector-shock-3", "owner-b", CancellationToken.None);
        Assert.False(await log.AppendAsync("sector-shock-3", "owner-a", m1, [new(Guid.NewGuid(), Messages[3])], CancellationToken.None));
        Assert.True(await log.AppendAsync("sector-shock-3", "owner-b", m1, [new(m2, Messages[3])], CancellationToken.None));

        Assert.Equal(2, await _redis.GetDatabase().StreamLengthAsync(Key("sector-shock-3")));
        Assert.Equal([m1, m2], (await log.ReadAsync("sector-shock-3", CancellationToken.None)).Select(e => e.MessageId));
    }

    [Fact]
    public async Task An_append_that_does_not_follow_the_last_entry_is_refused_so_the_log_never_has_a_gap()
    {
        var log = Log();
        await log.ClaimAsync("detector", "owner-a", CancellationToken.None);
        var (m1, m2, lost) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        Assert.True(await log.AppendAsync("detector", "owner-a", null, [new(m1, Messages[2])], CancellationToken.None));

        // An empty-log expectation, a message that never landed, or an older entry: refused.
        Assert.False(await log.AppendAsync("detector", "owner-a", null, [new(Guid.NewGuid(), Messages[2])], CancellationToken.None));
        Assert.False(await log.AppendAsync("detector", "owner-a", lost, [new(Guid.NewGuid(), Messages[2])], CancellationToken.None));
        Assert.True(await log.AppendAsync("detector", "owner-a", m1, [new(m2, Messages[2])], CancellationToken.None));
        Assert.False(await log.AppendAsync("detector", "owner-a", m1, [new(Guid.NewGuid(), Messages[2])], CancellationToken.None));

        Assert.Equal([m1, m2], (await log.ReadAsync("detector", CancellationToken.None)).Select(e => e.MessageId));
    }

    [Fact]
    public async Task Several_events_in_one_append_land_in_order_or_not_at_all()
    {
        var log = Log();
        await log.ClaimAsync("detector-2-0", "owner-a", CancellationToken.None);
        var batch = Messages.Select(m => new EngineEvent(Guid.NewGuid(), m)).ToList();

        Assert.True(await log.AppendAsync("detector-2-0", "owner-a", null, batch, CancellationToken.None));
        // A refused batch (stale expectation) writes none of its events.
        Assert.False(await log.AppendAsync("detector-2-0", "owner-a", batch[0].MessageId, batch, CancellationToken.None));
        var next = Messages.Take(2).Select(m => new EngineEvent(Guid.NewGuid(), m)).ToList();
        Assert.True(await log.AppendAsync("detector-2-0", "owner-a", batch[^1].MessageId, next, CancellationToken.None));

        var entries = await log.ReadAsync("detector-2-0", CancellationToken.None);
        Assert.Equal(batch.Concat(next).Select(e => e.MessageId), entries.Select(e => e.MessageId));
        Assert.Equal(batch.Concat(next).Select(e => Canonical(e.Message)), entries.Select(e => Canonical(e.Message)));
    }

    [Fact]
    public async Task The_log_is_trimmed_to_about_LogLength_entries_oldest_first()
    {
        const int length = 1_000;
        const int appends = 3_000;
        var log = Log(length);
        await log.ClaimAsync("detector", "owner-a", CancellationToken.None);
        var messages = Enumerable.Range(0, appends).Select(i => (Id: Guid.NewGuid(), Message: (object)new ClockAdvanced(T.AddSeconds(i), false))).ToList();

        Assert.All(await AppendAllAsync(log, "detector", "owner-a", null, messages), Assert.True);

        var kept = await _redis.GetDatabase().StreamLengthAsync(Key("detector"));
        // MAXLEN ~ trims whole stream nodes only: never below LogLength, and not far above it.
        Assert.InRange(kept, length, length + 500);
        var entries = await log.ReadAsync("detector", CancellationToken.None);
        Assert.Equal(kept, entries.Count);
        // What is kept is the newest entries, in order and contiguous, and the owner appends after the last of them.
        Assert.Equal(messages.TakeLast(entries.Count).Select(m => m.Id), entries.Select(e => e.MessageId));
        Assert.True(await log.AppendAsync("detector", "owner-a", messages[^1].Id, [new(Guid.NewGuid(), Messages[2])], CancellationToken.None));
    }

    [Fact]
    public async Task A_log_longer_than_one_read_page_is_read_whole_and_in_order()
    {
        const int count = 5_123;
        var log = Log();
        await log.ClaimAsync("detector-5-4", "owner-a", CancellationToken.None);
        var messages = Enumerable.Range(0, count).Select(i => (Id: Guid.NewGuid(), Message: (object)new ClockAdvanced(T.AddSeconds(i), false))).ToList();

        Assert.All(await AppendAllAsync(log, "detector-5-4", "owner-a", null, messages), Assert.True);

        var entries = await log.ReadAsync("detector-5-4", CancellationToken.None);
        Assert.Equal(messages.Select(m => m.Id), entries.Select(e => e.MessageId));
        Assert.Equal(Enumerable.Range(0, count).Select(i => T.AddSeconds(i)), entries.Select(e => ((ClockAdvanced)e.Message).Now));
    }

    public void Dispose() => _redis.Dispose();
}
