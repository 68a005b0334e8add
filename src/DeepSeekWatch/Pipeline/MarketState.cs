using System.Collections.Concurrent;
using DeepSeekWatch.Contracts;
using DeepSeekWatch.Detection;

namespace DeepSeekWatch.Pipeline;

/// <summary>Last price and session return per symbol, as this process has seen them (for the watchlist API and gauges).</summary>
public sealed class MarketState
{
    private readonly ConcurrentDictionary<string, SymbolQuote> _quotes = new(StringComparer.Ordinal);

    public void Observe(PriceBarObserved bar)
    {
        var session = MarketClock.SessionDate(bar.Start);
        _quotes.AddOrUpdate(bar.Symbol,
            _ => new SymbolQuote(bar.Symbol, session, bar.End, bar.Close, null, null),
            (_, q) =>
            {
                if (bar.End < q.At)
                    return q;
                // A new session: yesterday's last price becomes the reference.
                var reference = session > q.Session ? q.LastPrice : q.PreviousClose;
                var ret = reference is { } r && r > 0 ? ((double)bar.Close / (double)r - 1) * 100 : (double?)null;
                return new SymbolQuote(bar.Symbol, session, bar.End, bar.Close, reference, ret);
            });
    }

    public SymbolQuote? Get(string symbol) => _quotes.TryGetValue(symbol, out var q) ? q : null;

    public IReadOnlyCollection<SymbolQuote> All => (IReadOnlyCollection<SymbolQuote>)_quotes.Values;
}

public sealed record SymbolQuote(string Symbol, DateOnly Session, DateTimeOffset At, decimal LastPrice, decimal? PreviousClose, double? SessionReturnPct);

/// <summary>Recent headlines with their classification, newest kept, bounded.</summary>
public sealed class HeadlineLog
{
    private const int Capacity = 2_000;
    private readonly Lock _gate = new();
    private readonly LinkedList<ClassifiedHeadline> _items = new();
    private readonly HashSet<string> _keys = new(StringComparer.Ordinal);

    public void Add(ClassifiedHeadline headline)
    {
        lock (_gate)
        {
            if (!_keys.Add(headline.Url + "|" + headline.Title))
                return;
            var node = _items.Last;
            while (node is not null && node.Value.PublishedAt > headline.PublishedAt)
                node = node.Previous;
            if (node is null)
                _items.AddFirst(headline);
            else
                _items.AddAfter(node, headline);
            while (_items.Count > Capacity)
            {
                _keys.Remove(_items.First!.Value.Url + "|" + _items.First.Value.Title);
                _items.RemoveFirst();
            }
        }
    }

    /// <summary>Newest first.</summary>
    public IReadOnlyList<ClassifiedHeadline> Query(bool? ai, DateTimeOffset? since, int limit)
    {
        lock (_gate)
        {
            var result = new List<ClassifiedHeadline>();
            for (var node = _items.Last; node is not null && result.Count < limit; node = node.Previous)
            {
                var h = node.Value;
                if (since is { } s && h.PublishedAt < s)
                    break;
                if (ai is null || h.Ai == ai)
                    result.Add(h);
            }
            return result;
        }
    }
}

public sealed record ClassifiedHeadline(string Title, string Url, string Publisher, DateTimeOffset PublishedAt, string Source, bool Ai, double Score, IReadOnlyList<string> MatchedTerms, IReadOnlyList<string> Symbols, IReadOnlyList<string> Groups);
