using DeepSeekWatch.Contracts;
using DeepSeekWatch.Detection.Reaction;
using static DeepSeekWatch.Detection.Tests.Reaction.Market;

namespace DeepSeekWatch.Detection.Tests.Reaction;

public sealed class ReactionDetectorTests
{
    private const string Group = "chips";

    // ---------------------------------------------------------------- warm-up, z-score and beta

    [Theory]
    [InlineData(19, false)]
    [InlineData(20, true)]
    public void The_z_score_appears_once_VolatilitySessions_daily_returns_are_known_and_matches_an_independent_computation(int returns, bool expected)
    {
        var detector = Detector(Watchlist(Group, "X"));
        var history = History(7, returns + 1, "X");
        FeedDaily(detector, history);
        var last = history[^1];
        var close = Math.Round(last["X"] * 0.88m, 4);
        var alert = DropDay(detector, returns + 1, close, last[Benchmark]);

        Assert.Equal(Severities.Critical, alert.Severity);
        Assert.Null(alert.AbnormalReturnPct);
        if (!expected)
        {
            Assert.Null(alert.ZScore);
            return;
        }
        var daily = Enumerable.Range(1, history.Count - 1).Select(i => Return(history[i]["X"], history[i - 1]["X"])).TakeLast(20).ToArray();
        var mean = daily.Average();
        var sigma = Math.Sqrt(daily.Sum(r => (r - mean) * (r - mean)) / daily.Length);
        Assert.NotNull(alert.ZScore);
        Assert.Equal(Return(close, last["X"]) / sigma, alert.ZScore!.Value, 9);
    }

    [Theory]
    [InlineData(59, false)]
    [InlineData(60, true)]
    public void The_abnormal_return_appears_once_BetaSessions_return_pairs_are_known_and_uses_the_rolling_beta(int pairs, bool expected)
    {
        var detector = Detector(Watchlist(Group, "A", "B", "C", "X"));
        var history = History(11, pairs + 1, "A", "B", "C", "X");
        FeedDaily(detector, history);
        var last = history[^1];
        var close = Math.Round(last["X"] * 0.88m, 4);
        var benchmarkClose = Math.Round(last[Benchmark] * 0.985m, 4);
        var alert = DropDay(detector, pairs + 1, close, benchmarkClose);

        if (!expected)
        {
            Assert.Null(alert.AbnormalReturnPct);
            return;
        }
        // X is the fourth stock: its true beta is 1.75; the estimate is computed here from the same 60 pairs.
        var x = Enumerable.Range(1, history.Count - 1).Select(i => Return(history[i]["X"], history[i - 1]["X"])).TakeLast(60).ToArray();
        var m = Enumerable.Range(1, history.Count - 1).Select(i => Return(history[i][Benchmark], history[i - 1][Benchmark])).TakeLast(60).ToArray();
        var (mx, mm) = (x.Average(), m.Average());
        var beta = x.Zip(m, (a, b) => (a - mx) * (b - mm)).Sum() / m.Sum(b => (b - mm) * (b - mm));
        Assert.InRange(beta, 1.2, 2.3);
        var expectedAbnormal = Return(close, last["X"]) - beta * Return(benchmarkClose, last[Benchmark]);
        Assert.NotNull(alert.AbnormalReturnPct);
        Assert.Equal(expectedAbnormal * 100, alert.AbnormalReturnPct!.Value, 8);
        Assert.Equal(Return(close, last["X"]) * 100, alert.ReturnPct!.Value, 9);
    }

    [Fact]
    public void A_stock_falling_only_as_much_as_its_beta_says_with_the_market_raises_no_alert()
    {
        var detector = Detector(Watchlist(Group, "A", "B", "C", "X"));
        var history = History(3, 61, "A", "B", "C", "X");
        FeedDaily(detector, history);
        var last = history[^1];
        // The market falls 4%; X (beta about 1.75) falls 7%: a big raw return, a small abnormal one.
        var alerts = new List<Alert>();
        var day = Day(61);
        alerts.AddRange(detector.OnBar(Daily(Benchmark, day, Math.Round(last[Benchmark] * 0.96m, 4))).Alerts);
        alerts.AddRange(detector.OnBar(Daily("X", day, Math.Round(last["X"] * 0.93m, 4))).Alerts);
        Assert.DoesNotContain(alerts, a => a.Severity != Severities.Watch);
    }

