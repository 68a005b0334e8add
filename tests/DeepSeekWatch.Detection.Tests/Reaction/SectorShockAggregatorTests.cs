using System.Text.Json;
using DeepSeekWatch.Contracts;
using DeepSeekWatch.Detection.Reaction;
using static DeepSeekWatch.Detection.Tests.Reaction.Market;

namespace DeepSeekWatch.Detection.Tests.Reaction;

public sealed class SectorShockAggregatorTests
{
    private const string Semis = "semiconductors";
    private const int K = 3;
    private static readonly Watchlist Defaults = new(WatchlistOptions.Defaults());

    // ---------------------------------------------------------------- partitioned = unpartitioned

    /// <summary>
    /// 66 sessions of random history for the default watchlist, then a crash day: AMD (partition 0), NVDA (1), AVGO and
    /// TSM (2) and MU (0) fall 20% after a morning headline naming AMD, NVDA and AVGO (a semiconductor and a
    /// magnificent-seven shock need them). With <paramref name="lateHeadline"/>, a headline after the close (18:00, still
    /// inside the session's window) names MU, which turns MU's drop into an AI drop and revises the shock.
    /// </summary>
    private static List<List<object>> Scenario(bool lateHeadline)
    {
        var stocks = Defaults.Groups.SelectMany(g => g.Symbols).Distinct().Order(StringComparer.Ordinal).ToArray();
        var history = History(11, 66, stocks);
        var days = new List<List<object>>();
        for (var d = 0; d < history.Count; d++)
            days.Add([.. DailyBars(history[d], Day(d))]);
        var crash = Day(history.Count);
        var falling = new[] { "AMD", "NVDA", "AVGO", "TSM", "MU" };
        var closes = history[^1].ToDictionary(c => c.Key, c => falling.Contains(c.Key) ? Math.Round(c.Value * 0.8m, 4) : c.Value);
        List<object> crashDay = [Headline("h-morning", MarketClock.At(crash, 7), symbols: ["AMD", "NVDA", "AVGO"]), .. DailyBars(closes, crash)];
        if (lateHeadline)
            crashDay.Add(Headline("h-late", MarketClock.At(crash, 18), symbols: ["MU"], title: "DeepSeek news hits memory makers"));
        days.Add(crashDay);
        // A quiet day after the crash (so that the lagging partition has a day to lag behind on).
        days.Add([.. DailyBars(history[^1], Day(history.Count + 1))]);
        return days;
    }

    private static IEnumerable<object> DailyBars(Dictionary<string, decimal> closes, DateOnly session) =>
        closes.Keys.OrderBy(k => k == Benchmark ? 0 : 1).ThenBy(k => k, StringComparer.Ordinal).Select(s => (object)Daily(s, session, closes[s]));

    private static DetectionResult Apply(IDetectionEngine engine, object message) => message switch
    {
        PriceBarObserved bar => engine.OnBar(bar),
        AiHeadlineDetected headline => engine.OnHeadline(headline),
        _ => throw new ArgumentException(message.GetType().Name),
    };

    private static List<Alert> Unpartitioned(List<List<object>> days, DateTimeOffset end)
    {
        var detector = new ReactionDetector(new DetectionOptions(), Defaults);
        var alerts = new List<Alert>();
        foreach (var e in days.SelectMany(d => d))
            alerts.AddRange(Apply(detector, e).Alerts);
        alerts.AddRange(detector.OnClock(end).Alerts);
        return alerts;
    }

    /// <summary>
    /// K partitions and one aggregator. Step s: every partition but <paramref name="lagging"/> handles day s, the lagging
    /// one day s - <paramref name="lagDays"/> (one partition behind the others); each partition's outputs reach the aggregator in the order
    /// they were made (members, then progress, as the publisher sends them).
    /// </summary>
    private static List<Alert> Partitioned(List<List<object>> days, DateTimeOffset end, int lagging, int lagDays)
    {
        var options = new DetectionOptions();
        var partitions = Enumerable.Range(0, K).Select(p => new ReactionDetector(options, Defaults, partition: DetectorPartition.Of(p, K))).ToArray();
        var aggregator = new SectorShockAggregator(options, Defaults, K);
        var alerts = new List<Alert>();
        void Forward(DetectionResult result)
        {
            Assert.DoesNotContain(result.Alerts, a => a.Kind == AlertKinds.SectorShock);
            alerts.AddRange(result.Alerts);
            foreach (var m in result.Members)
                alerts.AddRange(aggregator.OnMember(m).Alerts);
            foreach (var p in result.Progress)
                alerts.AddRange(aggregator.OnProgress(p).Alerts);
        }
        for (var step = 0; step < days.Count + lagDays; step++)
        {
            for (var p = 0; p < K; p++)
            {
                var day = p == lagging ? step - lagDays : step;
                if (day < 0 || day >= days.Count)
                    continue;
                foreach (var e in days[day])
                {
                    if (e is PriceBarObserved bar && !Defaults.IsBenchmark(bar.Symbol) && Partitioning.PartitionOf(bar.Symbol, K) != p)
                        continue;
                    Forward(Apply(partitions[p], e));
                }
            }
        }
        foreach (var partition in partitions)
            Forward(partition.OnClock(end));
        return alerts;
    }

