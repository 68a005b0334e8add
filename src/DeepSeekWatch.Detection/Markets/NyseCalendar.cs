namespace DeepSeekWatch.Detection.Markets;

/// <summary>Where a moment falls in the NYSE trading day.</summary>
public enum MarketPhase
{
    Closed,
    PreMarket,
    Regular,
    AfterHours,
}

/// <summary>
/// The NYSE calendar as pure code: full-day holidays (NYSE Rule 7.2 with its weekend observance), special closures,
/// 13:00 early closes, and the extended sessions (pre-market from 04:00, after-hours to 20:00 America/New_York).
/// All inputs and outputs are UTC <see cref="DateTimeOffset"/>s or New York session dates.
/// </summary>
public static class NyseCalendar
{
    public static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");

    public static readonly TimeOnly PreMarketOpen = new(4, 0);
    public static readonly TimeOnly RegularOpenTime = new(9, 30);
    public static readonly TimeOnly RegularCloseTime = new(16, 0);
    public static readonly TimeOnly EarlyCloseTime = new(13, 0);
    public static readonly TimeOnly AfterHoursClose = new(20, 0);

    /// <summary>On early-close days the late session ends at 17:00 instead of 20:00.</summary>
    public static readonly TimeOnly EarlyCloseAfterHoursClose = new(17, 0);

    /// <summary>Unscheduled closures (national days of mourning, weather, 9/11).</summary>
    private static readonly HashSet<DateOnly> SpecialClosures =
    [
        new(2001, 9, 11), new(2001, 9, 12), new(2001, 9, 13), new(2001, 9, 14),
        new(2004, 6, 11), // President Reagan
        new(2007, 1, 2), // President Ford
        new(2012, 10, 29), new(2012, 10, 30), // Hurricane Sandy
        new(2018, 12, 5), // President G. H. W. Bush
        new(2025, 1, 9), // President Carter
    ];