    // ---------------------------------------------------------------- escalation, revisions, redelivery

    [Fact]
    public void Escalation_raises_a_new_alert_and_repeats_at_the_same_or_a_lower_level_do_not()
    {
        var detector = Detector(Watchlist(Group, "X"));
        var session = Day(1);
        FeedDaily(detector, [new() { ["X"] = 100m, [Benchmark] = 500m }]);
        var closes = new[] { 94m, 94.5m, 95.5m, 91m, 90m, 96m };
        var raised = new List<(int Slot, Alert Alert)>();
        for (var slot = 0; slot < closes.Length; slot++)
        {
            detector.OnBar(FiveMinute(Benchmark, session, slot, 500m));
            foreach (var a in detector.OnBar(FiveMinute("X", session, slot, closes[slot])).Alerts)
                raised.Add((slot, a));
        }

        Assert.Collection(raised,
            r =>
            {
                Assert.Equal((0, Severities.Warning, 1), (r.Slot, r.Alert.Severity, r.Alert.Revision));
                Assert.Equal(AlertIds.ForSymbol("X", session, Severities.Warning), r.Alert.AlertId);
            },
            r =>
            {
                Assert.Equal((3, Severities.Critical, 1), (r.Slot, r.Alert.Severity, r.Alert.Revision));
                Assert.Equal(AlertIds.ForSymbol("X", session, Severities.Critical), r.Alert.AlertId);
                Assert.Equal(-9, r.Alert.ReturnPct!.Value, 9);
            });
    }

    [Fact]
    public void A_new_session_starts_from_no_alert_so_the_same_fall_the_next_day_alerts_again()
    {
        var detector = Detector(Watchlist(Group, "X"));
        FeedDaily(detector, [new() { ["X"] = 100m, [Benchmark] = 500m }]);
        var first = detector.OnBar(Daily(Benchmark, Day(1), 500m)).Alerts.Concat(detector.OnBar(Daily("X", Day(1), 90m)).Alerts).ToList();
        var second = detector.OnBar(Daily(Benchmark, Day(2), 500m)).Alerts.Concat(detector.OnBar(Daily("X", Day(2), 81m)).Alerts).ToList();
        Assert.Equal(Severities.Critical, Assert.Single(first).Severity);
        Assert.Equal(Severities.Critical, Assert.Single(second).Severity);
        Assert.NotEqual(first[0].AlertId, second[0].AlertId);
        Assert.Equal(90m, second[0].ReferencePrice);
    }

    [Fact]
    public void A_late_headline_revises_the_drop_into_an_ai_news_drop_under_the_same_id()
    {
        var detector = Detector(Watchlist(Group, "X"));
        var session = Day(1);
        FeedDaily(detector, [new() { ["X"] = 100m, [Benchmark] = 500m }]);
        detector.OnBar(FiveMinute(Benchmark, session, 0, 500m));
        var drop = Assert.Single(detector.OnBar(FiveMinute("X", session, 0, 91m)).Alerts);
        Assert.Equal(AlertKinds.Drop, drop.Kind);
        Assert.Empty(drop.Headlines);

        var result = detector.OnHeadline(Headline("h1", MarketClock.At(session, 11), symbols: ["X"]));
        var revised = Assert.Single(result.Alerts);
        Assert.Equal(drop.AlertId, revised.AlertId);
        Assert.Equal(2, revised.Revision);
        Assert.Equal(AlertKinds.AiNewsDrop, revised.Kind);
        Assert.Equal("https://example.test/h1", Assert.Single(revised.Headlines).Url);
        Assert.True(Assert.Single(result.Drops).AiNews);

        // The same headline again changes nothing; a second one is one more revision.
        Assert.Same(result, detector.OnHeadline(Headline("h1", MarketClock.At(session, 11), symbols: ["X"])));
        var third = Assert.Single(detector.OnHeadline(Headline("h2", MarketClock.At(session, 12), symbols: ["X"])).Alerts);
        Assert.Equal((drop.AlertId, 3, 2), (third.AlertId, third.Revision, third.Headlines.Count));
    }

