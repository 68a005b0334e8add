using DeepSeekWatch.Contracts;

namespace DeepSeekWatch.Detection.Spine;

/// <summary>
/// The first detector: for every bar, the return of its close against the previous session's close; a return past a
/// threshold raises an alert at that severity (escalation raises a new alert, the same or a lower level in the same
/// session does not); an alert is an <c>ai-news-drop</c> when an AI headline was published in the look-back window
/// before the bar (or later in the same session, as a revision when it arrives after the drop), else a <c>drop</c>.
/// </summary>
public sealed class SpineDetector : IDetectionEngine
{
    private const int OutputCacheSize = 20_000;
    private readonly SpineDetectionOptions _options;
    private readonly Watchlist _watchlist;
    private readonly double[] _thresholds;
    private readonly Dictionary<string, SymbolState> _symbols = new(StringComparer.Ordinal);
    private readonly List<AiHeadlineDetected> _headlines = [];
    private readonly Dictionary<string, Alert> _alerts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DetectionResult> _outputs = new(StringComparer.Ordinal);
    private readonly Queue<string> _outputOrder = new();
    private DateTimeOffset _latest = DateTimeOffset.MinValue;

    public SpineDetector(SpineDetectionOptions options, Watchlist watchlist)
    {
        _options = options;
        _watchlist = watchlist;
        _thresholds = [options.DropThresholdsPct.Watch, options.DropThresholdsPct.Warning, options.DropThresholdsPct.Critical];
    }

    public DetectionResult OnBar(PriceBarObserved bar)
    {
        var key = $"bar|{bar.Symbol}|{bar.Interval}|{bar.Start.UtcTicks}";
        if (_outputs.TryGetValue(key, out var cached))
            return cached;
        var result = Decide(bar);
        Remember(key, result);
        Advance(bar.End);
        return result;
    }

    public DetectionResult OnHeadline(AiHeadlineDetected headline)
    {
        var key = $"headline|{headline.Source}|{headline.EventId}";
        if (_outputs.TryGetValue(key, out var cached))
            return cached;
        var result = Link(headline);
        Remember(key, result);
        return result;
    }

    private DetectionResult Decide(PriceBarObserved bar)
    {
        if (!_symbols.TryGetValue(bar.Symbol, out var state))
            _symbols[bar.Symbol] = state = new SymbolState();
        // Forward-only per interval: an older bar than one already seen changes nothing.
        if (state.LastStart.TryGetValue(bar.Interval, out var last) && bar.Start <= last)
            return DetectionResult.None;
        state.LastStart[bar.Interval] = bar.Start;

        var session = MarketClock.SessionDate(bar.Start);
        if (state.Session is null || session > state.Session)
        {
            if (state.Session is not null)
                state.PreviousClose = state.LastClose;
            state.Session = session;
            state.RaisedRank = -1;
        }
        else if (session < state.Session)
        {
            return DetectionResult.None;
        }
        state.LastClose = bar.Close;

        if (state.PreviousClose is not { } reference)
            return DetectionResult.None;
        var groups = _watchlist.GroupsOf(bar.Symbol);
        if (groups.Count == 0)
            return DetectionResult.None;
        var returnPct = ((double)bar.Close / (double)reference - 1) * 100;
        var rank = -1;
        for (var i = 0; i < _thresholds.Length; i++)
        {
            if (returnPct <= _thresholds[i])
                rank = i;
        }
        if (rank <= state.RaisedRank)
            return DetectionResult.None;
        state.RaisedRank = rank;

        var severity = SeverityRank.Name(rank);
        var group = _watchlist.Group(groups[0])!;
        var headlines = Relevant(bar.End, session);
        var alert = new Alert
        {
            AlertId = AlertIds.ForSymbol(bar.Symbol, session, severity),
            Revision = 1,
            Kind = headlines.Count > 0 ? AlertKinds.AiNewsDrop : AlertKinds.Drop,
            Symbol = bar.Symbol,
            Group = group.Name,
            Severity = severity,
            At = bar.End,
            Session = session,
            Price = bar.Close,
            ReferencePrice = reference,
            ReturnPct = returnPct,
            AbnormalReturnPct = null,
            ZScore = null,
            Benchmark = group.Benchmark,
            Headlines = headlines,
            Replay = bar.Replay,
        };
        _alerts[alert.AlertId] = alert;
        var drop = new DropDetected(alert.AlertId, bar.Symbol, group.Name, session, bar.End, severity, returnPct, null, headlines.Count > 0, bar.Replay);
        return new DetectionResult([alert], [drop]);
    }

