using DeepSeekWatch.Contracts;
using DeepSeekWatch.Indicators;

namespace DeepSeekWatch.Detection.Reaction;

/// <summary>
/// The reaction detector of design.md ("Detecting an AI-news-driven drop"). For every bar of a watched symbol it
/// computes the session return against the previous session's close, short-horizon returns of intraday bars, the
/// z-score of the return against the rolling standard deviation of daily returns, and the market-model abnormal return
/// (return minus rolling beta times the benchmark's return over the same span). Thresholds per group turn these into
/// a severity; an escalation raises a new alert, a repeat at the same or a lower level in the session does not. An AI
/// headline that names the company, or is sector news for its group, published inside the look-back window (or later
/// in the same session, as a revision) makes the drop an <c>ai-news-drop</c>. Enough members of one group falling in
/// one session with AI news make one <c>sector-shock</c> alert, revised as members join.
/// <para>
/// Order: a decision that needs the benchmark's return for the same bar waits for the benchmark's bar (for at most
/// <see cref="DetectionOptions.BenchmarkWait"/> on the event clock, then decides without it), so the final alerts do not
/// depend on whether the stock's or the benchmark's bar comes first. Redelivered events return what they caused the
/// first time. Pure: no I/O, no clock but the events' own times.
/// </para>
/// </summary>
public sealed class ReactionDetector : IDetectionEngine
{
    private static readonly string[] IntervalNames = ["1m", "5m", "15m", "1h", "1d"];
    private readonly DetectionOptions _options;
    private readonly int[] _horizons;
    private readonly Watchlist _watchlist;
    private readonly Dictionary<string, SymbolState> _symbols = new(StringComparer.Ordinal);
    private readonly List<Pending> _pending = [];
    private readonly List<AiHeadlineDetected> _headlines = [];
    private readonly Dictionary<string, Alert> _alerts = new(StringComparer.Ordinal);
    private readonly SectorShockJudge _judge;
    private readonly Func<WatchGroup, DateOnly, DateTimeOffset, bool> _settled;
    private readonly DetectorPartition? _partition;
    private readonly List<GroupMemberChanged> _memberBuffer = [];
    private readonly List<GroupProgress> _progressBuffer = [];
    private readonly Dictionary<string, (DateTimeOffset Through, DateOnly Latest, DateTimeOffset Clock, DateTimeOffset EventTime)> _progressSent = new(StringComparer.Ordinal);
    private Dictionary<string, string[]>? _ownedMembers;
    private readonly Dictionary<string, DetectionResult> _headlineOutputs = new(StringComparer.Ordinal);
    private readonly Queue<string> _headlineOrder = new();
    private readonly List<Alert> _alertBuffer = [];
    private readonly List<DropDetected> _dropBuffer = [];
    private DateTimeOffset _clock = DateTimeOffset.MinValue;
    private DateTimeOffset _pruned = DateTimeOffset.MinValue;
    private bool _replay;
    private DateTimeOffset _eventTime = DateTimeOffset.MinValue;

    private readonly Func<DateOnly, DateOnly, int> _sessionsBetween;

    /// <param name="sessionsBetween">
    /// The number of trading sessions after the first date up to and including the second (the seam for an exchange
    /// calendar, so that a holiday is no session rather than a one-session gap); default: weekdays.
    /// </param>
    /// <param name="partition">
    /// Set when this detector is one partition of several: it decides only the symbols the partition owns (benchmarks'
    /// bars still feed it), and instead of judging sector shocks itself it reports its members' drops
    /// (<see cref="GroupMemberChanged"/>) and its progress (<see cref="GroupProgress"/>) to the aggregator.
    /// </param>
    public ReactionDetector(DetectionOptions options, Watchlist watchlist, Func<DateOnly, DateOnly, int>? sessionsBetween = null, DetectorPartition? partition = null)
    {
        _judge = new SectorShockJudge(options, watchlist);
        _settled = Settled;
        _partition = partition;
        _sessionsBetween = sessionsBetween ?? Weekdays;
        _options = options;
        _horizons = [.. options.Horizons];
        _watchlist = watchlist;
    }

