using DeepSeekWatch.Detection.Markets;
using Microsoft.Extensions.Time.Testing;

namespace DeepSeekWatch.Detection.Tests.Markets;

/// <summary>
/// Expected dates come from the NYSE's published holiday and early-close schedules (nyse.com/markets/hours-calendars)
/// for 2025–2027, and the 9 Jan 2025 closure for President Carter's national day of mourning.
/// </summary>
public class NyseCalendarTests
{
    private static DateTimeOffset Utc(int y, int mo, int d, int h, int mi) => new(y, mo, d, h, mi, 0, TimeSpan.Zero);

    public static TheoryData<string> PublishedHolidays => new()
    {
        "2025-01-01", "2025-01-09", "2025-01-20", "2025-02-17", "2025-04-18", "2025-05-26", "2025-06-19", "2025-07-04",
        "2025-09-01", "2025-11-27", "2025-12-25",
        "2026-01-01", "2026-01-19", "2026-02-16", "2026-04-03", "2026-05-25", "2026-06-19", "2026-07-03", "2026-09-07",
        "2026-11-26", "2026-12-25",
        "2027-01-01", "2027-01-18", "2027-02-15", "2027-03-26", "2027-05-31", "2027-06-18", "2027-07-05", "2027-09-06",
        "2027-11-25", "2027-12-24",
    };