    [Fact]
    public void A_headline_for_another_symbol_or_after_the_session_does_not_revise_the_drop()
    {
        var detector = Detector(Watchlist(Group, "X", "Y"));
        var session = Day(1);
        FeedDaily(detector, [new() { ["X"] = 100m, ["Y"] = 100m, [Benchmark] = 500m }]);
        detector.OnBar(FiveMinute(Benchmark, session, 0, 500m));
        Assert.Single(detector.OnBar(FiveMinute("X", session, 0, 91m)).Alerts);
        Assert.Empty(detector.OnHeadline(Headline("other", MarketClock.At(session, 11), symbols: ["Y"])).Alerts);
        Assert.Empty(detector.OnHeadline(Headline("next-day", MarketClock.At(session.AddDays(1), 9), symbols: ["X"])).Alerts);
    }

    [Fact]
    public void A_redelivered_bar_returns_what_it_caused_the_first_time_and_raises_nothing_new()
    {
        var detector = Detector(Watchlist(Group, "X"));
        var session = Day(1);
        FeedDaily(detector, [new() { ["X"] = 100m, [Benchmark] = 500m }]);
        detector.OnBar(FiveMinute(Benchmark, session, 0, 500m));
        var bar = FiveMinute("X", session, 0, 91m);
        var first = detector.OnBar(bar);
        Assert.Single(first.Alerts);
        Assert.Same(first, detector.OnBar(bar));
        Assert.Same(first, detector.OnBar(bar with { }));

        // A redelivered bar that caused nothing still causes nothing, even once later bars changed the state.
        var quiet = FiveMinute("X", session, 1, 92m);
        Assert.True(detector.OnBar(quiet).IsEmpty);
        detector.OnBar(FiveMinute(Benchmark, session, 2, 500m));
        detector.OnBar(FiveMinute("X", session, 2, 80m));
        Assert.True(detector.OnBar(quiet).IsEmpty);
    }

    [Fact]
    public void A_pre_market_bar_raises_the_alert_before_the_open_and_does_not_set_the_session_close()
    {
        var detector = Detector(Watchlist(Group, "X"));
        var session = new DateOnly(2024, 1, 8); // a Monday
        FeedDaily(detector, [new() { ["X"] = 100m, [Benchmark] = 500m }], firstDay: 3); // Friday 5 January
        detector.OnHeadline(Headline("weekend", new DateTimeOffset(2024, 1, 7, 2, 0, 0, TimeSpan.Zero), symbols: ["X"]));
        var start = MarketClock.At(session, 8);
        PriceBarObserved PreMarket(string symbol, decimal close) =>
            new($"pre-{symbol}", "test", symbol, "5m", start, start + TimeSpan.FromMinutes(5), close, close, close, close, 10, false);
        detector.OnBar(PreMarket(Benchmark, 499m));
        var alert = Assert.Single(detector.OnBar(PreMarket("X", 88m)).Alerts);
        Assert.Equal((Severities.Critical, AlertKinds.AiNewsDrop, session), (alert.Severity, alert.Kind, alert.Session));
        Assert.Equal(MarketClock.At(session, 8, 5), alert.At);
        Assert.True(alert.At < MarketClock.At(session, 9, 30));

        // The next session is measured from Monday's regular close (the last regular-session bar), not the pre-market price.
        detector.OnBar(FiveMinute(Benchmark, session, 77, 500m));
        detector.OnBar(FiveMinute("X", session, 77, 95m));
        detector.OnBar(FiveMinute(Benchmark, session.AddDays(1), 0, 500m));
        Assert.Equal(95m, Assert.Single(detector.OnBar(FiveMinute("X", session.AddDays(1), 0, 85m)).Alerts).ReferencePrice);
    }

    // ---------------------------------------------------------------- headline linking and the look-back window

