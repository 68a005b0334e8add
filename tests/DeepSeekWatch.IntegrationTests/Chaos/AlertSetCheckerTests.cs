using DeepSeekWatch.Contracts;

namespace DeepSeekWatch.IntegrationTests.Chaos;

/// <summary>The checker must be able to fail: each kind of damage is counted, and only that kind.</summary>
public sealed class AlertSetCheckerTests
{
    private static Alert A(string id, int revision = 1, string severity = Severities.Warning) => new()
    {
        AlertId = id,
        Revision = revision,
        Kind = AlertKinds.AiNewsDrop,
        Symbol = "NVDA",
        Group = "chips",
        Severity = severity,
        At = new DateTimeOffset(2025, 1, 27, 15, 0, 0, TimeSpan.Zero),
        Session = new DateOnly(2025, 1, 27),
    };

    private static StoredWrite W(string id, int revision = 1) => new(id, revision);

    [Fact]
    public void The_expected_set_stored_once_each_is_clean()
    {
        var v = AlertSetChecker.Check([A("a"), A("b", 2)], [A("a"), A("b", 2)], [W("a"), W("b", 1), W("b", 2)]);
        Assert.True(v.Clean, v.ToString());
    }

    [Fact]
    public void A_missing_alert_counts_as_lost()
    {
        var v = AlertSetChecker.Check([A("a"), A("b")], [A("a")], [W("a")]);
        Assert.Equal(["b"], v.Lost);
        Assert.Empty(v.Duplicated);
        Assert.Empty(v.Unexpected);
    }

    [Fact]
    public void An_alert_stuck_at_an_older_revision_counts_as_lost()
    {
        var v = AlertSetChecker.Check([A("a", 2, Severities.Critical)], [A("a", 1)], [W("a")]);
        Assert.Equal(["a"], v.Lost);
        Assert.Contains("revision expected 2 stored 1", Assert.Single(v.Differences), StringComparison.Ordinal);
    }

    [Fact]
    public void The_same_revision_written_twice_counts_as_duplicated()
    {
        var v = AlertSetChecker.Check([A("a")], [A("a")], [W("a"), W("a")]);
        Assert.Single(v.Duplicated);
        Assert.Empty(v.Lost);
        Assert.False(v.Clean);
    }

    [Fact]
    public void A_stored_alert_nobody_expected_counts_as_unexpected()
    {
        var v = AlertSetChecker.Check([A("a")], [A("a"), A("z")], [W("a"), W("z")]);
        Assert.Equal(["z"], v.Unexpected);
        Assert.Empty(v.Lost);
    }
}
