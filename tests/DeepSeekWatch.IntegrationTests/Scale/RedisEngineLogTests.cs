using System.Text.Json;
using DeepSeekWatch.Alerts;
using DeepSeekWatch.Contracts;
using DeepSeekWatch.Hosting;
using DeepSeekWatch.Pipeline;
using StackExchange.Redis;

namespace DeepSeekWatch.IntegrationTests.Scale;

/// <summary>The detector engines' input log on the private Redis: round trip, fencing, trimming.</summary>
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

    [Fact]
    public async Task Every_message_type_round_trips_in_order_with_its_message_id()
    {
        var log = Log();
        var ids = Messages.Select(_ => Guid.NewGuid()).ToArray();
        var last = RedisEngineLog.Empty;
        var appended = new List<string>();
        for (var i = 0; i < Messages.Length; i++)
        {
            var id = await log.AppendAsync("detector-3-1", last, ids[i], Messages[i], CancellationToken.None);
            Assert.NotNull(id);
            appended.Add(id);
            last = id;
        }

        var entries = await log.ReadAsync("detector-3-1", CancellationToken.None);

        Assert.Equal(appended, entries.Select(e => e.Id));
        Assert.Equal(ids, entries.Select(e => e.MessageId));
        Assert.Equal(Messages.Select(Canonical), entries.Select(e => Canonical(e.Message)));
        Assert.Empty(await log.ReadAsync("detector-3-0", CancellationToken.None));
    }

    [Fact]
    public async Task An_append_with_a_stale_expected_id_is_fenced_and_writes_nothing()
    {
        var log = Log();
        var first = await log.AppendAsync("sector-shock-3", RedisEngineLog.Empty, Guid.NewGuid(), Messages[4], CancellationToken.None);
        Assert.NotNull(first);
        var second = await log.AppendAsync("sector-shock-3", first, Guid.NewGuid(), Messages[3], CancellationToken.None);
        Assert.NotNull(second);

        // An owner that last saw the empty log, or the first entry, is behind: fenced.
        Assert.Null(await log.AppendAsync("sector-shock-3", RedisEngineLog.Empty, Guid.NewGuid(), Messages[2], CancellationToken.None));
        Assert.Null(await log.AppendAsync("sector-shock-3", first, Guid.NewGuid(), Messages[2], CancellationToken.None));
        Assert.Null(await log.AppendAsync("sector-shock-3", "99999999999999-0", Guid.NewGuid(), Messages[2], CancellationToken.None));

        Assert.Equal(2, await _redis.GetDatabase().StreamLengthAsync(Key("sector-shock-3")));
        var entries = await log.ReadAsync("sector-shock-3", CancellationToken.None);
        Assert.Equal([first, second], entries.Select(e => e.Id));
        // The owner that is up to date still appends.
        Assert.NotNull(await log.AppendAsync("sector-shock-3", second, Guid.NewGuid(), Messages[2], CancellationToken.None));
    }

    [Fact]
    public async Task The_log_is_trimmed_to_about_LogLength_entries_oldest_first()
    {
        const int length = 1_000;
        const int appends = 3_000;
        var log = Log(length);
        var ids = new List<Guid>();
        var last = RedisEngineLog.Empty;
        for (var i = 0; i < appends; i++)
        {
            var id = Guid.NewGuid();
            ids.Add(id);
            last = await log.AppendAsync("detector", last, id, new ClockAdvanced(T.AddSeconds(i), false), CancellationToken.None)
                ?? throw new InvalidOperationException($"append {i} fenced");
        }

        var kept = await _redis.GetDatabase().StreamLengthAsync(Key("detector"));
        // MAXLEN ~ trims whole stream nodes only: never below LogLength, and not far above it.
        Assert.InRange(kept, length, length + 500);
        var entries = await log.ReadAsync("detector", CancellationToken.None);
        Assert.Equal(kept, entries.Count);
        // What is kept is the newest entries, in order and contiguous.
        Assert.Equal(ids.TakeLast(entries.Count), entries.Select(e => e.MessageId));
        Assert.Equal(last, entries[^1].Id);
    }

    [Fact]
    public async Task A_log_longer_than_one_read_page_is_read_whole_and_in_order()
    {
        const int count = 5_123;
        var log = Log();
        var ids = new List<Guid>();
        var last = RedisEngineLog.Empty;
        for (var i = 0; i < count; i++)
        {
            var id = Guid.NewGuid();
            ids.Add(id);
            last = await log.AppendAsync("detector-5-4", last, id, new ClockAdvanced(T.AddSeconds(i), false), CancellationToken.None)
                ?? throw new InvalidOperationException($"append {i} fenced");
        }

        var entries = await log.ReadAsync("detector-5-4", CancellationToken.None);

        Assert.Equal(ids, entries.Select(e => e.MessageId));
        Assert.Equal(Enumerable.Range(0, count).Select(i => T.AddSeconds(i)), entries.Select(e => ((ClockAdvanced)e.Message).Now));
    }

    public void Dispose() => _redis.Dispose();
}