    [Theory]
    [InlineData(new[] { "X" }, new string[0], AlertKinds.AiNewsDrop)]
    [InlineData(new string[0], new[] { Group }, AlertKinds.AiNewsDrop)]
    [InlineData(new[] { "Y" }, new string[0], AlertKinds.Drop)]
    [InlineData(new string[0], new[] { "other-group" }, AlertKinds.Drop)]
    public void A_headline_is_linked_through_the_symbol_it_names_or_the_group_it_concerns(string[] symbols, string[] groups, string kind)
    {
        var detector = Detector(new Watchlist(new Dictionary<string, WatchGroupOptions>
        {
            [Group] = new() { Symbols = ["X"], Benchmark = Benchmark },
            ["other-group"] = new() { Symbols = ["Y"], Benchmark = Benchmark },
        }));
        FeedDaily(detector, [new() { ["X"] = 100m, ["Y"] = 100m, [Benchmark] = 500m }]);
        detector.OnHeadline(Headline("h", MarketClock.At(Day(1), 7), symbols, groups));
        var alert = DropDay(detector, 1, 90m, 500m);
        Assert.Equal(kind, alert.Kind);
        Assert.Equal(kind == AlertKinds.AiNewsDrop ? 1 : 0, alert.Headlines.Count);
    }

    [Theory]
    [InlineData(-71.9, AlertKinds.AiNewsDrop)]
    [InlineData(-72, AlertKinds.AiNewsDrop)]
    [InlineData(-73, AlertKinds.Drop)]
    [InlineData(-200, AlertKinds.Drop)]
    [InlineData(+1, AlertKinds.AiNewsDrop)]
    [InlineData(+24, AlertKinds.Drop)]
    public void The_look_back_window_reaches_72_hours_before_the_bar_and_to_the_end_of_its_session(double hours, string kind)
    {
        var detector = Detector(Watchlist(Group, "X"));
        var session = new DateOnly(2024, 1, 8); // a Monday
        FeedDaily(detector, [new() { ["X"] = 100m, [Benchmark] = 500m }], firstDay: 3); // Friday 5 January
        var bar = FiveMinute("X", session, 0, 90m);
        // A headline published later in the same session is linked (in a live feed it comes as a revision); the next day's is not.
        detector.OnHeadline(Headline("h", bar.End.AddHours(hours), symbols: ["X"]));
        detector.OnBar(FiveMinute(Benchmark, session, 0, 500m));
        var alert = Assert.Single(detector.OnBar(bar).Alerts);
        Assert.Equal(kind, alert.Kind);
    }

    [Fact]
    public void Weekend_news_is_linked_to_Monday_morning_drops()
    {
        var detector = Detector(Watchlist(Group, "X"));
        FeedDaily(detector, [new() { ["X"] = 100m, [Benchmark] = 500m }], firstDay: 3); // Friday 5 January 2024
        detector.OnHeadline(Headline("weekend", new DateTimeOffset(2024, 1, 6, 15, 0, 0, TimeSpan.Zero), symbols: ["X"]));
        var monday = new DateOnly(2024, 1, 8);
        detector.OnBar(FiveMinute(Benchmark, monday, 0, 500m));
        var alert = Assert.Single(detector.OnBar(FiveMinute("X", monday, 0, 88m)).Alerts);
        Assert.Equal(AlertKinds.AiNewsDrop, alert.Kind);
        Assert.Equal(monday, alert.Session);
        Assert.Equal(MarketClock.At(monday, 9, 35), alert.At);
    }

    // ---------------------------------------------------------------- gaps

    [Fact]
    public void A_price_last_seen_more_than_MaxGapSessions_ago_is_no_reference_so_missing_data_is_not_a_drop()
    {
        var detector = Detector(Watchlist(Group, "X"));
        FeedDaily(detector, [new() { ["X"] = 100m, [Benchmark] = 500m }]);
        // Two weeks of missing bars, then a price 20% lower: not a drop of that session.
        detector.OnBar(Daily(Benchmark, Day(10), 500m));
        Assert.Empty(detector.OnBar(Daily("X", Day(10), 80m)).Alerts);
        // The next session is measured from the close after the gap.
        detector.OnBar(Daily(Benchmark, Day(11), 500m));
        var alert = Assert.Single(detector.OnBar(Daily("X", Day(11), 72m)).Alerts);
        Assert.Equal(80m, alert.ReferencePrice);
    }

