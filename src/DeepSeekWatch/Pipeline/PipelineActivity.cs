using System.Collections.Concurrent;
using MassTransit;

namespace DeepSeekWatch.Pipeline;

/// <summary>
/// Knows when the pipeline is idle: every message this process publishes is stamped with the run's id and counted
/// once per receive endpoint that consumes its type; every receive of a stamped message (consumed, or moved to the
/// error queue once retries are spent) counts one down. Idle is zero outstanding. Messages left in a broker's queues
/// by another run carry another id and are not counted. Used by <c>replay</c> to know when it is done.
/// </summary>
public sealed class PipelineActivity : IPublishObserver, IReceiveObserver
{
    public const string RunHeader = "dsw-run";
    private readonly ConcurrentDictionary<Type, int> _subscribers = new();
    private readonly Lock _gate = new();
    private long _outstanding;
    private long _published;
    private long _completed;
    private long _faulted;
    private TaskCompletionSource _idle = NewIdle(completed: true);

    public string RunId { get; } = Guid.NewGuid().ToString("N");

    public long Outstanding => Interlocked.Read(ref _outstanding);

    public long Published => Interlocked.Read(ref _published);

    public long Completed => Interlocked.Read(ref _completed);

    /// <summary>Receives that ended in a fault (the message went to the endpoint's <c>_error</c> queue).</summary>
    public long Faulted => Interlocked.Read(ref _faulted);

    /// <summary>Declares that <paramref name="endpoints"/> receive endpoints consume <paramref name="messageType"/>.</summary>
    public void Subscribe(Type messageType, int endpoints = 1) => _subscribers.AddOrUpdate(messageType, endpoints, (_, n) => n + endpoints);

    public int SubscribersOf(Type messageType) => _subscribers.GetValueOrDefault(messageType);

    /// <summary>
    /// Declares that a message of type <typeparamref name="T"/> reaches as many receive endpoints as
    /// <paramref name="endpoints"/> says for that message (routing by key: a partitioned bar reaches one partition, a
    /// benchmark's bar all of them). Replaces the count given by <see cref="Subscribe"/>.
    /// </summary>
    public void Fanout<T>(Func<T, int> endpoints)
        where T : class => _fanout[typeof(T)] = m => endpoints((T)m);

    private readonly ConcurrentDictionary<Type, Func<object, int>> _fanout = new();

    /// <summary>How many receive endpoints this message reaches (per-message fan-out where declared, else per type).</summary>
    public int SubscribersOf(object message) => _fanout.TryGetValue(message.GetType(), out var f) ? f(message) : SubscribersOf(message.GetType());

    /// <summary>Completes when nothing published by this run is left to consume.</summary>
    public Task WhenIdleAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return _idle.Task.WaitAsync(cancellationToken);
        }
    }

    public Task PrePublish<T>(PublishContext<T> context)
        where T : class
    {
        context.Headers.Set(RunHeader, RunId);
        var n = SubscribersOf(context.Message);
        if (n > 0)
        {
            Interlocked.Increment(ref _published);
            Add(n);
        }
        return Task.CompletedTask;
    }

    public Task PostPublish<T>(PublishContext<T> context)
        where T : class => Task.CompletedTask;

    public Task PublishFault<T>(PublishContext<T> context, Exception exception)
        where T : class
    {
        // The message never left: nobody will consume it.
        var n = SubscribersOf(context.Message);
        if (n > 0)
            Add(-n);
        return Task.CompletedTask;
    }

    public Task PreReceive(ReceiveContext context) => Task.CompletedTask;

    public Task PostReceive(ReceiveContext context)
    {
        if (IsOurs(context))
        {
            Interlocked.Increment(ref _completed);
            Add(-1);
        }
        return Task.CompletedTask;
    }

    public Task PostConsume<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType)
        where T : class => Task.CompletedTask;

    public Task ConsumeFault<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType, Exception exception)
        where T : class => Task.CompletedTask;

    public Task ReceiveFault(ReceiveContext context, Exception exception)
    {
        if (IsOurs(context))
        {
            Interlocked.Increment(ref _faulted);
            Add(-1);
        }
        return Task.CompletedTask;
    }

    private bool IsOurs(ReceiveContext context) =>
        context.TransportHeaders.TryGetHeader(RunHeader, out var run) && run is not null && string.Equals(run.ToString(), RunId, StringComparison.Ordinal);

    private void Add(long delta)
    {
        lock (_gate)
        {
            var before = _outstanding;
            _outstanding += delta;
            if (before == 0 && _outstanding > 0)
                _idle = NewIdle(completed: false);
            else if (before > 0 && _outstanding <= 0)
                _idle.TrySetResult();
        }
    }

    private static TaskCompletionSource NewIdle(bool completed)
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (completed)
            tcs.SetResult();
        return tcs;
    }
}
