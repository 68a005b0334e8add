namespace DeepSeekWatch.Perf;

/// <summary>
/// Acknowledges deliveries of one channel whose work has landed, many at a time: each landed delivery raises the
/// highest landed tag, and one acknowledgement at a time (<c>basic.ack</c> with <c>multiple</c>) covers every delivery up
/// to it. The caller reports a tag only once every delivery before it has landed too (the engine log's appends land
/// in the order they were sent, and a channel numbers its deliveries in order), so the highest landed tag is a prefix.
/// Acknowledgements go out strictly increasing: a tag acknowledged twice is a channel error
/// (<c>406 PRECONDITION_FAILED - unknown delivery tag</c>).
/// </summary>
internal sealed class LandedAcknowledger(Func<ulong, Task> acknowledgeUpTo)
{
    private long _landed;
    private long _acknowledged; // written only by the call that holds the turn
    private int _reports; // reports not yet looked at by the call that holds the turn; the one that raises it from 0 takes the turn

    /// <summary>The highest tag acknowledged so far (all up to it are).</summary>
    public long Acknowledged => Volatile.Read(ref _acknowledged);

    /// <summary>
    /// Records that <paramref name="tag"/> (and every delivery before it) has landed. If no acknowledgement is on its way,
    /// this call takes the turn and acknowledges up to the highest landed tag, again for as long as more reports came in
    /// meanwhile; otherwise it returns at once, and the call holding the turn acknowledges the tag after its own.
    /// </summary>
    public async Task LandedAsync(long tag)
    {
        long seen;
        while ((seen = Volatile.Read(ref _landed)) < tag && Interlocked.CompareExchange(ref _landed, tag, seen) != seen)
        {
        }
        if (Interlocked.Increment(ref _reports) != 1)
            return;
        var looked = 1;
        do
        {
            // Only the turn's holder gets here: what it acknowledges is strictly above what was acknowledged before.
            var upTo = Volatile.Read(ref _landed);
            if (upTo > _acknowledged)
            {
                try
                {
                    await acknowledgeUpTo((ulong)upTo);
                }
                catch
                {
                    // Give up the turn (and the reports it held), so a later report can try again.
                    Interlocked.Exchange(ref _reports, 0);
                    throw;
                }
                Volatile.Write(ref _acknowledged, upTo);
            }
            // Reports that came in meanwhile: look again (the landed tag read next covers them all).
            looked = Interlocked.Add(ref _reports, -looked);
        }
        while (looked > 0);
    }
}