    [Fact]
    public void A_move_over_a_holiday_is_judged_against_the_volatility_of_two_sessions()
    {
        var history = History(5, 21, "X");
        var daily = Enumerable.Range(1, 20).Select(i => Return(history[i]["X"], history[i - 1]["X"])).ToArray();
        var mean = daily.Average();
        var sigma = Math.Sqrt(daily.Sum(r => (r - mean) * (r - mean)) / daily.Length);
        // A fall of 2.3 daily sigmas (and at least 3%) is a watch after one session, but not after a holiday.
        var fall = Math.Min(-0.031, -2.3 * sigma);
        Assert.True(fall / Math.Sqrt(2) / sigma > -2, "the fall must stay inside two sigmas of a two-session move");
        var close = Math.Round(history[^1]["X"] * (decimal)(1 + fall), 4);

        var normal = Detector(Watchlist(Group, "X"));
        FeedDaily(normal, history);
        Assert.Equal(Severities.Watch, DropDay(normal, 21, close, history[^1][Benchmark]).Severity);

        var holiday = Detector(Watchlist(Group, "X"));
        FeedDaily(holiday, history);
        var alerts = holiday.OnBar(Daily(Benchmark, Day(22), history[^1][Benchmark])).Alerts.Concat(holiday.OnBar(Daily("X", Day(22), close)).Alerts);
        Assert.Empty(alerts);

        // With an exchange calendar that knows Day(21) was a holiday, the same move is one session's again.
        var calendar = new ReactionDetector(new DetectionOptions(), Watchlist(Group, "X"),
            (from, to) => ReactionDetector.Weekdays(from, to) - (from < Day(21) && Day(21) <= to ? 1 : 0));
        FeedDaily(calendar, history);
        Assert.Equal(Severities.Watch, DropDay(calendar, 22, close, history[^1][Benchmark]).Severity);
    }

    [Theory]
    [InlineData(1, true)]
    [InlineData(18, false)]
    public void A_short_horizon_fall_is_a_watch_but_a_jump_across_a_halt_is_not(int secondSlot, bool alerts)
    {
        var detector = Detector(Watchlist(Group, "X"));
        var session = Day(1);
        FeedDaily(detector, [new() { ["X"] = 100m, [Benchmark] = 500m }]);
        detector.OnBar(FiveMinute(Benchmark, session, 0, 500m));
        Assert.Empty(detector.OnBar(FiveMinute("X", session, 0, 102.9m)).Alerts);
        detector.OnBar(FiveMinute(Benchmark, session, secondSlot, 500m));
        var result = detector.OnBar(FiveMinute("X", session, secondSlot, 99.6m)).Alerts;
        if (!alerts)
        {
            Assert.Empty(result);
            return;
        }
        var alert = Assert.Single(result);
        Assert.Equal(Severities.Watch, alert.Severity);
        Assert.Equal(-0.4, alert.ReturnPct!.Value, 9);
    }

    [Fact]
    public void Bars_out_of_order_or_of_an_unknown_interval_or_non_positive_price_are_ignored()
    {
        var detector = Detector(Watchlist(Group, "X"));
        FeedDaily(detector, [new() { ["X"] = 100m, [Benchmark] = 500m }, new() { ["X"] = 100m, [Benchmark] = 500m }], firstDay: 1);
        Assert.True(detector.OnBar(Daily("X", Day(0), 50m)).IsEmpty);
        Assert.True(detector.OnBar(Daily("X", Day(3), 50m) with { Interval = "7m" }).IsEmpty);
        Assert.True(detector.OnBar(Daily("X", Day(3), 0m)).IsEmpty);
        detector.OnBar(Daily(Benchmark, Day(3), 500m));
        Assert.Equal(100m, Assert.Single(detector.OnBar(Daily("X", Day(3), 90m)).Alerts).ReferencePrice);
    }

    // ---------------------------------------------------------------- benchmark wait and the clock

