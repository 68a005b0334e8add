using System.Collections.Concurrent;
using DeepSeekWatch.Perf;

namespace DeepSeekWatch.Tests.Perf;

public sealed class LandedAcknowledgerTests
{
    [Fact]
    public async Task Deliveries_that_land_while_an_acknowledgement_is_on_its_way_go_out_together_in_the_next_one()
    {
        var acks = new List<ulong>();
        var firstOnItsWay = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var releaseFirst = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var acknowledger = new LandedAcknowledger(async upTo =>
        {
            lock (acks)
                acks.Add(upTo);
            if (upTo == 1)
            {
                firstOnItsWay.SetResult();
                await releaseFirst.Task;
            }
        });

        var first = acknowledger.LandedAsync(1);
        await firstOnItsWay.Task.WaitAsync(TimeSpan.FromSeconds(10));
        // Tags 2..10 land while the first acknowledgement is on its way: none of them sends one of its own.
        for (var tag = 2; tag <= 10; tag++)
            await acknowledger.LandedAsync(tag).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal([1UL], acks);
        Assert.Equal(0, acknowledger.Acknowledged);

        releaseFirst.SetResult();
        await first.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal([1UL, 10UL], acks);
        Assert.Equal(10, acknowledger.Acknowledged);
    }

    [Fact]
    public async Task A_tag_reported_below_one_already_acknowledged_sends_nothing()
    {
        var acks = new List<ulong>();
        var acknowledger = new LandedAcknowledger(upTo =>
        {
            acks.Add(upTo);
            return Task.CompletedTask;
        });
        await acknowledger.LandedAsync(7);
        await acknowledger.LandedAsync(3);
        await acknowledger.LandedAsync(7);
        Assert.Equal([7UL], acks);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Under_many_concurrent_reports_acknowledgements_go_one_at_a_time_strictly_increasing_up_to_the_last_tag(bool yieldInAck)
    {
        // A quick acknowledgement (completing at once) releases its turn often: the most chances for two reports to race
        // for the next one; one that yields keeps its turn across a thread hop, as a real one on the socket does.
        var count = yieldInAck ? 20_000 : 200_000;
        var acks = new ConcurrentQueue<ulong>();
        var inFlight = 0;
        var overlapped = 0;
        var acknowledger = new LandedAcknowledger(async upTo =>
        {
            if (Interlocked.Increment(ref inFlight) > 1)
                Interlocked.Increment(ref overlapped);
            acks.Enqueue(upTo);
            if (yieldInAck)
                await Task.Yield();
            Interlocked.Decrement(ref inFlight);
        });

        // Reported from many threads at once, each a little out of order against the others (as continuations of one
        // append batch resume on different threads).
        var tags = Enumerable.Range(1, count).ToArray();
        await Parallel.ForEachAsync(tags, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (tag, _) => await acknowledger.LandedAsync(tag));

        Assert.Equal(0, overlapped);
        var sent = acks.ToArray();
        Assert.NotEmpty(sent);
        for (var i = 1; i < sent.Length; i++)
            Assert.True(sent[i] > sent[i - 1], $"acknowledgement {i} ({sent[i]}) does not follow {sent[i - 1]}");
        Assert.Equal((ulong)count, sent[^1]);
        Assert.Equal(count, acknowledger.Acknowledged);
    }
}
