using System.Collections.Concurrent;
using DeepSeekWatch.Contracts;
using DeepSeekWatch.Detection;
using DeepSeekWatch.Detection.Reaction;
using Microsoft.Extensions.Logging;

namespace DeepSeekWatch.Pipeline;

/// <summary>Creates a detection engine: the whole watchlist (<paramref name="partition"/> null) or one partition of it.</summary>
public delegate IDetectionEngine DetectionEngineFactory(DetectorPartition? partition);

/// <summary>A pure, single-threaded engine fed one bus message at a time.</summary>
public interface IStatefulEngine
{
    DetectionResult Apply(object message);
}

/// <summary>The reaction detector (or one partition of it) as a stateful engine.</summary>
public sealed class DetectorEngine(IDetectionEngine engine) : IStatefulEngine
{
    public DetectionResult Apply(object message) => message switch
    {
        PriceBarObserved bar => engine.OnBar(bar),
        AiHeadlineDetected headline => engine.OnHeadline(headline),
        ClockAdvanced clock => engine.OnClock(clock.Now),
        _ => DetectionResult.None,
    };
}

/// <summary>The sector-shock aggregator of a partitioned detector as a stateful engine.</summary>
public sealed class AggregatorEngine(SectorShockAggregator aggregator) : IStatefulEngine
{
    public DetectionResult Apply(object message) => message switch
    {
        GroupMemberChanged member => aggregator.OnMember(member),
        GroupProgress progress => aggregator.OnProgress(progress),
        _ => DetectionResult.None,
    };
}

/// <summary>The stateful engines of this process, one per name (detector partition or aggregator).</summary>
public sealed class EngineHost(IEngineLog log, ILogger<EngineHost> logger)
{
    private readonly ConcurrentDictionary<string, EngineSlot> _slots = new(StringComparer.Ordinal);

    public IEngineLog Log => log;

    public EngineSlot Slot(string name, Func<IStatefulEngine> factory) => _slots.GetOrAdd(name, n => new EngineSlot(n, factory, log, logger));
}

/// <summary>
/// What an engine decided about one event, and the event's append to the engine log: the decision may leave (be stored,
/// published) only once <see cref="Logged"/> has completed; if it fails, the decision is void and the event is handled
/// again (the bus's retry), by an engine rebuilt from the log.
/// </summary>
public readonly record struct EngineDecision(DetectionResult Result, Task Logged);

/// <summary>Thrown (through <see cref="EngineDecision.Logged"/>) when the engine log refused an append: another owner
/// claimed the engine, or an append sent before this one did not land. The engine is rebuilt from the log.</summary>
public sealed class EngineFencedException(string engine)
    : Exception($"engine {engine}: the log refused the event (another owner claimed the engine, or an earlier append did not land); rebuilding from the log");

/// <summary>
/// One stateful engine and its durable input log. Events are applied one at a time, in the order they come. With a log,
/// an event's append is sent (or queued behind the one on its way, and then sent with the others that queued: group
/// commit) before the engine sees it, but not waited for there: the next event can be applied while the append is on
/// its way, and the event's decision leaves only once its append has landed
/// (<see cref="EngineDecision.Logged"/>), so whatever the engine decided can be decided again. Appends are conditional
/// (<see cref="IEngineLog"/>): each only lands if this engine still owns the log and every earlier one landed, so the log
/// is always a prefix of what the engine applied. When one fails, the engine is dropped and the next event rebuilds it
/// from the log, then applies again, in their order, the events whose appends did not land (so their retries, which may
/// come back in any order, find what each caused): a new owner — a standby taking over the partition, a restarted process — claims the log and reads it
/// into a fresh engine before its first event, and a redelivered message (same message id) returns what it caused the
/// first time instead of being applied twice.
/// </summary>
public sealed partial class EngineSlot(string name, Func<IStatefulEngine> factory, IEngineLog log, ILogger logger)
{
    private const int Remembered = 20_000;
    private const int FencedAttempts = 5;
    private const int MaxBatch = 256;
    private readonly Queue<PendingAppend> _unsent = new();
    private readonly Queue<PendingAppend> _unconfirmed = new(); // applied by the engine, append not yet known to have landed
    private bool _sending;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<Guid, EngineDecision> _results = [];
    private readonly Queue<Guid> _order = new();
    private IStatefulEngine? _engine;
    private string _owner = "";
    private Guid? _last;
    private int _generation;