    [Fact]
    public void A_decision_waits_for_the_benchmark_and_the_clock_flushes_it_when_the_benchmark_never_comes()
    {
        var detector = Detector(Watchlist(Group, "X"));
        var session = Day(1);
        FeedDaily(detector, [new() { ["X"] = 100m, [Benchmark] = 500m }]);
        var bar = FiveMinute("X", session, 0, 90m);
        Assert.True(detector.OnBar(bar).IsEmpty);
        Assert.True(detector.OnClock(bar.End + TimeSpan.FromMinutes(10)).IsEmpty);
        var result = detector.OnClock(bar.End + TimeSpan.FromMinutes(11));
        var alert = Assert.Single(result.Alerts);
        Assert.Equal((Severities.Critical, bar.End), (alert.Severity, alert.At));
        Assert.Null(alert.AbnormalReturnPct);
        Assert.Single(result.Drops);
        Assert.True(detector.OnClock(bar.End + TimeSpan.FromHours(1)).IsEmpty);
    }

    [Fact]
    public void The_benchmark_bar_of_the_same_time_releases_a_waiting_decision()
    {
        var detector = Detector(Watchlist(Group, "X"));
        var session = Day(1);
        FeedDaily(detector, [new() { ["X"] = 100m, [Benchmark] = 500m }]);
        Assert.True(detector.OnBar(FiveMinute("X", session, 0, 90m)).IsEmpty);
        var alert = Assert.Single(detector.OnBar(FiveMinute(Benchmark, session, 0, 495m)).Alerts);
        Assert.Equal("X", alert.Symbol);
    }

    // ---------------------------------------------------------------- sector shocks

    [Theory]
    [InlineData(8, 2, false)]
    [InlineData(8, 3, true)]
    [InlineData(9, 3, true)]
    [InlineData(4, 1, false)]
    [InlineData(4, 2, true)]
    [InlineData(5, 2, false)]
    [InlineData(5, 3, true)]
    public void A_sector_shock_needs_at_least_three_members_or_half_the_group_falling_with_AI_news(int size, int falling, bool shock)
    {
        var members = Enumerable.Range(0, size).Select(i => $"S{i}").ToArray();
        var detector = Detector(Watchlist(Group, members));
        FeedDaily(detector, [members.Append(Benchmark).ToDictionary(s => s, s => 100m)]);
        detector.OnHeadline(Headline("h", MarketClock.At(Day(1), 7), groups: [Group]));
        var day = members.Append(Benchmark).ToDictionary(s => s, s => Array.IndexOf(members, s) is var i && i >= 0 && i < falling ? 90m : 100m);
        var alerts = FeedDaily(detector, [day], firstDay: 1);

        Assert.Equal(falling, alerts.Count(a => a.Kind == AlertKinds.AiNewsDrop));
        var shocks = alerts.Where(a => a.Kind == AlertKinds.SectorShock).ToList();
        if (!shock)
        {
            Assert.Empty(shocks);
            return;
        }
        var s = Assert.Single(shocks);
        Assert.Equal(members.Take(falling), s.Members);
        Assert.Equal((Group, Severities.Critical, Day(1), (string?)null), (s.Group, s.Severity, s.Session, s.Symbol));
        Assert.Equal(AlertIds.ForGroup(Group, Day(1), Severities.Critical), s.AlertId);
        Assert.Equal(-10, s.ReturnPct!.Value, 9);
        Assert.NotEmpty(s.Headlines);
    }

    [Fact]
    public void Members_falling_without_AI_news_make_no_sector_shock()
    {
        var members = new[] { "A", "B", "C", "D" };
        var detector = Detector(Watchlist(Group, members));
        FeedDaily(detector, [members.Append(Benchmark).ToDictionary(s => s, s => 100m)]);
        var alerts = FeedDaily(detector, [members.Append(Benchmark).ToDictionary(s => s, s => s == Benchmark ? 100m : 90m)], firstDay: 1);
        Assert.Equal(4, alerts.Count(a => a.Kind == AlertKinds.Drop));
        Assert.DoesNotContain(alerts, a => a.Kind == AlertKinds.SectorShock);
    }

