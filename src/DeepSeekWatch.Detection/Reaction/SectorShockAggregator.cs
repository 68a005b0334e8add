using DeepSeekWatch.Contracts;

namespace DeepSeekWatch.Detection.Reaction;

/// <summary>
/// The sector-shock judge of a partitioned detector: it hears every partition's member drops
/// (<see cref="GroupMemberChanged"/>) and progress (<see cref="GroupProgress"/>) and judges a group's session once every
/// partition that has members of the group trading lately has decided them up to the latest change, or has seen its
/// event clock pass the benchmark wait — the rules the single detector applies to its own members, applied to each
/// partition on its own clock (partitions run at different speeds: one may be a day ahead of another, so there is no
/// global clock to trust). Pure and single-threaded, like the detector.
/// </summary>
public sealed class SectorShockAggregator
{
    private readonly DetectionOptions _options;
    private readonly SectorShockJudge _judge;
    private readonly Dictionary<(string Group, int Partition), GroupProgress> _progress = [];
    private readonly List<Alert> _buffer = [];
    private DateTimeOffset _clock = DateTimeOffset.MinValue;
    private DateTimeOffset _pruned = DateTimeOffset.MinValue;

    public SectorShockAggregator(DetectionOptions options, Watchlist watchlist)
    {
        _options = options;
        _judge = new SectorShockJudge(options, watchlist);
    }

    public DetectionResult OnMember(GroupMemberChanged member)
    {
        _judge.Member(member.Group, member.Symbol, member.Session, SeverityRank.Of(member.Severity), member.AiNews, member.ReturnPct, member.Headlines, member.At, member.Replay);
        return Flush();
    }

    public DetectionResult OnProgress(GroupProgress progress)
    {
        var key = (progress.Group, progress.Partition);
        // A partition's progress only moves forward; a redelivered older report changes nothing. (The end of a replay
        // and the live clock reach the aggregator this way too: each partition reports the clock it was given.)
        if (!_progress.TryGetValue(key, out var known) || progress.Through > known.Through || progress.LatestSession > known.LatestSession || progress.Clock > known.Clock)
            _progress[key] = progress;
        Advance(progress.Clock);
        return Flush();
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

    private DetectionResult Flush()
    {
        if (_judge.HasDirty)
            _judge.Evaluate(Settled, _buffer);
        if (_buffer.Count == 0)
            return DetectionResult.None;
        var result = new DetectionResult(_buffer.ToArray(), []);
        _buffer.Clear();
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
        _judge.Prune(DateOnly.FromDateTime((time - _options.LookBack - TimeSpan.FromDays(7)).UtcDateTime));
    }
}