    private static List<string> Canonical(IEnumerable<Alert> alerts) => alerts.Select(a => JsonSerializer.Serialize(a)).Order(StringComparer.Ordinal).ToList();

    /// <summary>
    /// Without the late headline, and with it: the late headline revises MU (partition 0) while a partition that owns
    /// other members may not have reached the crash day yet; one detector raises revision 1 of the shock without MU and
    /// revision 2 with it, and so must the aggregator. (Before 3bdce4d the aggregator merged MU's change before judging
    /// the crash day and raised a single revision 1 with MU for lag -1, 1 and 2.) Lag -1: no partition behind, but the
    /// partitions still handle each day one after another.
    /// </summary>
    [Theory]
    [InlineData(false, -1, 1)]
    [InlineData(false, 0, 1)]
    [InlineData(false, 1, 1)]
    [InlineData(false, 2, 1)]
    [InlineData(true, -1, 1)]
    [InlineData(true, 0, 1)]
    [InlineData(true, 1, 1)]
    [InlineData(true, 2, 1)]
    [InlineData(true, 1, 3)]
    public void K_partitions_and_the_aggregator_raise_the_alerts_of_one_detector_when_a_partition_runs_behind(bool lateHeadline, int lagging, int days) =>
        AssertSameAlerts(lateHeadline, lagging, days);

    /// <summary>
    /// The extreme of a slow partition: partition 1 (NVDA) starts only after the others have handled the whole tape
    /// (a consumer that comes up late). Until it reports at all, the aggregator cannot know it exists.
    /// </summary>
    [Fact]
    public void A_partition_that_starts_after_the_others_finished_still_gives_the_alerts_of_one_detector() =>
        AssertSameAlerts(true, 1, 70);

    private static void AssertSameAlerts(bool lateHeadline, int lagging, int lagDays)
    {
        var days = Scenario(lateHeadline);
        var end = MarketClock.At(Day(days.Count), 0);
        var single = Unpartitioned(days, end);
        var partitioned = Partitioned(days, end, lagging, lagDays);

        // The scenario is what it claims: symbol alerts, and a semiconductor shock on the crash day (revised by the late headline).
        var crash = Day(days.Count - 2);
        Assert.Contains(single, a => a.Kind == AlertKinds.AiNewsDrop && a.Symbol == "NVDA" && a.Session == crash);
        Assert.Contains(single, a => a.Kind == AlertKinds.Drop && a.Session < crash);
        var shocks = single.Where(a => a.Kind == AlertKinds.SectorShock && a.Group == Semis && a.Session == crash).ToList();
        Assert.NotEmpty(shocks);
        Assert.Equal(lateHeadline, shocks.Any(s => s.Revision > 1 && s.Members.Contains("MU")));

        var want = Canonical(single);
        var got = Canonical(partitioned);
        Assert.True(want.SequenceEqual(got), $"lagging partition {lagging}:\nonly in the single detector:\n- " + string.Join("\n- ", want.Except(got)) + "\nonly partitioned:\n+ " + string.Join("\n+ ", got.Except(want)));
    }

    // ---------------------------------------------------------------- the aggregator on its own

    private const string Chips = "chips";
    private static readonly Watchlist ChipList = Watchlist(Chips, "A", "B", "C", "D", "E", "F");
    private static readonly DateOnly Session = Day(5);
    private static readonly DateTimeOffset At = MarketClock.At(Session, 16);
    private static readonly TimeSpan Wait = new DetectionOptions().BenchmarkWait;

    private static GroupMemberChanged Member(string symbol, int partition) =>
        new(Chips, Session, symbol, partition, Severities.Critical, true, -10, [], At, At, false);

    /// <summary>A partition's progress; its event time is its clock unless told.</summary>
    private static GroupProgress Progress(int partition, DateTimeOffset through, DateTimeOffset clock, DateOnly? latest = null, DateTimeOffset? eventTime = null) =>
        new(Chips, partition, through, latest ?? Session, clock, eventTime ?? clock, false);

