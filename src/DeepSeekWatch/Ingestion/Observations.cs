using DeepSeekWatch.Contracts;
using DeepSeekWatch.Replay;
using MassTransit;

namespace DeepSeekWatch.Ingestion;

/// <summary>Where the pollers put what they observe: the bus (<c>run</c>) or a tape (<c>record</c>).</summary>
public interface IObservationSink
{
    Task PublishAsync(PriceBarObserved bar, CancellationToken ct);

    Task PublishAsync(HeadlineObserved headline, CancellationToken ct);
}

/// <summary>A sink that holds events until <see cref="FlushAsync"/>, so it can write them in time order.</summary>
public interface IBufferedObservationSink : IObservationSink
{
    Task FlushAsync(CancellationToken ct);
}

/// <summary>Publishes observations on the bus through MassTransit.</summary>
public sealed class BusObservationSink(IPublishEndpoint publish) : IObservationSink
{
    public Task PublishAsync(PriceBarObserved bar, CancellationToken ct) => publish.Publish(bar, ct);

    public Task PublishAsync(HeadlineObserved headline, CancellationToken ct) => publish.Publish(headline, ct);
}

/// <summary>
/// Writes observations to a tape. Thread-safe: jobs publish concurrently. Events are buffered until
/// <see cref="FlushAsync"/> (after every poll) and written sorted by their tape time, so each flush is in order;
/// events of different flushes may be slightly out of order, which tape readers tolerate (contracts.md §1).
/// </summary>
public sealed class TapeObservationSink(TapeWriter writer) : IBufferedObservationSink, IAsyncDisposable
{
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly List<TapeEvent> _pending = [];
    private bool _disposed;

    public long Written => writer.Count;

    public async Task PublishAsync(PriceBarObserved bar, CancellationToken ct)
    {
        await _lock.WaitAsync(ct);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _pending.Add(new TapeEvent.Bar(bar, 0));
        }
        finally
        {
            _lock.Release();
        }
    }

    public async Task PublishAsync(HeadlineObserved headline, CancellationToken ct)
    {
        await _lock.WaitAsync(ct);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _pending.Add(new TapeEvent.Headline(headline, 0));
        }
        finally
        {
            _lock.Release();
        }
    }

    public async Task FlushAsync(CancellationToken ct)
    {
        await _lock.WaitAsync(ct);
        try
        {
            WritePending();
            await writer.FlushAsync(ct);
        }
        finally
        {
            _lock.Release();
        }
    }

    private void WritePending()
    {
        // OrderBy is stable: events with the same time keep their publication order.
        foreach (var e in _pending.OrderBy(e => e.Time))
            writer.Write(e);
        _pending.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        await _lock.WaitAsync();
        try
        {
            if (_disposed)
                return;
            WritePending();
            _disposed = true;
            await writer.DisposeAsync();
        }
        finally
        {
            _lock.Release();
        }
    }
}