    public string Name => name;

    /// <summary>Events fed to this engine since it was built (restored ones included).</summary>
    public long Applied { get; private set; }

    /// <summary>Times the engine was rebuilt from its log.</summary>
    public int Restores { get; private set; }

    /// <summary>
    /// Applies the event and returns its result once it is in the log; when the log refuses it (another owner), rebuilds
    /// the engine and applies it again, up to five times.
    /// </summary>
    public async ValueTask<DetectionResult> HandleAsync(Guid messageId, object message, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var decision = await ApplyAsync(messageId, message, cancellationToken);
            try
            {
                await decision.Logged;
                return decision.Result;
            }
            catch (EngineFencedException) when (attempt < FencedAttempts)
            {
            }
        }
    }

    /// <summary>
    /// Applies the event (or returns what it caused before, for a message id this engine has seen) and sends its append
    /// to the log without waiting for it: the decision may leave only once <see cref="EngineDecision.Logged"/> has
    /// completed. Returns as soon as the engine has applied the event, so the next event can follow.
    /// </summary>
    public async ValueTask<EngineDecision> ApplyAsync(Guid messageId, object message, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var engine = _engine ?? await RestoreAsync(cancellationToken);
            if (_results.TryGetValue(messageId, out var known))
                return known;
            var logged = Task.CompletedTask;
            if (log.Enabled)
                logged = Append(messageId, message);
            var decision = new EngineDecision(engine.Apply(message), logged);
            Remember(messageId, decision);
            Applied++;
            return decision;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Sends the event's append (under the gate, in the order the engine applies events); returns its confirmation.</summary>
    private Task Append(Guid messageId, object message)
    {
        var append = new PendingAppend(new EngineEvent(messageId, message), _last, _owner);
        _last = messageId;
        lock (_unconfirmed)
            _unconfirmed.Enqueue(append);
        Send(append);
        return ConfirmAsync(append.Landed.Task, _generation);
    }

    /// <summary>
    /// Sends the append now if none is on its way; otherwise it waits for the one on its way, and everything that waited
    /// goes in the next append together (group commit): one Redis round trip for many events under load, and still one
    /// per event, sent at once, when they come one at a time.
    /// </summary>
    private void Send(PendingAppend append)
    {
        lock (_unsent)
        {
            _unsent.Enqueue(append);
            if (_sending)
                return;
            _sending = true;
        }
        _ = SendLoopAsync();
    }

    private async Task SendLoopAsync()
    {
        while (true)
        {
            var batch = new List<PendingAppend>();
            lock (_unsent)
            {
                if (_unsent.Count == 0)
                {
                    _sending = false;
                    return;
                }
                // One append: consecutive events of one owner, each following the one before (a rebuild starts a new chain).
                batch.Add(_unsent.Dequeue());
                while (batch.Count < MaxBatch && _unsent.TryPeek(out var next) && next.Owner == batch[0].Owner && next.Expected == batch[^1].Event.MessageId)
                    batch.Add(_unsent.Dequeue());
            }
            try
            {
                var landed = await log.AppendAsync(name, batch[0].Owner, batch[0].Expected, batch.ConvertAll(a => a.Event), CancellationToken.None);
                foreach (var append in batch)
                    append.Landed.TrySetResult(landed);
            }
            catch (Exception ex)
            {
                foreach (var append in batch)
                    append.Landed.TrySetException(ex);
            }
        }
    }

    private sealed record PendingAppend(EngineEvent Event, Guid? Expected, string Owner)
    {
        public TaskCompletionSource<bool> Landed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Waits for an append; when it failed or was refused, the engine that applied the event is dropped.</summary>
    private async Task ConfirmAsync(Task<bool> append, int generation)
    {
        bool landed;
        try
        {
            landed = await append;
            if (landed)
                ForgetLanded();
        }
        catch
        {
            // Unknown whether it landed (a lost reply): the log is the truth, so the engine is rebuilt from it.
            await DropEngineAsync(generation);
            throw;
        }
        if (!landed)
        {
            LogFenced(name);
            await DropEngineAsync(generation);
            throw new EngineFencedException(name);
        }
    }

    /// <summary>Appends land in the order they were sent: the landed ones at the front need no carrying over.</summary>
    private void ForgetLanded()
    {
        lock (_unconfirmed)
        {
            while (_unconfirmed.TryPeek(out var first) && first.Landed.Task.IsCompletedSuccessfully && first.Landed.Task.Result)
                _unconfirmed.Dequeue();
        }
    }

    private async Task DropEngineAsync(int generation)
    {
        await _gate.WaitAsync(CancellationToken.None);
        try
        {
            // Only the engine the append was made for: a later failure of the same batch finds it already rebuilt.
            if (_generation == generation)
            {
                _engine = null;
                _generation++;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<IStatefulEngine> RestoreAsync(CancellationToken cancellationToken)
    {
        var engine = factory();
        _results.Clear();
        _order.Clear();
        _last = null;
        Applied = 0;
        if (log.Enabled)
        {
            // Claim first, then read: an earlier owner's append either landed before the claim (and is read) or is refused.
            var owner = Guid.NewGuid().ToString("N");
            await log.ClaimAsync(name, owner, cancellationToken);
            var entries = await log.ReadAsync(name, cancellationToken);
            foreach (var entry in entries)
            {
                DetectionResult result;
                try
                {
                    result = engine.Apply(entry.Message);
                }
                catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
                {
                    LogBadEntry(ex, name, entry.Id);
                    result = DetectionResult.None;
                }
                Remember(entry.MessageId, new EngineDecision(result, Task.CompletedTask));
                _last = entry.MessageId;
                Applied++;
            }
            _owner = owner;
            Restores++;
            if (entries.Count > 0)
                LogRestored(name, entries.Count, entries[^1].Id);
            // The events the dropped engine applied whose appends did not land are applied again now, in the order it
            // applied them (the queue's), and appended: their messages' retries — which come back in any order once
            // their turns have passed — then find what they caused, instead of each being applied when its retry comes.
            List<PendingAppend> carried;
            lock (_unconfirmed)
            {
                carried = [.. _unconfirmed];
                _unconfirmed.Clear();
            }
            foreach (var old in carried)
            {
                var (messageId, message) = (old.Event.MessageId, old.Event.Message);
                if (_results.ContainsKey(messageId))
                    continue; // it landed after all (a lost reply): it was read from the log
                var logged = Append(messageId, message);
                Remember(messageId, new EngineDecision(engine.Apply(message), logged));
                Applied++;
            }
        }
        _engine = engine;
        return engine;
    }

    private void Remember(Guid messageId, EngineDecision decision)
    {
        if (!_results.TryAdd(messageId, decision))
            return;
        _order.Enqueue(messageId);
        while (_order.Count > Remembered)
            _results.Remove(_order.Dequeue());
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Engine {Engine} rebuilt from {Events} logged events (last {Last})")]
    private partial void LogRestored(string engine, int events, string last);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Engine {Engine}: its log refused an event (another owner claimed it, or an earlier append did not land); rebuilding from the log")]
    private partial void LogFenced(string engine);

    [LoggerMessage(Level = LogLevel.Error, Message = "Engine {Engine}: logged event {Id} failed when fed again; skipped")]
    private partial void LogBadEntry(Exception exception, string engine, string id);
}