    private static SectorShockAggregator Aggregator() => new(new DetectionOptions(), ChipList);

    private static void AssertShock(DetectionResult result, params string[] members)
    {
        var shock = Assert.Single(result.Alerts);
        Assert.Equal((AlertKinds.SectorShock, Chips, Severities.Critical, Session, 1, At), (shock.Kind, shock.Group, shock.Severity, shock.Session, shock.Revision, shock.At));
        Assert.Equal(AlertIds.ForGroup(Chips, Session, Severities.Critical), shock.AlertId);
        Assert.Equal(members, shock.Members);
    }

    [Fact]
    public void The_aggregator_waits_for_a_partition_whose_members_are_not_decided_yet_and_judges_once_it_reports_them()
    {
        var aggregator = Aggregator();
        var yesterday = MarketClock.At(Session.AddDays(-1), 16);
        Assert.Empty(aggregator.OnProgress(Progress(1, yesterday, yesterday, Session.AddDays(-1))).Alerts);
        Assert.Empty(aggregator.OnProgress(Progress(0, At, At)).Alerts);
        Assert.Empty(aggregator.OnMember(Member("A", 0)).Alerts);
        Assert.Empty(aggregator.OnMember(Member("B", 0)).Alerts);
        // Three AI members at critical make a shock, but partition 1 has not decided its members of 16:00 yet.
        Assert.True(aggregator.OnMember(Member("C", 0)).IsEmpty);
        // Partition 1 moves, still short of 16:00: still waiting.
        Assert.True(aggregator.OnProgress(Progress(1, At - TimeSpan.FromMinutes(5), At - TimeSpan.FromMinutes(5))).IsEmpty);
        // Partition 1 has seen 16:00 (the benchmark's bar) but a member's bar of 16:00 is still undecided: still waiting.
        Assert.True(aggregator.OnProgress(Progress(1, At - TimeSpan.FromMinutes(5), At)).IsEmpty);

        AssertShock(aggregator.OnProgress(Progress(1, At, At)), "A", "B", "C");
        // Judged once: the same progress again changes nothing.
        Assert.True(aggregator.OnProgress(Progress(1, At, At)).IsEmpty);
    }

    [Fact]
    public void The_aggregator_decides_once_the_waiting_partitions_clock_passes_the_benchmark_wait()
    {
        var aggregator = Aggregator();
        var before = At - TimeSpan.FromMinutes(30);
        var later = At + TimeSpan.FromHours(1);
        aggregator.OnProgress(Progress(1, before, before));
        // Partition 0 is well ahead (its members decided to an hour after the close): it holds nothing back.
        aggregator.OnProgress(Progress(0, later, later));
        foreach (var s in new[] { "A", "B", "C" })
            Assert.Empty(aggregator.OnMember(Member(s, 0)).Alerts);

        // Partition 1's members are still undecided at 16:00 (Through before it), its clock exactly at the wait: not yet.
        Assert.True(aggregator.OnProgress(Progress(1, before, At + Wait)).IsEmpty);
        AssertShock(aggregator.OnProgress(Progress(1, before, At + Wait + TimeSpan.FromTicks(1))), "A", "B", "C");
    }

    [Fact]
    public void The_aggregator_ignores_an_older_redelivered_progress_report()
    {
        var aggregator = Aggregator();
        var yesterday = MarketClock.At(Session.AddDays(-1), 16);
        aggregator.OnProgress(Progress(0, At, At));
        aggregator.OnProgress(Progress(1, At, At));
        // Partition 1's report of yesterday, redelivered late: were it taken, partition 1 would look undecided at 16:00.
        Assert.True(aggregator.OnProgress(Progress(1, yesterday, yesterday, Session.AddDays(-1))).IsEmpty);

        aggregator.OnMember(Member("A", 0));
        aggregator.OnMember(Member("B", 0));
        AssertShock(aggregator.OnMember(Member("C", 0)), "A", "B", "C");
    }

    [Fact]
    public void A_partition_whose_members_have_not_traded_for_over_a_week_is_not_waited_for()
    {
        var aggregator = Aggregator();
        var old = MarketClock.At(Session.AddDays(-8), 16);
        aggregator.OnProgress(Progress(0, At, At));
        // Partition 1's clock moves on (benchmark bars), its members' last session is eight days old.
        aggregator.OnProgress(Progress(1, old, At, Session.AddDays(-8)));
        aggregator.OnMember(Member("A", 0));
        aggregator.OnMember(Member("B", 0));
        AssertShock(aggregator.OnMember(Member("C", 0)), "A", "B", "C");
    }
}
