using System.Reflection;
using System.Threading.Channels;
using DeepSeekWatch.Contracts;
using DeepSeekWatch.Pipeline;
using MassTransit;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace DeepSeekWatch.Tests.Scale;

/// <summary>The live event clock of the pollers' role, on a fake clock.</summary>
public sealed class ClockTickerTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private static readonly DateTimeOffset Start = new(2025, 1, 27, 14, 30, 0, TimeSpan.Zero);

    [Fact]
    public async Task It_publishes_the_time_every_interval_and_nothing_before()
    {
        var time = new FakeTimeProvider(Start);
        var bus = RecordingBus.Create();
        using var ticker = new ClockTicker(bus, time, NullLogger<ClockTicker>.Instance);
        await ticker.StartAsync(CancellationToken.None);

        time.Advance(ClockTicker.Interval - TimeSpan.FromSeconds(1));
        Assert.False(RecordingBus.Of(bus).Published.Reader.TryRead(out _), "a tick before the interval");
        time.Advance(TimeSpan.FromSeconds(1));
        var first = Assert.IsType<ClockAdvanced>(await RecordingBus.Of(bus).Published.Reader.ReadAsync().AsTask().WaitAsync(Bound));
        Assert.Equal(new ClockAdvanced(Start + ClockTicker.Interval, Replay: false), first);

        time.Advance(ClockTicker.Interval);
        var second = Assert.IsType<ClockAdvanced>(await RecordingBus.Of(bus).Published.Reader.ReadAsync().AsTask().WaitAsync(Bound));
        Assert.Equal(Start + 2 * ClockTicker.Interval, second.Now);
        await ticker.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_failed_tick_does_not_stop_the_clock()
    {
        var time = new FakeTimeProvider(Start);
        var bus = RecordingBus.Create();
        RecordingBus.Of(bus).FailNext = 1;
        using var ticker = new ClockTicker(bus, time, NullLogger<ClockTicker>.Instance);
        await ticker.StartAsync(CancellationToken.None);

        time.Advance(ClockTicker.Interval);
        await RecordingBus.Of(bus).Attempted.Reader.ReadAsync().AsTask().WaitAsync(Bound);
        time.Advance(ClockTicker.Interval);
        var tick = Assert.IsType<ClockAdvanced>(await RecordingBus.Of(bus).Published.Reader.ReadAsync().AsTask().WaitAsync(Bound));
        Assert.Equal(Start + 2 * ClockTicker.Interval, tick.Now);
        await ticker.StopAsync(CancellationToken.None);
    }

    /// <summary>An <see cref="IBus"/> that records what is published (and can fail a publish); nothing else.</summary>
    public class RecordingBus : DispatchProxy
    {
        public Channel<object> Published { get; } = Channel.CreateUnbounded<object>();

        public Channel<object> Attempted { get; } = Channel.CreateUnbounded<object>();

        public int FailNext { get; set; }

        public static IBus Create() => Create<IBus, RecordingBus>();

        public static RecordingBus Of(IBus bus) => (RecordingBus)(object)bus;

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            if (targetMethod?.Name != nameof(IBus.Publish) || args is not { Length: 2 } || args[0] is null)
                throw new NotSupportedException(targetMethod?.Name);
            Attempted.Writer.TryWrite(args[0]!);
            if (FailNext > 0)
            {
                FailNext--;
                return Task.FromException(new InvalidOperationException("broker unreachable"));
            }
            Published.Writer.TryWrite(args[0]!);
            return Task.CompletedTask;
        }
    }
}
