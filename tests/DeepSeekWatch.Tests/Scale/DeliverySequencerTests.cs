using DeepSeekWatch.Pipeline;

namespace DeepSeekWatch.Tests.Scale;

/// <summary>
/// The turns of one RabbitMQ channel's deliveries (tags 1, 2, 3, …): a delivery's turn comes when every earlier one has
/// had its turn or finished its receive some other way. The whole-pipeline check (the sample replayed on RabbitMQ
/// with several deliveries at once gives the embedded pair's alerts) is in the integration tests.
/// </summary>
public sealed class DeliverySequencerTests
{
    [Fact]
    public void The_first_delivery_of_a_channel_goes_at_once_and_the_second_waits_for_it()
    {
        var order = new DeliverySequencer.ChannelOrder();

        Assert.True(order.WaitAsync(1, CancellationToken.None).IsCompletedSuccessfully);
        var second = order.WaitAsync(2, CancellationToken.None);
        Assert.False(second.IsCompleted);

        order.Release(1);

        Assert.True(second.IsCompletedSuccessfully);
        Assert.Equal(2UL, order.Next);
    }

    [Fact]
    public async Task A_later_delivery_waits_until_every_earlier_one_is_released_in_whatever_order_they_finish()
    {
        var order = new DeliverySequencer.ChannelOrder();
        var fourth = order.WaitAsync(4, CancellationToken.None).AsTask();

        order.Release(3);
        order.Release(2);
        Assert.False(fourth.IsCompleted);
        Assert.Equal(1UL, order.Next);

        order.Release(1);

        await fourth.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(4UL, order.Next);
    }

    [Fact]
    public void A_delivery_that_never_reached_the_consumer_is_released_by_its_receive_and_unblocks_the_next()
    {
        // Tag 2 went to the _skipped queue (unknown type): the receive observer releases it, the consumer never sees it.
        var order = new DeliverySequencer.ChannelOrder();
        order.Release(1);
        var third = order.WaitAsync(3, CancellationToken.None);
        Assert.False(third.IsCompleted);

        order.Release(2);

        Assert.True(third.IsCompletedSuccessfully);
    }

    [Fact]
    public void A_retry_of_a_released_delivery_does_not_wait_and_releasing_twice_changes_nothing()
    {
        var order = new DeliverySequencer.ChannelOrder();
        order.Release(1);
        order.Release(2);

        Assert.True(order.WaitAsync(1, CancellationToken.None).IsCompletedSuccessfully);
        order.Release(2);
        order.Release(1);
        Assert.Equal(3UL, order.Next);
        Assert.False(order.WaitAsync(4, CancellationToken.None).IsCompleted);
    }

    [Fact]
    public async Task A_waiting_delivery_is_cancelled_with_its_consume_and_the_order_carries_on()
    {
        var order = new DeliverySequencer.ChannelOrder();
        using var stop = new CancellationTokenSource();
        var waiting = order.WaitAsync(2, stop.Token).AsTask();

        await stop.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        order.Release(1);
        Assert.True(order.WaitAsync(2, CancellationToken.None).IsCompletedSuccessfully);
    }

    [Fact]
    public async Task Deliveries_finishing_in_random_order_are_handed_over_in_tag_order()
    {
        var order = new DeliverySequencer.ChannelOrder();
        var handled = new List<ulong>();
        var random = new Random(3);
        const int count = 500;
        var tasks = Enumerable.Range(1, count).Select(i => (ulong)i).OrderBy(_ => random.Next()).Select(tag => Task.Run(async () =>
        {
            await order.WaitAsync(tag, CancellationToken.None);
            lock (handled)
            {
                handled.Add(tag);
            }
            order.Release(tag);
        })).ToArray();

        await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(Enumerable.Range(1, count).Select(i => (ulong)i), handled);
    }
}
