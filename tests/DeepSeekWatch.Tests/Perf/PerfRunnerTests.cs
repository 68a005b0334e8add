using DeepSeekWatch.Ingestion;
using DeepSeekWatch.Perf;
using Microsoft.Extensions.Configuration;

namespace DeepSeekWatch.Tests.Perf;

/// <summary>The perf tape publishes each session's bars in the price poller's order (benchmarks first), like the service.</summary>
public class SyntheticTapeTests
{
    private static readonly List<string> PollOrder = [.. IngestionWatchlist.Symbols(new ConfigurationBuilder().Build())];

    [Fact]
    public void Measured_bars_come_in_the_pollers_order_within_each_session()
    {
        var bars = PerfRunner.SyntheticBars(3_000);

        Assert.Equal(3_000, bars.Count);
        foreach (var session in bars.GroupBy(b => b.Start))
        {
            var ranks = session.Select(b => PollOrder.IndexOf(b.Symbol)).ToList();
            Assert.DoesNotContain(-1, ranks);
            Assert.Equal(ranks.Order(), ranks);
        }
        Assert.Equal("SPY", bars[0].Symbol);
    }

    [Fact]
    public void Warm_up_bars_come_in_the_pollers_order_and_end_where_the_measured_bars_begin()
    {
        var measured = PerfRunner.SyntheticBars(1_500);
        var warmup = PerfRunner.WarmupBars(3_000, measured);

        Assert.Equal(3_000, warmup.Count);
        Assert.True(warmup[^1].Start < measured[0].Start);
        foreach (var session in warmup.GroupBy(b => b.Start))
        {
            var ranks = session.Select(b => PollOrder.IndexOf(b.Symbol)).ToList();
            Assert.Equal(ranks.Order(), ranks);
        }
        foreach (var first in measured.GroupBy(b => b.Symbol).Select(g => g.First()))
            Assert.Equal(first.Open, warmup.Last(b => b.Symbol == first.Symbol).Close);
    }
}

public class PerfMedianTests
{
    [Theory]
    [InlineData(new[] { 0.52 }, 0.52)]
    [InlineData(new[] { 0.61, 0.44, 0.50 }, 0.50)]
    [InlineData(new[] { 0.40, 0.60, 0.45, 0.55 }, 0.50)]
    public void The_median_of_the_run_pairs_is_the_middle_value_or_the_mean_of_the_middle_two(double[] ratios, double median) =>
        Assert.Equal(median, PerfRunner.Median(ratios), 10);
}

public class GcCountsTests
{
    [Fact]
    public void A_runs_GC_work_is_the_difference_of_the_counts_before_and_after_it()
    {
        var before = new GcCounts(TimeSpan.FromMilliseconds(100), 10, 3, 1);
        var after = new GcCounts(TimeSpan.FromMilliseconds(312.4), 46, 5, 2);

        Assert.Equal("GC paused 212 ms in 36 collections (gen 1: 2, gen 2: 1)", after.Since(before));
    }

    [Fact]
    public void Per_message_it_gives_the_bytes_allocated_the_thread_pool_work_items_and_the_lock_contentions_of_the_run()
    {
        var before = new GcCounts(TimeSpan.FromMilliseconds(100), 10, 3, 1, Allocated: 1_000_000, WorkItems: 500, Contentions: 7);
        var after = new GcCounts(TimeSpan.FromMilliseconds(312.4), 46, 5, 2, Allocated: 1_000_000 + 4 * 1024 * 1000 + 512 * 1000, WorkItems: 500 + 3_500, Contentions: 7 + 20);

        Assert.Equal("GC paused 212 ms in 36 collections (gen 1: 2, gen 2: 1); per message 4.5 KB allocated, 3.5 thread-pool work items, 0.02 lock contentions", after.Since(before, 1_000));
        Assert.EndsWith("0.02 lock contentions, 2.3 context switches",
            (after with { ContextSwitches = 2_300 + 40 }).Since(before with { ContextSwitches = 40 }, 1_000));
    }

