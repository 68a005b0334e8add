using DeepSeekWatch.Contracts;

namespace DeepSeekWatch.Detection.Reaction;

/// <summary>
/// The sector-shock rule of design.md: enough members of one group falling in one session with AI news make one
/// <c>sector-shock</c> alert, raised at the level the members reach together and revised as members join. It keeps
/// what each member reached per group and session and judges a group only when the caller says the members of that
/// moment are settled — the single detector knows that from its own state, the partitioned aggregator from the
/// partitions' progress. Pure and single-threaded.
/// </summary>
public sealed class SectorShockJudge(DetectionOptions options, Watchlist watchlist)
{
    private readonly Dictionary<(string Group, DateOnly Session), GroupSession> _groups = [];
    private readonly List<(string Group, DateOnly Session)> _dirty = [];

    /// <summary>True when some group changed and has not been judged yet.</summary>
    public bool HasDirty => _dirty.Count > 0;

    /// <summary>A member's state for a group's session, as merged so far (null when unknown).</summary>
    public readonly record struct MemberState(int Rank, bool Ai, double ReturnPct, IReadOnlyList<AlertHeadline> Headlines);

    /// <summary>
    /// Records that <paramref name="symbol"/> dropped in <paramref name="session"/> at <paramref name="rank"/>. Returns
    /// the member's merged state when this changed it (a higher rank, or AI news for the first time), else null.
    /// </summary>
    public MemberState? Member(string groupName, string symbol, DateOnly session, int rank, bool ai, double returnPct, IReadOnlyList<AlertHeadline> headlines, DateTimeOffset at, bool replay)
    {
        if (watchlist.Group(groupName) is not { } group)
            return null;
        var key = (group.Name, session);
        if (!_groups.TryGetValue(key, out var gs))
            _groups[key] = gs = new GroupSession();
        var known = gs.Members.TryGetValue(symbol, out var k) ? k : new MemberState(-1, false, 0, []);
        if (known.Rank >= rank && (known.Ai || !ai))
            return null;
        var merged = new MemberState(Math.Max(rank, known.Rank), ai || known.Ai, returnPct, headlines);
        gs.Members[symbol] = merged;
        gs.LastAt = gs.LastAt > at ? gs.LastAt : at;
        gs.LastReplay = replay;
        if (!_dirty.Contains(key))
            _dirty.Add(key);
        return merged;
    }

    /// <summary>
    /// Judges the changed groups whose members are settled up to their latest change (by <paramref name="settled"/>:
    /// group, session, time) and adds the sector-shock alerts raised or revised to <paramref name="output"/>.
    /// </summary>
    public void Evaluate(Func<WatchGroup, DateOnly, DateTimeOffset, bool> settled, List<Alert> output)
    {
        for (var i = _dirty.Count - 1; i >= 0; i--)
        {
            var key = _dirty[i];
            var group = watchlist.Group(key.Group)!;
            var gs = _groups[key];
            if (!settled(group, key.Session, gs.LastAt))
                continue;
            _dirty.RemoveAt(i);
            var needed = options.SectorShock.Needed(group.Symbols.Count);
            var aiMembers = gs.Members.Where(m => m.Value.Ai).OrderBy(m => m.Key, StringComparer.Ordinal).ToList();
            var level = -1;
            for (var r = 2; r >= 0 && level < 0; r--)
            {
                if (aiMembers.Count(m => m.Value.Rank >= r) >= needed)
                    level = r;
            }
            if (level < 0)
                continue;
            var members = aiMembers.Select(m => m.Key).ToList();
            var headlines = Order(aiMembers.SelectMany(m => m.Value.Headlines).DistinctBy(h => (h.Url, h.Title)));
            var meanReturn = aiMembers.Average(m => m.Value.ReturnPct);
            if (level > gs.ShockRank)
            {
                gs.ShockRank = level;
                var severity = SeverityRank.Name(level);
                gs.Shock = new Alert
                {
                    AlertId = AlertIds.ForGroup(group.Name, key.Session, severity),
                    Revision = 1,
                    Kind = AlertKinds.SectorShock,
                    Symbol = null,
                    Group = group.Name,
                    Members = members,
                    Severity = severity,
                    At = gs.LastAt,
                    Session = key.Session,
                    ReturnPct = meanReturn,
                    Benchmark = group.Benchmark,
                    Headlines = headlines,
                    Replay = gs.LastReplay,
                };
                output.Add(gs.Shock);
            }
            else if (gs.Shock is { } current && !current.Members.SequenceEqual(members))
            {
                gs.Shock = current with { Revision = current.Revision + 1, Members = members, Headlines = headlines, ReturnPct = meanReturn };
                output.Add(gs.Shock);
            }
        }
    }

    /// <summary>Forgets group sessions before <paramref name="oldest"/>.</summary>
    public void Prune(DateOnly oldest)
    {
        foreach (var (key, _) in _groups)
        {
            if (key.Session < oldest)
                _groups.Remove(key);
        }
        // A loop, not RemoveAll with a lambda: this runs once a day of event time and must allocate nothing.
        for (var i = _dirty.Count - 1; i >= 0; i--)
        {
            if (_dirty[i].Session < oldest)
                _dirty.RemoveAt(i);
        }
    }

    private List<AlertHeadline> Order(IEnumerable<AlertHeadline> headlines) => HeadlineOrder.Top(headlines, options.MaxHeadlinesPerAlert);

    private sealed class GroupSession
    {
        public Dictionary<string, MemberState> Members { get; } = new(StringComparer.Ordinal);

        public int ShockRank { get; set; } = -1;

        public Alert? Shock { get; set; }

        public DateTimeOffset LastAt { get; set; }

        public bool LastReplay { get; set; }
    }
}

/// <summary>The order of an alert's headlines: best score first, then earliest, then by URL and title.</summary>
public static class HeadlineOrder
{
    public static List<AlertHeadline> Top(IEnumerable<AlertHeadline> headlines, int max) =>
        headlines.OrderByDescending(h => h.Score).ThenBy(h => h.PublishedAt).ThenBy(h => h.Url, StringComparer.Ordinal).ThenBy(h => h.Title, StringComparer.Ordinal)
            .Take(max).ToList();
}