    public DetectionResult OnBar(PriceBarObserved bar)
    {
        var interval = Array.IndexOf(IntervalNames, bar.Interval);
        if (interval < 0 || bar.Close <= 0)
            return DetectionResult.None;
        var state = State(bar.Symbol);
        _replay = bar.Replay;
        Moved(bar.End);
        if (state.LastStart[interval] is { } last && bar.Start <= last)
            return state.Remembered(interval, bar.Start.UtcTicks);
        state.LastStart[interval] = bar.Start;

        var session = state.DateOf(bar.Start);
        if (state.Session is { } current && session < current)
            return DetectionResult.None;
        if (state.Session != session)
            StartSession(state, session);
        UpdatePrices(state, bar, interval == 4);
        if (state.BenchmarkOf.Count > 0)
            OnBenchmarkBar(state, bar);

        if (state.Groups.Length > 0 && state.Reference is not null && state.Owned)
            _pending.Add(new Pending(state, bar, state.Reference.Value, state.ReferenceGap, ShortHorizon(state, bar)));
        Advance(bar.End);
        ResolvePending();
        var result = Flush();
        if (!result.IsEmpty)
            state.Remember(interval, bar.Start.UtcTicks, result);
        return result;
    }

    public DetectionResult OnHeadline(AiHeadlineDetected headline)
    {
        var key = headline.Source + "|" + headline.EventId;
        if (_headlineOutputs.TryGetValue(key, out var cached))
            return cached;
        Moved(headline.PublishedAt);
        var index = _headlines.FindLastIndex(h => h.PublishedAt <= headline.PublishedAt);
        _headlines.Insert(index + 1, headline);
        foreach (var alert in _alerts.Values.Where(a => a.Symbol is not null).OrderBy(a => a.At).ThenBy(a => a.AlertId, StringComparer.Ordinal).ToList())
        {
            if (!InWindow(headline.PublishedAt, alert.At, alert.Session) || !Concerns(headline, alert.Symbol!) || alert.Headlines.Any(h => SameHeadline(h, headline)))
                continue;
            var merged = Order(alert.Headlines.Append(ToAlertHeadline(headline)));
            var next = alert with { Revision = alert.Revision + 1, Kind = AlertKinds.AiNewsDrop, Headlines = merged };
            if (next.Kind == alert.Kind && merged.SequenceEqual(alert.Headlines))
                continue;
            _alerts[alert.AlertId] = next;
            _alertBuffer.Add(next);
            if (alert.Kind != AlertKinds.AiNewsDrop)
                _dropBuffer.Add(new DropDetected(next.AlertId, next.Symbol!, next.Group, next.Session, next.At, next.Severity, next.ReturnPct ?? 0, next.AbnormalReturnPct, true, next.Replay));
            foreach (var group in State(next.Symbol!).Groups)
                MemberDropped(group, next, next.At);
        }
        var result = Flush();
        _headlineOutputs[key] = result;
        _headlineOrder.Enqueue(key);
        while (_headlineOrder.Count > 10_000)
            _headlineOutputs.Remove(_headlineOrder.Dequeue());
        return result;
    }

    /// <summary>The partition's event time only moves forward (a late headline does not take it back).</summary>
    private void Moved(DateTimeOffset time)
    {
        if (time > _eventTime)
            _eventTime = time;
    }

    /// <summary>Moves the event clock (a live service's timer, or the end of a replay): decisions that waited too long for their benchmark are made without it.</summary>
    public DetectionResult OnClock(DateTimeOffset now)
    {
        _replay = false;
        Moved(now);
        Advance(now);
        ResolvePending();
        return Flush();
    }

    private SymbolState State(string symbol)
    {
        return _symbols.TryGetValue(symbol, out var state) ? state : Create(symbol);
    }

    /// <summary>A symbol's state on its first bar (apart from <see cref="State"/>, whose every call would otherwise allocate this method's closure).</summary>
    private SymbolState Create(string symbol)
    {
        SymbolState state;
        var groups = _watchlist.GroupsOf(symbol).ToArray();
        var benchmark = groups.Length > 0 ? _watchlist.Group(groups[0])!.Benchmark : null;
        state = new SymbolState(symbol, groups, benchmark == symbol ? null : benchmark, _options) { Owned = _partition is null || _partition.Owns(symbol) };
        _symbols[symbol] = state;
        foreach (var g in _watchlist.Groups.Where(g => g.Benchmark == symbol))
            state.BenchmarkOf.Add(g.Name);
        return state;
    }