    [Fact]
    public void The_process_context_switches_count_a_thread_that_blocked_and_was_woken()
    {
        var before = GcCounts.ProcessContextSwitches();
        if (!OperatingSystem.IsLinux())
        {
            Assert.Equal(-1, before);
            return;
        }
        using var go = new SemaphoreSlim(0);
        var waiter = new Thread(() => go.Wait(TimeSpan.FromSeconds(30)));
        waiter.Start();
        // The thread blocks in the kernel (SemaphoreSlim spins briefly first) until released: at least one switch away from it.
        while (waiter.ThreadState != ThreadState.WaitSleepJoin && waiter.IsAlive)
            Thread.Yield();
        go.Release();
        waiter.Join();

        Assert.True(before >= 0);
        Assert.True(GcCounts.ProcessContextSwitches() > before);
    }
}

/// <summary>The plain client of the ceiling consumes with the detector queue's prefetch, so both sides have the same window.</summary>
public class PerfPrefetchTests
{
    private static PerfOptions With(params (string Key, string? Value)[] overrides) =>
        new("127.0.0.1", 5672, "/", null, 1_000, 1_000, TimeSpan.FromSeconds(1), Overrides: overrides.ToDictionary(o => o.Key, o => o.Value));

    [Fact]
    public void Without_a_setting_the_ceiling_uses_the_detectors_default_prefetch()
    {
        Assert.Equal(new DeepSeekWatch.Hosting.RabbitMqOptions().DetectorPrefetchCount, With().ConsumerPrefetch);
    }

    [Fact]
    public void A_prefetch_set_for_the_detector_is_the_ceilings_too()
    {
        Assert.Equal(32, With(("bus:rabbitmq:detectorprefetchcount", "32")).ConsumerPrefetch);
        Assert.Equal(new DeepSeekWatch.Hosting.RabbitMqOptions().DetectorPrefetchCount, With(("Bus:RabbitMq:DetectorPrefetchCount", "many")).ConsumerPrefetch);
    }
}

public class PerfBarWireTests
{
    private static PerfOptions With(params (string Key, string? Value)[] overrides) =>
        new("127.0.0.1", 5672, "/", null, 1_000, 1_000, TimeSpan.FromSeconds(1), Overrides: overrides.ToDictionary(o => o.Key, o => o.Value));

    [Fact]
    public void The_ceilings_messages_follow_the_serializer_the_pipeline_runs_with()
    {
        Assert.True(With().RawSerializer);
        Assert.False(With(("bus:rabbitmq:serializer", "Envelope")).RawSerializer);
        Assert.True(With(("Bus:RabbitMq:Serializer", "raw")).RawSerializer);
    }

    [Fact]
    public void A_raw_bar_counts_its_headers_in_its_size_and_an_envelope_holds_everything_in_its_body()
    {
        var bar = PerfRunner.SyntheticBars(1)[0];
        var raw = BarWire.Of(bar, raw: true);
        Assert.Equal("application/json", raw.ContentType);
        Assert.Equal(bar, System.Text.Json.JsonSerializer.Deserialize<DeepSeekWatch.Contracts.PriceBarObserved>(raw.Body, System.Text.Json.JsonSerializerOptions.Web));
        var headerBytes = raw.Headers!.Sum(h => h.Key.Length + h.Value!.ToString()!.Length);
        Assert.Equal(raw.Body.Length + headerBytes, raw.Bytes);
        Assert.Equal("urn:message:DeepSeekWatch.Contracts:PriceBarObserved", raw.Headers!["MT-MessageType"]);

        var envelope = BarWire.Of(bar, raw: false);
        Assert.Null(envelope.Headers);
        Assert.Equal(envelope.Body.Length, envelope.Bytes);
        Assert.Contains("\"messageType\"", System.Text.Encoding.UTF8.GetString(envelope.Body), StringComparison.Ordinal);
        // Each publish gets its own properties (the client writes its sequence number into them).
        Assert.NotSame(raw.Properties().Headers, raw.Properties().Headers);
    }
}