    /// <summary>The trading date a moment belongs to: its calendar date in America/New_York.</summary>
    public static DateOnly SessionDate(DateTimeOffset moment) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(moment, NewYork).DateTime);

    public static bool IsWeekend(DateOnly date) => date.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday;

    public static bool IsTradingDay(DateOnly date) => !IsWeekend(date) && !IsHoliday(date);

    /// <summary>A weekday on which the exchange is closed all day.</summary>
    public static bool IsHoliday(DateOnly date) =>
        !IsWeekend(date) && (SpecialClosures.Contains(date) || HolidaysOf(date.Year).Contains(date));

    /// <summary>A trading day on which the regular session ends at 13:00.</summary>
    public static bool IsEarlyClose(DateOnly date)
    {
        if (!IsTradingDay(date))
            return false;
        // The day before Independence Day, when 4 July falls Tuesday to Friday (3 July is then Monday to Thursday).
        if (date.Month == 7 && date.Day == 3)
            return true;
        // Christmas Eve, Monday to Thursday (a Friday Christmas Eve is the observed Christmas holiday).
        if (date.Month == 12 && date.Day == 24)
            return true;
        // The day after Thanksgiving.
        return date == Thanksgiving(date.Year).AddDays(1);
    }

    /// <summary>Trading sessions after <paramref name="from"/> up to and including <paramref name="to"/> (1 from one session to the next, whatever weekend or holiday lies between).</summary>
    public static int SessionsBetween(DateOnly from, DateOnly to)
    {
        var n = 0;
        for (var d = from.AddDays(1); d <= to; d = d.AddDays(1))
        {
            if (IsTradingDay(d))
                n++;
        }
        return n;
    }

    public static DateOnly PreviousTradingDay(DateOnly date)
    {
        var d = date.AddDays(-1);
        while (!IsTradingDay(d))
            d = d.AddDays(-1);
        return d;
    }

    public static DateOnly NextTradingDay(DateOnly date)
    {
        var d = date.AddDays(1);
        while (!IsTradingDay(d))
            d = d.AddDays(1);
        return d;
    }

    /// <summary>09:30 New York on <paramref name="date"/>, in UTC. Defined for any date; check <see cref="IsTradingDay"/> first.</summary>
    public static DateTimeOffset RegularOpen(DateOnly date) => AtNewYork(date, RegularOpenTime);

    /// <summary>16:00 New York (13:00 on an early-close day) on <paramref name="date"/>, in UTC.</summary>
    public static DateTimeOffset RegularClose(DateOnly date) => AtNewYork(date, IsEarlyClose(date) ? EarlyCloseTime : RegularCloseTime);

    public static DateTimeOffset PreMarketStart(DateOnly date) => AtNewYork(date, PreMarketOpen);

    public static DateTimeOffset AfterHoursEnd(DateOnly date) =>
        AtNewYork(date, IsEarlyClose(date) ? EarlyCloseAfterHoursClose : AfterHoursClose);

    public static MarketPhase Phase(DateTimeOffset moment)
    {
        var date = SessionDate(moment);
        if (!IsTradingDay(date))
            return MarketPhase.Closed;
        if (moment < PreMarketStart(date))
            return MarketPhase.Closed;
        if (moment < RegularOpen(date))
            return MarketPhase.PreMarket;
        if (moment < RegularClose(date))
            return MarketPhase.Regular;
        if (moment < AfterHoursEnd(date))
            return MarketPhase.AfterHours;
        return MarketPhase.Closed;
    }

    /// <summary>A New York wall-clock time on a date, as UTC (wall times of 04:00 and later never fall in a DST gap).</summary>
    public static DateTimeOffset AtNewYork(DateOnly date, TimeOnly time)
    {
        var local = date.ToDateTime(time, DateTimeKind.Unspecified);
        var offset = NewYork.GetUtcOffset(local);
        return new DateTimeOffset(local, offset).ToUniversalTime();
    }

    /// <summary>Converts a naive America/New_York wall-clock time (e.g. Alpha Vantage's) to UTC.</summary>
    public static DateTimeOffset FromNewYorkWallClock(DateTime local)
    {
        var unspecified = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        return new DateTimeOffset(unspecified, NewYork.GetUtcOffset(unspecified)).ToUniversalTime();
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, HashSet<DateOnly>> Cache = new();

    private static HashSet<DateOnly> HolidaysOf(int year) => Cache.GetOrAdd(year, ComputeHolidays);

    private static HashSet<DateOnly> ComputeHolidays(int year)
    {
        var days = new HashSet<DateOnly>();
        // New Year's Day: Sunday moves to Monday; Saturday is not observed (Rule 7.2: it would fall in the old year).
        var newYear = new DateOnly(year, 1, 1);
        if (newYear.DayOfWeek == DayOfWeek.Sunday)
            days.Add(newYear.AddDays(1));
        else if (newYear.DayOfWeek != DayOfWeek.Saturday)
            days.Add(newYear);
        days.Add(NthWeekday(year, 1, DayOfWeek.Monday, 3)); // Martin Luther King Jr. Day
        days.Add(NthWeekday(year, 2, DayOfWeek.Monday, 3)); // Washington's Birthday
        days.Add(Easter(year).AddDays(-2)); // Good Friday
        days.Add(LastWeekday(year, 5, DayOfWeek.Monday)); // Memorial Day
        if (year >= 2022)
            days.Add(Observed(new DateOnly(year, 6, 19))); // Juneteenth
        days.Add(Observed(new DateOnly(year, 7, 4))); // Independence Day
        days.Add(NthWeekday(year, 9, DayOfWeek.Monday, 1)); // Labor Day
        days.Add(Thanksgiving(year));
        days.Add(Observed(new DateOnly(year, 12, 25))); // Christmas
        return days;
    }

    private static DateOnly Thanksgiving(int year) => NthWeekday(year, 11, DayOfWeek.Thursday, 4);

    /// <summary>Saturday holidays are observed on the Friday before, Sunday holidays on the Monday after.</summary>
    private static DateOnly Observed(DateOnly date) => date.DayOfWeek switch
    {
        DayOfWeek.Saturday => date.AddDays(-1),
        DayOfWeek.Sunday => date.AddDays(1),
        _ => date,
    };

    private static DateOnly NthWeekday(int year, int month, DayOfWeek day, int n)
    {
        var first = new DateOnly(year, month, 1);
        var offset = ((int)day - (int)first.DayOfWeek + 7) % 7;
        return first.AddDays(offset + (7 * (n - 1)));
    }

    private static DateOnly LastWeekday(int year, int month, DayOfWeek day)
    {
        var last = new DateOnly(year, month, DateTime.DaysInMonth(year, month));
        var offset = ((int)last.DayOfWeek - (int)day + 7) % 7;
        return last.AddDays(-offset);
    }

    /// <summary>Gregorian Easter Sunday (anonymous Gregorian algorithm, Meeus/Jones/Butcher).</summary>
    private static DateOnly Easter(int year)
    {
        var a = year % 19;
        var b = year / 100;
        var c = year % 100;
        var d = b / 4;
        var e = b % 4;
        var f = (b + 8) / 25;
        var g = (b - f + 1) / 3;
        var h = ((19 * a) + b - d - g + 15) % 30;
        var i = c / 4;
        var k = c % 4;
        var l = (32 + (2 * e) + (2 * i) - h - k) % 7;
        var m = (a + (11 * h) + (22 * l)) / 451;
        var month = (h + l - (7 * m) + 114) / 31;
        var day = ((h + l - (7 * m) + 114) % 31) + 1;
        return new DateOnly(year, month, day);
    }
}
