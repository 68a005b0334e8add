namespace DeepSeekWatch.Detection;

/// <summary>Trading-session dates: all time is UTC inside, sessions are dates in America/New_York.</summary>
public static class MarketClock
{
    public static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");

    /// <summary>The New York calendar date of an instant (pre-market, regular and after-hours bars share it).</summary>
    public static DateOnly SessionDate(DateTimeOffset instant) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, NewYork).DateTime);

    /// <summary>A New York wall-clock time on a date, as UTC.</summary>
    public static DateTimeOffset At(DateOnly date, int hour, int minute = 0)
    {
        var local = date.ToDateTime(new TimeOnly(hour, minute));
        return new DateTimeOffset(local, NewYork.GetUtcOffset(local)).ToUniversalTime();
    }
}