    private void StartSession(SymbolState state, DateOnly session)
    {
        if (state.Session is { } previous && state.HasClose)
        {
            // The previous session is over: its close is final, and so is its daily return.
            if (state.Reference is { } before)
            {
                var daily = (double)state.Close / (double)before - 1;
                // A return over a gap of several sessions is not one day's move: scale it to a daily one for the volatility.
                state.DailyReturns.Add(daily / Math.Sqrt(state.ReferenceGap));
                state.AddFinalReturn(previous, daily);
                PairReturns(state, previous);
            }
            var gap = Math.Max(1, _sessionsBetween(previous, session));
            // Too long a gap (a halt, missing data) is not a reference: the next session is measured again from its own close.
            state.Reference = gap <= _options.MaxGapSessions ? state.Close : null;
            state.ReferenceGap = gap;
        }
        state.Session = session;
        state.HasClose = false;
        state.HasDailyClose = false;
        state.RaisedRank = -1;
        state.RecentCount = 0;
    }

    /// <summary>The default session count: weekdays after <paramref name="from"/> up to and including <paramref name="to"/> (at least 1).</summary>
    public static int Weekdays(DateOnly from, DateOnly to)
    {
        var n = 0;
        for (var d = from.AddDays(1); d <= to; d = d.AddDays(1))
        {
            if (d.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday))
                n++;
        }
        return Math.Max(1, n);
    }

    private static void UpdatePrices(SymbolState state, PriceBarObserved bar, bool daily)
    {
        // The session's close: the daily bar's when there is one, else the last regular-session intraday bar's.
        if (daily)
        {
            state.Close = bar.Close;
            state.HasClose = true;
            state.HasDailyClose = true;
        }
        else if (!state.HasDailyClose && state.IsRegular(bar))
        {
            state.Close = bar.Close;
            state.HasClose = true;
        }
        if (!daily)
            state.AddRecent(bar.End, bar.Close);
        state.LastEnd = bar.End;
        state.LastPrice = bar.Close;
    }

    private void OnBenchmarkBar(SymbolState benchmark, PriceBarObserved bar)
    {
        if (benchmark.Reference is { } reference)
            benchmark.AddBenchmarkReturn(bar.End, benchmark.Session!.Value, (double)bar.Close / (double)reference - 1);
    }

    private void PairReturns(SymbolState state, DateOnly session)
    {
        if (!state.TryGetFinalReturn(session, out var own))
            return;
        if (BenchmarkState(state) is { } benchmark && benchmark.TryGetFinalReturn(session, out var rb))
            state.Beta.Add(own, rb);
        if (state.BenchmarkOf.Count == 0)
            return;
        foreach (var member in _symbols.Values)
        {
            if (member.Benchmark == state.Symbol && member.TryGetFinalReturn(session, out var rm))
                member.Beta.Add(rm, own);
        }
    }

    private (double? Return, bool Known) BenchmarkReturn(SymbolState state, DateTimeOffset end)
    {
        return BenchmarkState(state) is { } benchmark ? benchmark.BenchmarkReturnAt(end) : (null, false);
    }

    /// <summary>The state of a symbol's benchmark, looked up once it exists and then kept (no dictionary lookup per bar).</summary>
    private SymbolState? BenchmarkState(SymbolState state)
    {
        if (state.BenchmarkState is null && state.Benchmark is { } b && _symbols.TryGetValue(b, out var benchmark))
            state.BenchmarkState = benchmark;
        return state.BenchmarkState;
    }

    private void ResolvePending()
    {
        for (var i = 0; i < _pending.Count;)
        {
            var p = _pending[i];
            var (rb, known) = BenchmarkReturn(p.State, p.Bar.End);
            var expired = p.Bar.End + _options.BenchmarkWait < _clock || (p.State.Benchmark is null);
            if (!known && !expired)
            {
                i++;
                continue;
            }
            _pending.RemoveAt(i);
            Decide(p, known ? rb : null);
        }
    }

    private void Decide(Pending p, double? benchmarkReturn)
    {
        var state = p.State;
        var bar = p.Bar;
        var session = state.DateOf(bar.Start);
        if (state.Session != session)
            return;
        var ret = (double)bar.Close / (double)p.Reference - 1;
        double? z = state.DailyReturns.IsFull && state.DailyReturns.StdDev > 0 ? ret / (state.DailyReturns.StdDev * Math.Sqrt(Math.Max(1, p.Gap))) : null;
        double? beta = state.Beta.IsFull && state.Beta.VarianceB > 0 ? state.Beta.Covariance / state.Beta.VarianceB : null;
        double? abnormal = beta is { } b && benchmarkReturn is { } rb ? ret - b * rb : null;
        var thresholds = state.Thresholds;
        var rank = -1;
        for (var r = 2; r >= 0 && rank < 0; r--)
        {
            var level = thresholds[r];
            if (ret * 100 <= level.ReturnPct && (z is null || z <= level.ZScore) && (abnormal is null || abnormal * 100 <= level.AbnormalPct))
                rank = r;
        }
        if (rank < 0 && p.ShortHorizon * 100 <= _options.ShortHorizonWatchPct && (abnormal is null || abnormal < 0))
            rank = 0;
        if (rank <= state.RaisedRank)
            return;
        state.RaisedRank = rank;
        Raise(p, rank, ret, z, abnormal);
    }

    /// <summary>Raises the alert of a decision (kept apart from <see cref="Decide"/> so that its closures are allocated only when an alert is raised).</summary>
    private void Raise(Pending p, int rank, double ret, double? z, double? abnormal)
    {
        var state = p.State;
        var bar = p.Bar;
        var session = state.Session!.Value;
        var group = state.Groups[0];
        var severity = SeverityRank.Name(rank);
        var headlines = Order(_headlines.Where(h => InWindow(h.PublishedAt, bar.End, session) && Concerns(h, state.Symbol)).Select(ToAlertHeadline));
        var alert = new Alert
        {
            AlertId = AlertIds.ForSymbol(state.Symbol, session, severity),
            Revision = 1,
            Kind = headlines.Count > 0 ? AlertKinds.AiNewsDrop : AlertKinds.Drop,
            Symbol = state.Symbol,
            Group = group,
            Severity = severity,
            At = bar.End,
            Session = session,
            Price = bar.Close,
            ReferencePrice = p.Reference,
            ReturnPct = ret * 100,
            AbnormalReturnPct = abnormal * 100,
            ZScore = z,
            Benchmark = state.Benchmark,
            Headlines = headlines,
            Replay = bar.Replay,
        };
        _alerts[alert.AlertId] = alert;
        _alertBuffer.Add(alert);
        _dropBuffer.Add(new DropDetected(alert.AlertId, state.Symbol, group, session, bar.End, severity, ret * 100, abnormal * 100, headlines.Count > 0, bar.Replay));
        foreach (var g in state.Groups)
            MemberDropped(g, alert, bar.End);
    }

    private void MemberDropped(string groupName, Alert member, DateTimeOffset at)
    {
        var merged = _judge.Member(groupName, member.Symbol!, member.Session, SeverityRank.Of(member.Severity), member.Kind == AlertKinds.AiNewsDrop, member.ReturnPct ?? 0, member.Headlines, at, member.Replay);
        if (merged is { } m && _partition is not null)
            _memberBuffer.Add(new GroupMemberChanged(groupName, member.Session, member.Symbol!, _partition.Index, SeverityRank.Name(m.Rank), m.Ai, m.ReturnPct, m.Headlines, at, _eventTime, member.Replay));
    }

    /// <summary>
    /// A partition's progress per group it owns members of: the time up to which every bar of those members (trading
    /// in the last week of the partition's latest session) is decided, and the partition's event clock. Reported when
    /// either moves (at most once per distinct bar end time).
    /// </summary>
    private void ReportProgress(DetectorPartition partition)
    {
        _ownedMembers ??= _watchlist.Groups.Select(g => (g.Name, Members: g.Symbols.Where(partition.Owns).ToArray())).Where(g => g.Members.Length > 0)
            .ToDictionary(g => g.Name, g => g.Members, StringComparer.Ordinal);
        foreach (var (group, members) in _ownedMembers)
        {
            DateOnly? latest = null;
            foreach (var symbol in members)
            {
                if (_symbols.TryGetValue(symbol, out var m) && m.Session is { } s && (latest is null || s > latest))
                    latest = s;
            }
            if (latest is not { } newest)
            {
                // None of the partition's members has traded yet: it holds nothing back, but it still reports its
                // event time, so the aggregator (which waits for every partition owning members) can go on.
                Report(partition, group, DateTimeOffset.MaxValue, DateOnly.MinValue);
                continue;
            }
            var through = DateTimeOffset.MaxValue;
            foreach (var symbol in members)
            {
                if (!_symbols.TryGetValue(symbol, out var m) || m.Session is not { } last || last < newest.AddDays(-7))
                    continue;
                var decided = m.LastEnd;
                foreach (var p in _pending)
                {
                    if (p.State == m && p.Bar.End.AddTicks(-1) < decided)
                        decided = p.Bar.End.AddTicks(-1);
                }
                if (decided < through)
                    through = decided;
            }
            Report(partition, group, through, newest);
        }
    }

    private void Report(DetectorPartition partition, string group, DateTimeOffset through, DateOnly latest)
    {
        if (_progressSent.TryGetValue(group, out var sent) && sent.Through == through && sent.Latest == latest && sent.Clock == _clock && sent.EventTime == _eventTime)
            return;
        _progressSent[group] = (through, latest, _clock, _eventTime);
        _progressBuffer.Add(new GroupProgress(group, partition.Index, through, latest, _clock, _eventTime, _replay));
    }

    /// <summary>
    /// True when every member trading lately has been decided up to <paramref name="at"/> (its bar of that time
    /// seen and not waiting for the benchmark), or when the event clock has passed the benchmark wait: a sector shock is
    /// judged on all the members of one moment, whatever order their bars came in.
    /// </summary>
    private bool Settled(WatchGroup group, DateOnly session, DateTimeOffset at)
    {
        if (_clock > at + _options.BenchmarkWait)
            return true;
        foreach (var symbol in group.Symbols)
        {
            // A member not seen for days is not waited for; one that traded lately is expected this session too.
            if (!_symbols.TryGetValue(symbol, out var m) || m.Session is not { } last || last < session.AddDays(-7))
                continue;
            if (m.LastEnd < at)
                return false;
            foreach (var p in _pending)
            {
                if (p.State == m && p.Bar.End <= at)
                    return false;
            }
        }
        return true;
    }

    private double ShortHorizon(SymbolState state, PriceBarObserved bar)
    {
        if (bar.Interval == "1d")
            return 0;
        var worst = 0d;
        foreach (var minutes in _horizons)
        {
            if (state.CloseBefore(bar.End - TimeSpan.FromMinutes(minutes), bar.End - bar.Start) is { } then && then > 0)
                worst = Math.Min(worst, (double)bar.Close / (double)then - 1);
        }
        return worst;
    }

    private bool InWindow(DateTimeOffset publishedAt, DateTimeOffset at, DateOnly session) =>
        publishedAt >= at - _options.LookBack && publishedAt <= MarketClock.At(session, 20);

    private bool Concerns(AiHeadlineDetected headline, string symbol)
    {
        if (headline.Symbols.Contains(symbol, StringComparer.Ordinal))
            return true;
        if (headline.Groups.Count == 0 || !_symbols.TryGetValue(symbol, out var state))
            return false;
        foreach (var g in state.Groups)
        {
            if (headline.Groups.Contains(g, StringComparer.OrdinalIgnoreCase))
                return true;
        }
        return false;
    }

    private static bool SameHeadline(AlertHeadline a, AiHeadlineDetected b) => a.Url == b.Url && a.Title == b.Title;

    private List<AlertHeadline> Order(IEnumerable<AlertHeadline> headlines) => HeadlineOrder.Top(headlines, _options.MaxHeadlinesPerAlert);

    private static AlertHeadline ToAlertHeadline(AiHeadlineDetected h) => new(h.Title, h.Url, h.Publisher, h.PublishedAt, h.Score, h.MatchedTerms);

    private DetectionResult Flush()
    {
        if (_partition is not null)
            ReportProgress(_partition);
        else if (_judge.HasDirty)
            _judge.Evaluate(_settled, _alertBuffer);
        if (_alertBuffer.Count == 0 && _dropBuffer.Count == 0 && _memberBuffer.Count == 0 && _progressBuffer.Count == 0)
            return DetectionResult.None;
        var result = new DetectionResult(_alertBuffer.ToArray(), _dropBuffer.ToArray(), _memberBuffer.ToArray(), _progressBuffer.ToArray());
        _alertBuffer.Clear();
        _dropBuffer.Clear();
        _memberBuffer.Clear();
        _progressBuffer.Clear();
        return result;
    }

    private void Advance(DateTimeOffset time)
    {
        if (time <= _clock)
            return;
        _clock = time;
        if (time - _pruned < TimeSpan.FromDays(1))
            return;
        _pruned = time;
        var horizon = time - _options.LookBack - TimeSpan.FromDays(7);
        // Loops rather than LINQ: this runs once a day of event time and allocates nothing when nothing is old.
        var old = 0;
        while (old < _headlines.Count && _headlines[old].PublishedAt < horizon)
            old++;
        if (old > 0)
            _headlines.RemoveRange(0, old);
        foreach (var (id, alert) in _alerts)
        {
            if (alert.At < horizon)
                _alerts.Remove(id);
        }
        _judge.Prune(DateOnly.FromDateTime(horizon.UtcDateTime));
    }

    private readonly record struct Pending(SymbolState State, PriceBarObserved Bar, decimal Reference, int Gap, double ShortHorizon);

    private sealed class SymbolState(string symbol, string[] groups, string? benchmark, DetectionOptions options)
    {
        private const int FinalCapacity = 16;
        private readonly (DateOnly Session, double Return)[] _final = new (DateOnly, double)[FinalCapacity];
        private int _finalCount;
        private long _dayStart = long.MaxValue;
        private long _dayEnd = long.MinValue;
        private long _regularOpen;
        private long _regularClose;
        private DateOnly _day;
        private const int RecentCapacity = 128;
        private const int BenchmarkCapacity = 512;
        private readonly (long End, decimal Close)[] _recent = new (long, decimal)[RecentCapacity];
        private readonly (long End, DateOnly Session, double Return)[] _benchmark = new (long, DateOnly, double)[BenchmarkCapacity];
        private readonly Dictionary<long, DetectionResult> _outputs = [];
        private readonly Queue<long> _outputOrder = new();
        private int _benchmarkCount;
        private int _benchmarkNext;

        public string Symbol { get; } = symbol;

        /// <summary>True when this detector decides the symbol (always, unless it is one partition of several).</summary>
        public bool Owned { get; init; } = true;

        public string[] Groups { get; } = groups;

        public string? Benchmark { get; } = benchmark;

        public List<string> BenchmarkOf { get; } = [];

        public DateTimeOffset?[] LastStart { get; } = new DateTimeOffset?[IntervalNames.Length];

        public DateOnly? Session { get; set; }

        public decimal Close { get; set; }

        public bool HasClose { get; set; }

        public bool HasDailyClose { get; set; }

        public decimal? Reference { get; set; }

        public int ReferenceGap { get; set; } = 1;

        public int RaisedRank { get; set; } = -1;

        public DateTimeOffset LastEnd { get; set; }

        public decimal LastPrice { get; set; }

        public RollingStatistics DailyReturns { get; } = new(options.VolatilitySessions);

        public RollingCovariance Beta { get; } = new(options.BetaSessions);

        public ThresholdSet Thresholds { get; } = groups.Length > 0 ? options.ThresholdsFor(groups[0]) : options.Thresholds;

        public SymbolState? BenchmarkState { get; set; }

        /// <summary>The New York date of an instant; the day's bounds are cached so that most bars need no time-zone conversion.</summary>
        public DateOnly DateOf(DateTimeOffset instant)
        {
            var t = instant.UtcTicks;
            if (t < _dayStart || t >= _dayEnd)
            {
                _day = MarketClock.SessionDate(instant);
                _dayStart = MarketClock.At(_day, 0).UtcTicks;
                _dayEnd = MarketClock.At(_day.AddDays(1), 0).UtcTicks;
                _regularOpen = MarketClock.At(_day, 9, 30).UtcTicks;
                _regularClose = MarketClock.At(_day, 16).UtcTicks;
            }
            return _day;
        }

        /// <summary>True for a bar inside the regular session (9:30–16:00 New York) of its day.</summary>
        public bool IsRegular(PriceBarObserved bar)
        {
            DateOf(bar.Start);
            return bar.Start.UtcTicks >= _regularOpen && bar.End.UtcTicks <= _regularClose;
        }

        /// <summary>Keeps the final daily return of the latest sessions (enough to pair them with the benchmark's, whichever comes first).</summary>
        public void AddFinalReturn(DateOnly session, double value)
        {
            _final[_finalCount % FinalCapacity] = (session, value);
            _finalCount++;
        }

        public bool TryGetFinalReturn(DateOnly session, out double value)
        {
            for (var i = 1; i <= Math.Min(_finalCount, FinalCapacity); i++)
            {
                var (s, v) = _final[(_finalCount - i) % FinalCapacity];
                if (s == session)
                {
                    value = v;
                    return true;
                }
            }
            value = 0;
            return false;
        }

        public int RecentCount { get; set; }

        public void AddRecent(DateTimeOffset end, decimal close)
        {
            _recent[RecentCount % RecentCapacity] = (end.UtcTicks, close);
            RecentCount++;
        }

        /// <summary>The close of the latest bar of this session that ended at or before <paramref name="time"/>, if it is no older than one bar before it.</summary>
        public decimal? CloseBefore(DateTimeOffset time, TimeSpan tolerance)
        {
            var n = Math.Min(RecentCount, RecentCapacity);
            for (var i = 1; i <= n; i++)
            {
                var (end, close) = _recent[(RecentCount - i) % RecentCapacity];
                if (end <= time.UtcTicks)
                    return time.UtcTicks - end <= tolerance.Ticks ? close : null;
            }
            return null;
        }

        public void AddBenchmarkReturn(DateTimeOffset end, DateOnly session, double ret)
        {
            _benchmark[_benchmarkNext] = (end.UtcTicks, session, ret);
            _benchmarkNext = (_benchmarkNext + 1) % BenchmarkCapacity;
            _benchmarkCount = Math.Min(_benchmarkCount + 1, BenchmarkCapacity);
        }

        /// <summary>The session return as of <paramref name="end"/>: known when a bar ended then, or when later bars show none will.</summary>
        public (double? Return, bool Known) BenchmarkReturnAt(DateTimeOffset end)
        {
            var t = end.UtcTicks;
            if (_benchmarkCount == 0)
                return (null, false);
            var latest = _benchmark[(_benchmarkNext + BenchmarkCapacity - 1) % BenchmarkCapacity];
            if (latest.End < t)
                return (null, false);
            var session = DateOf(end);
            for (var i = 1; i <= _benchmarkCount; i++)
            {
                var e = _benchmark[(_benchmarkNext + BenchmarkCapacity - i) % BenchmarkCapacity];
                if (e.End <= t)
                    return e.Session == session ? (e.Return, true) : (null, true);
            }
            return (null, true);
        }

        public DetectionResult Remembered(int interval, long start) =>
            _outputs.TryGetValue(start * 8 + interval, out var r) ? r : DetectionResult.None;

        public void Remember(int interval, long start, DetectionResult result)
        {
            var key = start * 8 + interval;
            _outputs[key] = result;
            _outputOrder.Enqueue(key);
            while (_outputOrder.Count > 64)
                _outputs.Remove(_outputOrder.Dequeue());
        }

    }
}
