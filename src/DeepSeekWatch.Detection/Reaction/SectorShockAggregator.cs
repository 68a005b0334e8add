using DeepSeekWatch.Contracts;

namespace DeepSeekWatch.Detection.Reaction;

/// <summary>
/// The sector-shock judge of a partitioned detector. Each partition reports its members' drops
/// (<see cref="GroupMemberChanged"/>) and its progress (<see cref="GroupProgress"/>), stamped with the partition's event
/// time. The aggregator merges these streams in event-time order — it holds a report until every partition has
/// reported up to that time (the low watermark) — and feeds the merged stream to the same judge the single detector
/// uses, settled by the same rule: every partition with members of the group trading lately has decided them up to the
/// group's latest change, or its clock passed the benchmark wait. So the shocks (and their revisions) do not depend on
/// how fast each partition runs or how the broker interleaves their reports. Pure and single-threaded.
/// </summary>
public sealed class SectorShockAggregator
{
    private readonly DetectionOptions _options;
    private readonly SectorShockJudge _judge;
    private readonly Func<WatchGroup, DateOnly, DateTimeOffset, bool> _settled;
    private readonly Dictionary<(string Group, int Partition), GroupProgress> _progress = [];
    private readonly Dictionary<int, DateTimeOffset> _partitionTime = [];
    private readonly List<(DateTimeOffset Time, long Seq, object Report)> _held = [];
    private readonly List<Alert> _buffer = [];
    private long _seq;
    private DateTimeOffset _pruned = DateTimeOffset.MinValue;

    /// <param name="partitions">
    /// K, when known: the aggregator then waits from the start for every partition that owns a watched member, so a
    /// partition whose consumer comes up late holds the others' reports back instead of being judged absent. 0: only
    /// partitions that have reported are waited for.
    /// </param>
    public SectorShockAggregator(DetectionOptions options, Watchlist watchlist, int partitions = 0)
    {
        _options = options;
        _judge = new SectorShockJudge(options, watchlist);
        _settled = Settled;
        if (partitions > 0)
        {
            foreach (var symbol in watchlist.Groups.SelectMany(g => g.Symbols))
                _partitionTime[Partitioning.PartitionOf(symbol, partitions)] = DateTimeOffset.MinValue;
        }
    }

    /// <summary>Reports held until the other partitions catch up.</summary>
    public int Held => _held.Count;

    public DetectionResult OnMember(GroupMemberChanged member)
    {
        Hold(member.Partition, member.EventTime, member);
        return Release();
    }

    public DetectionResult OnProgress(GroupProgress progress)
    {
        Hold(progress.Partition, progress.EventTime, progress);
        return Release();
    }

    private void Hold(int partition, DateTimeOffset time, object report)
    {
        if (!_partitionTime.TryGetValue(partition, out var known) || time > known)
            _partitionTime[partition] = time;
        var item = (time, _seq++, report);
        var i = _held.Count;
        while (i > 0 && _held[i - 1].Time > time)
            i--;
        _held.Insert(i, item);
    }

    /// <summary>Feeds the judge every held report at or before the low watermark, one event time at a time.</summary>
    private DetectionResult Release()
    {
        var watermark = DateTimeOffset.MaxValue;
        foreach (var t in _partitionTime.Values)
        {
            if (t < watermark)
                watermark = t;
        }
        var taken = 0;
        while (taken < _held.Count && _held[taken].Time <= watermark)
        {
            var time = _held[taken].Time;
            for (; taken < _held.Count && _held[taken].Time == time; taken++)
                Apply(_held[taken].Report);
            if (_judge.HasDirty)
                _judge.Evaluate(_settled, _buffer);
            Prune(time);
        }
        if (taken > 0)
            _held.RemoveRange(0, taken);
        if (_buffer.Count == 0)
            return DetectionResult.None;
        var result = new DetectionResult(_buffer.ToArray(), []);
        _buffer.Clear();
        return result;
    }

    private void Apply(object report)
    {
        switch (report)
        {
            case GroupMemberChanged m:
                _judge.Member(m.Group, m.Symbol, m.Session, SeverityRank.Of(m.Severity), m.AiNews, m.ReturnPct, m.Headlines, m.At, m.Replay);
                break;
            case GroupProgress p:
                var key = (p.Group, p.Partition);
                // A partition's progress only moves forward; a redelivered older report changes nothing.
                if (!_progress.TryGetValue(key, out var known) || p.EventTime >= known.EventTime)
                    _progress[key] = p;
                break;
        }
    }

    private bool Settled(WatchGroup group, DateOnly session, DateTimeOffset at)
    {
        foreach (var (key, p) in _progress)
        {
            if (key.Group == group.Name && p.LatestSession >= session.AddDays(-7) && p.Through < at && p.Clock <= at + _options.BenchmarkWait)
                return false;
        }
        return true;
    }

    private void Prune(DateTimeOffset time)
    {
        if (time - _pruned < TimeSpan.FromDays(1))
            return;
        _pruned = time;
        _judge.Prune(DateOnly.FromDateTime((time - _options.LookBack - TimeSpan.FromDays(7)).UtcDateTime));
    }
}
