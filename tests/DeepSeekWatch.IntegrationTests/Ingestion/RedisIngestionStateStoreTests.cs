using DeepSeekWatch.Ingestion;
using StackExchange.Redis;

namespace DeepSeekWatch.IntegrationTests.Ingestion;

/// <summary>The ingestion state store on real Redis: what the pollers rely on for dedupe and backfill across restarts.</summary>
[Collection(nameof(ServersCollection))]
public sealed class RedisIngestionStateStoreTests : IDisposable
{
    private readonly ConnectionMultiplexer _redis = ConnectionMultiplexer.Connect(Servers.Instance.RedisConfiguration);
    private readonly string _prefix = $"t{Guid.NewGuid():N}:";

    private RedisIngestionStateStore Store() => new(_redis, _prefix);

    [Fact]
    public async Task A_seen_key_is_refused_by_a_second_process_until_its_TTL_passes()
    {
        Assert.True(await Store().TryMarkSeenAsync("bar:NVDA:1m:1", TimeSpan.FromMilliseconds(400), default));
        // Another instance (a restarted poller) shares the state.
        Assert.False(await Store().TryMarkSeenAsync("bar:NVDA:1m:1", TimeSpan.FromMilliseconds(400), default));
        var until = DateTime.UtcNow.AddSeconds(10);
        var again = false;
        while (!again && DateTime.UtcNow < until)
        {
            await Task.Delay(50);
            again = await Store().TryMarkSeenAsync("bar:NVDA:1m:1", TimeSpan.FromSeconds(30), default);
        }
        Assert.True(again);
    }

    [Fact]
    public async Task A_forgotten_key_can_be_marked_again()
    {
        Assert.True(await Store().TryMarkSeenAsync("h:1", TimeSpan.FromMinutes(5), default));
        await Store().ForgetAsync("h:1", default);
        Assert.True(await Store().TryMarkSeenAsync("h:1", TimeSpan.FromMinutes(5), default));
    }

    [Fact]
    public async Task Concurrent_marks_of_one_key_let_exactly_one_through()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => Store().TryMarkSeenAsync("race", TimeSpan.FromMinutes(5), default)));
        Assert.Equal(1, results.Count(r => r));
    }

    [Fact]
    public async Task The_last_bar_start_survives_a_restart_and_never_moves_backwards()
    {
        var t = new DateTimeOffset(2025, 1, 27, 14, 30, 0, TimeSpan.Zero);
        Assert.Null(await Store().GetLastBarStartAsync("NVDA", "1m", default));
        await Store().SetLastBarStartAsync("NVDA", "1m", t, default);
        await Store().SetLastBarStartAsync("NVDA", "1m", t.AddMinutes(-5), default);
        await Store().SetLastBarStartAsync("NVDA", "5m", t.AddMinutes(-5), default);
        Assert.Equal(t, await Store().GetLastBarStartAsync("NVDA", "1m", default));
        Assert.Equal(t.AddMinutes(-5), await Store().GetLastBarStartAsync("NVDA", "5m", default));
        Assert.Null(await Store().GetLastBarStartAsync("AVGO", "1m", default));
    }

    public void Dispose() => _redis.Dispose();
}
