using DeepSeekWatch.Detection.Markets;

namespace DeepSeekWatch.Detection.Tests.Markets;

public class SessionsBetweenTests
{
    [Theory]
    [InlineData("2025-01-24", "2025-01-27", 1)] // Friday to Monday
    [InlineData("2025-01-17", "2025-01-21", 1)] // over MLK Day
    [InlineData("2025-01-08", "2025-01-10", 1)] // over the Carter closure
    [InlineData("2024-12-23", "2024-12-26", 2)] // Christmas Eve is a (short) session, Christmas is not
    [InlineData("2025-01-21", "2025-01-28", 5)]
    [InlineData("2025-01-27", "2025-01-27", 0)]
    public void Sessions_between_count_trading_days_only(string from, string to, int expected) =>
        Assert.Equal(expected, NyseCalendar.SessionsBetween(DateOnly.Parse(from, System.Globalization.CultureInfo.InvariantCulture), DateOnly.Parse(to, System.Globalization.CultureInfo.InvariantCulture)));
}
