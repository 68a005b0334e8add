using DeepSeekWatch.Alerts;
using DeepSeekWatch.Contracts;

namespace DeepSeekWatch.Tests.Alerts;

public sealed class MemoryAlertStoreTests : AlertStoreContract
{
    protected override IAlertStore CreateStore(StoreOptions options) => new MemoryAlertStore(Microsoft.Extensions.Options.Options.Create(options), Time);

    [Fact]
    public async Task An_alert_expires_after_the_retention_from_its_last_write()
    {
        var store = CreateStore(new StoreOptions { Retention = TimeSpan.FromDays(1) });
        await store.UpsertAsync(Make("a1", "NVDA", "semiconductors", AlertKinds.Drop, new DateTimeOffset(2025, 1, 27, 21, 0, 0, TimeSpan.Zero)));
        Time.Advance(TimeSpan.FromHours(23));
        Assert.NotNull(await store.GetAsync("a1"));
        Time.Advance(TimeSpan.FromHours(2));
        Assert.Null(await store.GetAsync("a1"));
        Assert.Empty(await store.QueryAsync(new AlertQuery()));
    }
}