    [Fact]
    public void A_member_joining_later_in_the_session_revises_the_sector_shock_and_a_higher_level_raises_a_new_one()
    {
        var members = new[] { "A", "B", "C", "D", "E", "F", "G", "H" };
        var detector = Detector(Watchlist(Group, members));
        var session = Day(1);
        FeedDaily(detector, [members.Append(Benchmark).ToDictionary(s => s, s => 100m)]);
        detector.OnHeadline(Headline("h", MarketClock.At(session, 7), groups: [Group]));
        // slot 0: A, B, C at warning; slot 1: D joins at watch; slot 2: A, B, C reach critical.
        var paths = new Dictionary<string, decimal[]>
        {
            ["A"] = [94m, 94m, 90m], ["B"] = [94m, 94m, 90m], ["C"] = [94m, 94m, 90m], ["D"] = [100m, 96.5m, 96.5m],
        };
        var shocks = new List<(int Slot, Alert Alert)>();
        for (var slot = 0; slot < 3; slot++)
        {
            detector.OnBar(FiveMinute(Benchmark, session, slot, 100m));
            foreach (var m in members)
            {
                var close = paths.TryGetValue(m, out var p) ? p[slot] : 100m;
                shocks.AddRange(detector.OnBar(FiveMinute(m, session, slot, close)).Alerts.Where(a => a.Kind == AlertKinds.SectorShock).Select(a => (slot, a)));
            }
        }

        Assert.Collection(shocks,
            s => Assert.Equal((0, Severities.Warning, 1, "A B C"), (s.Slot, s.Alert.Severity, s.Alert.Revision, string.Join(' ', s.Alert.Members))),
            s => Assert.Equal((1, Severities.Warning, 2, "A B C D"), (s.Slot, s.Alert.Severity, s.Alert.Revision, string.Join(' ', s.Alert.Members))),
            s => Assert.Equal((2, Severities.Critical, 1, "A B C D"), (s.Slot, s.Alert.Severity, s.Alert.Revision, string.Join(' ', s.Alert.Members))));
        Assert.Equal(shocks[0].Alert.AlertId, shocks[1].Alert.AlertId);
        Assert.NotEqual(shocks[0].Alert.AlertId, shocks[2].Alert.AlertId);
    }

    // ---------------------------------------------------------------- steady state

