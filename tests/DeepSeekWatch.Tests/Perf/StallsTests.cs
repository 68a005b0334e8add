using System.Diagnostics;
using DeepSeekWatch.Perf;

namespace DeepSeekWatch.Tests.Perf;

/// <summary>A latency run's stall note finds the stretches of slow bars and says where their time went.</summary>
public class StallsTests
{
    private static readonly long Ms = Stopwatch.Frequency / 1000;

    /// <summary>1,000 bars a millisecond apart, each 2 ms from publish to received and 1 ms more to consumed, except where <paramref name="change"/> says otherwise.</summary>
    private static (Dictionary<string, long> Published, Dictionary<string, BarTimes> Consumed) Run(Func<int, (long ToReceived, long ToConsumed, double ConsumeMs)?>? change = null)
    {
        var published = new Dictionary<string, long>();
        var consumed = new Dictionary<string, BarTimes>();
        const long start = 1_000_000_000;
        for (var i = 0; i < 1_000; i++)
        {
            var at = start + (i * Ms);
            var (toReceived, toConsumed, consumeMs) = change?.Invoke(i) ?? (2 * Ms, 3 * Ms, 0.5);
            published[$"bar-{i}"] = at;
            consumed[$"bar-{i}"] = new BarTimes(at + toConsumed, at + toReceived, consumeMs);
        }
        return (published, consumed);
    }

    private static StallEpisode Rounded(StallEpisode e) => new(
        Math.Round(e.AtSeconds, 3), Math.Round(e.SpanMs, 3), e.Bars, Math.Round(e.WorstMs, 3), Math.Round(e.WorstToReceivedMs, 3), Math.Round(e.WorstReceivedToConsumedMs, 3), Math.Round(e.LongestConsumeMs, 3));

    [Fact]
    public void A_run_without_slow_bars_has_no_episode()
    {
        var (published, consumed) = Run();

        Assert.Empty(Stalls.Find(published, consumed, 25));
        Assert.Equal("fixed: no bar took over 25 ms from publish to consumed", Stalls.Describe("fixed", published, consumed, 25));
    }

    [Fact]
    public void A_stall_before_the_delivery_reaches_MassTransit_is_told_apart_from_one_in_the_consumer()
    {
        // Bars 100-149 wait in the broker (received 100 ms late); bars 600-609 wait behind a consume of 60 ms.
        var (published, consumed) = Run(i => i switch
        {
            >= 100 and < 150 => (100 * Ms, 101 * Ms, 0.5),
            600 => (2 * Ms, 62 * Ms, 60),
            > 600 and < 610 => (2 * Ms, (62 - (i - 600)) * Ms, 0.5),
            _ => null,
        });

        var episodes = Stalls.Find(published, consumed, 25);

        Assert.Equal(2, episodes.Count);
        // The broker's stretch: 50 bars from +0.1 s over 49 ms, the worst 101 ms, 100 of them before MassTransit.
        Assert.Equal(new StallEpisode(0.1, 49, 50, 101, 100, 1, 0.5), Rounded(episodes[0]));
        // The consumer's: 10 bars from +0.6 s, the worst 62 ms, 60 of them in its own consume.
        Assert.Equal(new StallEpisode(0.6, 9, 10, 62, 2, 60, 60), Rounded(episodes[1]));
        Assert.Contains("60 bars over 25 ms from publish to consumed, in 2 episode(s)", Stalls.Describe("fixed", published, consumed, 25));
    }

    [Fact]
    public void Slow_bars_further_apart_than_the_gap_are_separate_episodes_and_bars_not_consumed_are_left_out()
    {
        var (published, consumed) = Run(i => i is 10 or 400 ? (30 * Ms, 31 * Ms, 0.5) : null);
        consumed.Remove("bar-500");
        published["bar-late"] = 2_000_000_000;

        var episodes = Stalls.Find(published, consumed, 25);

        Assert.Equal([1, 1], episodes.Select(e => e.Bars));
        Assert.Equal([0.01, 0.4], episodes.Select(e => Math.Round(e.AtSeconds, 3)).Order());
    }

    [Fact]
    public void Consume_time_adds_up_the_consumes_and_those_over_a_millisecond()
    {
        var (_, consumed) = Run(i => i is 3 or 7 ? (2 * Ms, 30 * Ms, 20.5) : null);

        Assert.Equal(
            "fixed: the detector's consumer took 0.54 s over 1,000 bars in a 2.00 s run; 2 consumes over 1 ms took 0.04 s of it (longest 20.5 ms)",
            Stalls.ConsumeTime("fixed", consumed, 2));
        Assert.Null(Stalls.ConsumeTime("fixed", new Dictionary<string, BarTimes>(), 2));
    }
}
