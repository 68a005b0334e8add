using DeepSeekWatch.Ingestion;
using Microsoft.Extensions.Time.Testing;

namespace DeepSeekWatch.Tests.Ingestion;

/// <summary>When the price pollers poll, on a fake clock: sessions, extended hours, early closes, holidays, weekends, DST.</summary>
public class PollingHoursTests
{
    private static DateTimeOffset Utc(int y, int mo, int d, int h, int mi) => new(y, mo, d, h, mi, 0, TimeSpan.Zero);

    private static MarketHoursOptions Hours(bool pre = true, bool post = true) =>
        new() { Enforce = true, PreMarket = pre, AfterHours = post, CloseGrace = TimeSpan.FromMinutes(5) };

    [Fact]
    public void Across_an_early_close_the_pollers_stop_five_minutes_after_the_last_session_ends()
    {
        var clock = new FakeTimeProvider(Utc(2025, 11, 28, 18, 4)); // day after Thanksgiving, 13:04 EST
        Assert.True(PricePoller.IsPollingTime(clock.GetUtcNow(), Hours(post: false)));
        clock.Advance(TimeSpan.FromMinutes(2)); // 13:06: regular session over, after-hours off
        Assert.False(PricePoller.IsPollingTime(clock.GetUtcNow(), Hours(post: false)));
        Assert.True(PricePoller.IsPollingTime(clock.GetUtcNow(), Hours()));
        clock.SetUtcNow(Utc(2025, 11, 28, 22, 6)); // 17:06: the early-close late session ended at 17:00
        Assert.False(PricePoller.IsPollingTime(clock.GetUtcNow(), Hours()));
    }

    [Fact]
    public void Pre_market_polling_starts_at_04_00_New_York_only_when_enabled_across_the_spring_DST_change()
    {
        var clock = new FakeTimeProvider(Utc(2025, 3, 7, 9, 0)); // Friday 04:00 EST
        Assert.True(PricePoller.IsPollingTime(clock.GetUtcNow(), Hours()));
        Assert.False(PricePoller.IsPollingTime(clock.GetUtcNow(), Hours(pre: false)));
        clock.SetUtcNow(Utc(2025, 3, 10, 7, 59)); // Monday 03:59 EDT (08:59 UTC would have been 03:59 EST)
        Assert.False(PricePoller.IsPollingTime(clock.GetUtcNow(), Hours()));
        clock.Advance(TimeSpan.FromMinutes(1)); // 04:00 EDT
        Assert.True(PricePoller.IsPollingTime(clock.GetUtcNow(), Hours()));
    }

    [Fact]
    public void No_price_polling_on_a_holiday_or_a_weekend_unless_market_hours_are_not_enforced()
    {
        var clock = new FakeTimeProvider(Utc(2025, 1, 20, 15, 0)); // MLK Day, 10:00 EST
        Assert.False(PricePoller.IsPollingTime(clock.GetUtcNow(), Hours()));
        clock.SetUtcNow(Utc(2025, 1, 25, 15, 0)); // Saturday
        Assert.False(PricePoller.IsPollingTime(clock.GetUtcNow(), Hours()));
        Assert.True(PricePoller.IsPollingTime(clock.GetUtcNow(), new MarketHoursOptions { Enforce = false }));
        clock.SetUtcNow(Utc(2025, 1, 27, 15, 0)); // Monday 27 Jan, 10:00 EST
        Assert.True(PricePoller.IsPollingTime(clock.GetUtcNow(), Hours(pre: false, post: false)));
    }
}