    [Fact]
    public void A_bar_that_raises_nothing_allocates_nothing_once_warmed_up()
    {
        string[] stocks = ["A", "B", "C"];
        var detector = Detector(Watchlist(Group, stocks));
        var history = History(17, 65, stocks);
        FeedDaily(detector, history);
        var last = history[^1];
        var random = new Random(5);
        // Two quiet sessions of 5-minute bars (moves of a few basis points): the first warms every path up,
        // the second is measured from its third bar on (its first bars start the session).
        var sessions = Enumerable.Range(0, 2).Select(i => Day(history.Count + i)).ToArray();
        var bars = sessions.Select(session => Enumerable.Range(0, 78).SelectMany(slot => last.Keys.Order(StringComparer.Ordinal)
            .Select(symbol => FiveMinute(symbol, session, slot, Math.Round(last[symbol] * (decimal)(1 + (random.NextDouble() - 0.5) * 0.004), 4)))).ToArray()).ToArray();
        var raised = 0;
        foreach (var bar in bars[0])
            raised += detector.OnBar(bar).Alerts.Count;
        for (var i = 0; i < 8; i++)
            raised += detector.OnBar(bars[1][i]).Alerts.Count;

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 8; i < bars[1].Length; i++)
            raised += detector.OnBar(bars[1][i]).Alerts.Count;
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, raised);
        Assert.Equal(0, allocated);
    }

    // ---------------------------------------------------------------- options

    public static TheoryData<string, string> BadOptions => new()
    {
        { "LookBack=0", "Detection:LookBack" },
        { "VolatilitySessions=2", "Detection:VolatilitySessions" },
        { "BetaSessions=5", "Detection:BetaSessions" },
        { "MaxGapSessions=0", "Detection:MaxGapSessions" },
        { "BenchmarkWait=-1m", "Detection:BenchmarkWait" },
        { "ShortHorizonMinutes=0", "Detection:ShortHorizonMinutes:0" },
        { "ShortHorizonWatchPct=+1", "Detection:ShortHorizonWatchPct" },
        { "MaxHeadlinesPerAlert=0", "Detection:MaxHeadlinesPerAlert" },
        { "Thresholds:Warning:ReturnPct=+5", "Detection:Thresholds:Warning:ReturnPct" },
        { "Thresholds:Critical:ZScore=NaN", "Detection:Thresholds:Critical:ZScore" },
        { "Thresholds:Watch:AbnormalPct=-150", "Detection:Thresholds:Watch:AbnormalPct" },
        { "Thresholds: watch below warning", "Detection:Thresholds: ReturnPct must not rise" },
        { "GroupThresholds:chips:Critical:ReturnPct=0", "Detection:GroupThresholds:chips:Critical:ReturnPct" },
        { "SectorShock:MinMembers=1", "Detection:SectorShock:MinMembers" },
        { "SectorShock:MinFraction=0", "Detection:SectorShock:MinFraction" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void Bad_options_are_reported_naming_the_key(string change, string key)
    {
        var options = new DetectionOptions();
        Assert.Empty(options.Validate());
        switch (change)
        {
            case "LookBack=0": options.LookBack = TimeSpan.Zero; break;
            case "VolatilitySessions=2": options.VolatilitySessions = 2; break;
            case "BetaSessions=5": options.BetaSessions = 5; break;
            case "MaxGapSessions=0": options.MaxGapSessions = 0; break;
            case "BenchmarkWait=-1m": options.BenchmarkWait = TimeSpan.FromMinutes(-1); break;
            case "ShortHorizonMinutes=0": options.ShortHorizonMinutes = [0]; break;
            case "ShortHorizonWatchPct=+1": options.ShortHorizonWatchPct = 1; break;
            case "MaxHeadlinesPerAlert=0": options.MaxHeadlinesPerAlert = 0; break;
            case "Thresholds:Warning:ReturnPct=+5": options.Thresholds.Warning.ReturnPct = 5; break;
            case "Thresholds:Critical:ZScore=NaN": options.Thresholds.Critical.ZScore = double.NaN; break;
            case "Thresholds:Watch:AbnormalPct=-150": options.Thresholds.Watch.AbnormalPct = -150; break;
            case "Thresholds: watch below warning": options.Thresholds.Watch.ReturnPct = -6; break;
            case "GroupThresholds:chips:Critical:ReturnPct=0": options.GroupThresholds["chips"] = new ThresholdSet { Critical = new() { ReturnPct = 0, ZScore = -3, AbnormalPct = -6 } }; break;
            case "SectorShock:MinMembers=1": options.SectorShock.MinMembers = 1; break;
            case "SectorShock:MinFraction=0": options.SectorShock.MinFraction = 0; break;
            default: throw new ArgumentOutOfRangeException(nameof(change));
        }
        var problems = options.Validate().ToList();
        Assert.NotEmpty(problems);
        Assert.Contains(problems, p => p.StartsWith(key, StringComparison.Ordinal));
        Assert.All(problems, p => Assert.StartsWith("Detection:", p, StringComparison.Ordinal));
    }

    [Fact]
    public void The_default_options_and_watchlist_are_valid_and_cover_the_Magnificent_Seven_and_the_chip_stocks()
    {
        Assert.Empty(new DetectionOptions().Validate());
        var watchlist = new WatchlistOptions { Groups = WatchlistOptions.Defaults() };
        Assert.Empty(watchlist.Validate());
        Assert.Equal(["AAPL", "AMZN", "GOOGL", "META", "MSFT", "NVDA", "TSLA"], watchlist.Groups["magnificent-seven"].Symbols.Order(StringComparer.Ordinal));
        Assert.Contains("AVGO", watchlist.Groups["semiconductors"].Symbols);
    }

    /// <summary>Feeds the benchmark's then the stock's daily bar of session <paramref name="day"/> and returns the stock's one alert.</summary>
    private static Alert DropDay(IDetectionEngine detector, int day, decimal close, decimal benchmarkClose)
    {
        var alerts = detector.OnBar(Daily(Benchmark, Day(day), benchmarkClose)).Alerts.Concat(detector.OnBar(Daily("X", Day(day), close)).Alerts).ToList();
        return Assert.Single(alerts, a => a.Symbol == "X");
    }
}