    [Theory]
    [MemberData(nameof(PublishedHolidays))]
    public void Published_holidays_are_not_trading_days(string date)
    {
        var d = DateOnly.Parse(date, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(NyseCalendar.IsHoliday(d));
        Assert.False(NyseCalendar.IsTradingDay(d));
    }

    [Fact]
    public void The_number_of_weekday_closures_in_2025_matches_the_published_schedule_plus_the_Carter_closure()
    {
        var closures = Enumerable.Range(0, 365).Select(i => new DateOnly(2025, 1, 1).AddDays(i)).Count(NyseCalendar.IsHoliday);
        Assert.Equal(11, closures);
    }

    [Theory]
    [InlineData("2025-07-03")]
    [InlineData("2025-11-28")]
    [InlineData("2025-12-24")]
    [InlineData("2026-11-27")]
    [InlineData("2026-12-24")]
    [InlineData("2024-07-03")]
    public void Published_early_closes_end_the_regular_session_at_13_00_New_York(string date)
    {
        var d = DateOnly.Parse(date, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(NyseCalendar.IsEarlyClose(d));
        var close = TimeZoneInfo.ConvertTime(NyseCalendar.RegularClose(d), NyseCalendar.NewYork);
        Assert.Equal(13, close.Hour);
    }

    [Theory]
    [InlineData("2026-07-02")] // 4 July 2026 is a Saturday: the holiday is Friday 3 July and 2 July is a full day
    [InlineData("2021-12-23")] // Christmas 2021 observed on Friday 24 Dec; no early close the day before
    [InlineData("2025-01-08")]
    public void Ordinary_days_next_to_holidays_close_at_16_00(string date)
    {
        var d = DateOnly.Parse(date, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(NyseCalendar.IsTradingDay(d));
        Assert.False(NyseCalendar.IsEarlyClose(d));
        Assert.Equal(16, TimeZoneInfo.ConvertTime(NyseCalendar.RegularClose(d), NyseCalendar.NewYork).Hour);
    }

    [Fact]
    public void A_new_years_day_on_saturday_is_not_observed_on_the_friday_before()
    {
        // 1 Jan 2022 was a Saturday; the NYSE traded on Friday 31 Dec 2021.
        Assert.True(NyseCalendar.IsTradingDay(new DateOnly(2021, 12, 31)));
    }

    [Fact]
    public void Across_the_MLK_holiday_the_previous_trading_day_of_tuesday_is_the_friday_before()
    {
        var clock = new FakeTimeProvider(Utc(2025, 1, 20, 15, 0)); // Monday, MLK Day, 10:00 New York
        Assert.Equal(MarketPhase.Closed, NyseCalendar.Phase(clock.GetUtcNow()));
        clock.Advance(TimeSpan.FromDays(1)); // Tuesday, 10:00 New York
        Assert.Equal(MarketPhase.Regular, NyseCalendar.Phase(clock.GetUtcNow()));
        var session = NyseCalendar.SessionDate(clock.GetUtcNow());
        Assert.Equal(new DateOnly(2025, 1, 21), session);
        Assert.Equal(new DateOnly(2025, 1, 17), NyseCalendar.PreviousTradingDay(session));
    }

    [Fact]
    public void The_Carter_closure_makes_the_previous_trading_day_of_10_January_2025_the_8th()
    {
        Assert.Equal(new DateOnly(2025, 1, 8), NyseCalendar.PreviousTradingDay(new DateOnly(2025, 1, 10)));
        Assert.Equal(new DateOnly(2025, 1, 10), NyseCalendar.NextTradingDay(new DateOnly(2025, 1, 8)));
    }

    [Fact]
    public void Phases_through_a_winter_day_follow_New_York_time_at_UTC_minus_5()
    {
        var clock = new FakeTimeProvider(Utc(2025, 1, 27, 8, 59)); // 03:59 EST
        Assert.Equal(MarketPhase.Closed, NyseCalendar.Phase(clock.GetUtcNow()));
        clock.Advance(TimeSpan.FromMinutes(1)); // 04:00
        Assert.Equal(MarketPhase.PreMarket, NyseCalendar.Phase(clock.GetUtcNow()));
        clock.SetUtcNow(Utc(2025, 1, 27, 14, 29));
        Assert.Equal(MarketPhase.PreMarket, NyseCalendar.Phase(clock.GetUtcNow()));
        clock.Advance(TimeSpan.FromMinutes(1)); // 09:30, matches Yahoo's regular period start 1737988200
        Assert.Equal(MarketPhase.Regular, NyseCalendar.Phase(clock.GetUtcNow()));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1737988200), NyseCalendar.RegularOpen(new DateOnly(2025, 1, 27)));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1738011600), NyseCalendar.RegularClose(new DateOnly(2025, 1, 27)));
        clock.SetUtcNow(Utc(2025, 1, 27, 21, 0)); // 16:00
        Assert.Equal(MarketPhase.AfterHours, NyseCalendar.Phase(clock.GetUtcNow()));
        clock.SetUtcNow(Utc(2025, 1, 28, 0, 59)); // 19:59
        Assert.Equal(MarketPhase.AfterHours, NyseCalendar.Phase(clock.GetUtcNow()));
        clock.Advance(TimeSpan.FromMinutes(1)); // 20:00
        Assert.Equal(MarketPhase.Closed, NyseCalendar.Phase(clock.GetUtcNow()));
        Assert.Equal(new DateOnly(2025, 1, 27), NyseCalendar.SessionDate(clock.GetUtcNow().AddMinutes(-1)));
    }

    [Fact]
    public void The_spring_DST_change_moves_the_open_from_14_30_to_13_30_UTC()
    {
        // DST began Sunday 9 March 2025.
        var clock = new FakeTimeProvider(Utc(2025, 3, 7, 14, 30));
        Assert.Equal(MarketPhase.Regular, NyseCalendar.Phase(clock.GetUtcNow()));
        clock.Advance(TimeSpan.FromDays(1)); // Saturday
        Assert.Equal(MarketPhase.Closed, NyseCalendar.Phase(clock.GetUtcNow()));
        clock.SetUtcNow(Utc(2025, 3, 9, 7, 30)); // the gap: 02:00 EST became 03:00 EDT
        Assert.Equal(MarketPhase.Closed, NyseCalendar.Phase(clock.GetUtcNow()));
        clock.SetUtcNow(Utc(2025, 3, 10, 13, 29));
        Assert.Equal(MarketPhase.PreMarket, NyseCalendar.Phase(clock.GetUtcNow()));
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(MarketPhase.Regular, NyseCalendar.Phase(clock.GetUtcNow()));
        Assert.Equal(Utc(2025, 3, 10, 20, 0), NyseCalendar.RegularClose(new DateOnly(2025, 3, 10)));
        Assert.Equal(Utc(2025, 3, 10, 8, 0), NyseCalendar.PreMarketStart(new DateOnly(2025, 3, 10)));
    }

    [Fact]
    public void The_autumn_DST_change_moves_the_open_from_13_30_to_14_30_UTC()
    {
        // DST ended Sunday 2 November 2025.
        var clock = new FakeTimeProvider(Utc(2025, 10, 31, 13, 30));
        Assert.Equal(MarketPhase.Regular, NyseCalendar.Phase(clock.GetUtcNow()));
        clock.SetUtcNow(Utc(2025, 11, 2, 5, 30)); // 01:30 EDT, the hour that happens twice
        Assert.Equal(new DateOnly(2025, 11, 2), NyseCalendar.SessionDate(clock.GetUtcNow()));
        Assert.Equal(MarketPhase.Closed, NyseCalendar.Phase(clock.GetUtcNow()));
        clock.SetUtcNow(Utc(2025, 11, 3, 13, 30)); // 08:30 EST
        Assert.Equal(MarketPhase.PreMarket, NyseCalendar.Phase(clock.GetUtcNow()));
        clock.SetUtcNow(Utc(2025, 11, 3, 14, 30));
        Assert.Equal(MarketPhase.Regular, NyseCalendar.Phase(clock.GetUtcNow()));
    }

    [Fact]
    public void On_an_early_close_day_the_regular_session_ends_at_13_00_and_after_hours_at_17_00()
    {
        var clock = new FakeTimeProvider(Utc(2025, 11, 28, 17, 59)); // Friday after Thanksgiving, 12:59 EST
        Assert.Equal(MarketPhase.Regular, NyseCalendar.Phase(clock.GetUtcNow()));
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(MarketPhase.AfterHours, NyseCalendar.Phase(clock.GetUtcNow()));
        clock.SetUtcNow(Utc(2025, 11, 28, 22, 0)); // 17:00 EST
        Assert.Equal(MarketPhase.Closed, NyseCalendar.Phase(clock.GetUtcNow()));
    }

    [Fact]
    public void A_weekend_is_closed_all_day_and_the_next_trading_day_is_monday()
    {
        var clock = new FakeTimeProvider(Utc(2025, 1, 25, 5, 0)); // Saturday 00:00 EST, before the DeepSeek selloff
        for (var i = 0; i < 48; i++)
        {
            Assert.Equal(MarketPhase.Closed, NyseCalendar.Phase(clock.GetUtcNow()));
            clock.Advance(TimeSpan.FromHours(1));
        }
        Assert.Equal(new DateOnly(2025, 1, 27), NyseCalendar.NextTradingDay(new DateOnly(2025, 1, 25)));
        Assert.Equal(new DateOnly(2025, 1, 24), NyseCalendar.PreviousTradingDay(new DateOnly(2025, 1, 27)));
    }

    [Fact]
    public void Naive_eastern_wall_clock_times_convert_with_the_offset_of_their_date()
    {
        Assert.Equal(Utc(2024, 8, 2, 23, 55), NyseCalendar.FromNewYorkWallClock(new DateTime(2024, 8, 2, 19, 55, 0)));
        Assert.Equal(Utc(2025, 1, 27, 14, 30), NyseCalendar.FromNewYorkWallClock(new DateTime(2025, 1, 27, 9, 30, 0)));
    }
}