    private DetectionResult Link(AiHeadlineDetected headline)
    {
        var index = _headlines.FindLastIndex(h => h.PublishedAt <= headline.PublishedAt);
        _headlines.Insert(index + 1, headline);
        List<Alert>? revised = null;
        foreach (var alert in _alerts.Values.OrderBy(a => a.At).ThenBy(a => a.AlertId, StringComparer.Ordinal))
        {
            if (!InWindow(headline.PublishedAt, alert.At, alert.Session) || alert.Headlines.Any(h => h.Url == headline.Url && h.Title == headline.Title))
                continue;
            var merged = Order(alert.Headlines.Append(ToAlertHeadline(headline)));
            if (merged.SequenceEqual(alert.Headlines))
                continue;
            var next = alert with { Revision = alert.Revision + 1, Kind = alert.Symbol is null ? alert.Kind : AlertKinds.AiNewsDrop, Headlines = merged };
            _alerts[alert.AlertId] = next;
            (revised ??= []).Add(next);
        }
        return revised is null ? DetectionResult.None : new DetectionResult(revised, []);
    }

    private List<AlertHeadline> Relevant(DateTimeOffset at, DateOnly session) =>
        Order(_headlines.Where(h => InWindow(h.PublishedAt, at, session)).Select(ToAlertHeadline));

    private bool InWindow(DateTimeOffset publishedAt, DateTimeOffset at, DateOnly session) =>
        publishedAt >= at - _options.LookBack && publishedAt <= MarketClock.At(session, 20);

    private List<AlertHeadline> Order(IEnumerable<AlertHeadline> headlines) =>
        headlines.OrderByDescending(h => h.Score).ThenBy(h => h.PublishedAt).ThenBy(h => h.Url, StringComparer.Ordinal).ThenBy(h => h.Title, StringComparer.Ordinal)
            .Take(_options.MaxHeadlinesPerAlert).ToList();

    private static AlertHeadline ToAlertHeadline(AiHeadlineDetected h) => new(h.Title, h.Url, h.Publisher, h.PublishedAt, h.Score, h.MatchedTerms);

    private void Remember(string key, DetectionResult result)
    {
        _outputs[key] = result;
        _outputOrder.Enqueue(key);
        while (_outputOrder.Count > OutputCacheSize)
            _outputs.Remove(_outputOrder.Dequeue());
    }

    /// <summary>Forgets what no later event can touch: headlines older than the look-back, alerts a week past.</summary>
    private void Advance(DateTimeOffset time)
    {
        if (time <= _latest)
            return;
        _latest = time;
        var horizon = time - _options.LookBack - TimeSpan.FromDays(7);
        var old = _headlines.FindIndex(h => h.PublishedAt >= horizon);
        if (old > 0)
            _headlines.RemoveRange(0, old);
        else if (old < 0)
            _headlines.Clear();
        foreach (var id in _alerts.Where(a => a.Value.At < horizon).Select(a => a.Key).ToList())
            _alerts.Remove(id);
    }

    private sealed class SymbolState
    {
        public Dictionary<string, DateTimeOffset> LastStart { get; } = new(StringComparer.Ordinal);

        public DateOnly? Session { get; set; }

        public decimal LastClose { get; set; }

        public decimal? PreviousClose { get; set; }

        public int RaisedRank { get; set; } = -1;
    }
}
