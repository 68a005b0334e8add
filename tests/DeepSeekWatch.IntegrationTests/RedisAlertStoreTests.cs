using DeepSeekWatch.Alerts;
using DeepSeekWatch.Tests.Alerts;
using StackExchange.Redis;

namespace DeepSeekWatch.IntegrationTests;

[Collection(nameof(ServersCollection))]
public sealed class RedisAlertStoreTests : AlertStoreContract, IDisposable
{
    private readonly ConnectionMultiplexer _redis = ConnectionMultiplexer.Connect(Servers.Instance.RedisConfiguration);

    protected override IAlertStore CreateStore(StoreOptions options)
    {
        options.Kind = StoreOptions.RedisKind;
        options.Redis.KeyPrefix = $"t{Guid.NewGuid():N}:";
        return new RedisAlertStore(_redis, Microsoft.Extensions.Options.Options.Create(options));
    }

    [Fact]
    public async Task An_alert_expires_after_the_retention_and_its_index_entries_go_with_it()
    {
        var options = new StoreOptions { Retention = TimeSpan.FromMilliseconds(300) };
        var store = CreateStore(options);
        await store.UpsertAsync(Make("a1", "NVDA", "semiconductors", Contracts.AlertKinds.Drop, new DateTimeOffset(2025, 1, 27, 21, 0, 0, TimeSpan.Zero)));
        var db = _redis.GetDatabase();
        Assert.True(await db.KeyExistsAsync($"{options.Redis.KeyPrefix}alert:a1"));
        // Redis expires the key on its own clock; wait for that condition, bounded.
        var until = DateTime.UtcNow.AddSeconds(10);
        while (await db.KeyExistsAsync($"{options.Redis.KeyPrefix}alert:a1") && DateTime.UtcNow < until)
            await Task.Delay(50);
        Assert.Null(await store.GetAsync("a1"));
        Assert.Empty(await store.QueryAsync(new AlertQuery()));
        Assert.Equal(0, await db.SortedSetLengthAsync($"{options.Redis.KeyPrefix}alerts:by-time"));
    }

    public void Dispose() => _redis.Dispose();
}

[CollectionDefinition(nameof(ServersCollection))]
public sealed class ServersCollection;
