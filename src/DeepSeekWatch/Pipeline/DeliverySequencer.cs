using System.Runtime.CompilerServices;
using MassTransit;

namespace DeepSeekWatch.Pipeline;

/// <summary>
/// Lets a RabbitMQ endpoint take several deliveries at once (deserialisation, observers, acknowledgements overlap)
/// while its consumer still handles them one at a time <b>in the queue's order</b>. RabbitMQ numbers the deliveries of
/// a channel 1, 2, 3, … (the delivery tag); a delivery's turn comes when every earlier delivery of its channel has either
/// had its turn (<see cref="Release"/>) or finished its receive — consumed, moved to the <c>_error</c> or <c>_skipped</c>
/// queue — which this class sees as the endpoint's receive observer. A delivery whose turn failed is not released:
/// the later ones wait while its retries run, so nothing overtakes it.
/// <para>
/// Deliveries without a RabbitMQ delivery tag (the in-memory transport) are not sequenced; that transport's detector
/// endpoint takes one message at a time. A channel's state goes with the channel (a reconnection starts a new channel,
/// numbered from 1 again).
/// </para>
/// </summary>
public sealed class DeliverySequencer(Func<Uri, bool> sequenced) : IReceiveObserver
{
    private readonly ConditionalWeakTable<object, ChannelOrder> _channels = new();

    /// <summary>Waits until every earlier delivery of this one's channel has had its turn or finished.</summary>
    public ValueTask WaitTurnAsync(ReceiveContext context, CancellationToken cancellationToken) =>
        Position(context) is var (channel, tag) ? _channels.GetOrCreateValue(channel).WaitAsync(tag, cancellationToken) : ValueTask.CompletedTask;

    /// <summary>This delivery has had its turn: the next one may have its.</summary>
    public void Release(ReceiveContext context)
    {
        if (Position(context) is var (channel, tag))
            _channels.GetOrCreateValue(channel).Release(tag);
    }

    private (object Channel, ulong Tag)? Position(ReceiveContext context) =>
        context is RabbitMqBasicConsumeContext rabbit
        && sequenced(context.InputAddress)
        && context.TryGetPayload<MassTransit.RabbitMqTransport.ChannelContext>(out var channel)
            ? (channel, rabbit.DeliveryTag)
            : null;

    public Task PreReceive(ReceiveContext context) => Task.CompletedTask;

    public Task PostReceive(ReceiveContext context)
    {
        Release(context);
        return Task.CompletedTask;
    }

    public Task PostConsume<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType)
        where T : class => Task.CompletedTask;

    public Task ConsumeFault<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType, Exception exception)
        where T : class => Task.CompletedTask;

    public Task ReceiveFault(ReceiveContext context, Exception exception)
    {
        Release(context);
        return Task.CompletedTask;
    }

    /// <summary>The turns of one channel's deliveries (tags from 1).</summary>
    internal sealed class ChannelOrder
    {
        private readonly Lock _gate = new();
        private readonly HashSet<ulong> _released = [];
        private readonly Dictionary<ulong, TaskCompletionSource> _waiting = [];
        private ulong _next = 1;

        /// <summary>The lowest tag whose turn has not ended.</summary>
        public ulong Next
        {
            get
            {
                lock (_gate)
                {
                    return _next;
                }
            }
        }

        public ValueTask WaitAsync(ulong tag, CancellationToken cancellationToken)
        {
            TaskCompletionSource waiter;
            lock (_gate)
            {
                if (tag <= _next)
                    return ValueTask.CompletedTask;
                if (!_waiting.TryGetValue(tag, out waiter!))
                {
                    waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    _waiting[tag] = waiter;
                }
            }
            return new ValueTask(waiter.Task.WaitAsync(cancellationToken));
        }

        public void Release(ulong tag)
        {
            TaskCompletionSource? wake = null;
            lock (_gate)
            {
                if (tag < _next || !_released.Add(tag))
                    return;
                while (_released.Remove(_next))
                    _next++;
                if (_waiting.Remove(_next, out var waiter))
                    wake = waiter;
            }
            wake?.TrySetResult();
        }
    }
}
