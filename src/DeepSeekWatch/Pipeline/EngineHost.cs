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
/// One stateful engine and its durable input log. Events are handled one at a time. With a log, an event is appended
/// (fenced) before the engine sees it, so whatever the engine decides can be decided again: a new owner — a standby
/// taking over the partition, a restarted process — reads the log into a fresh engine before its first event, and a
/// redelivered message (same message id) returns what it caused the first time instead of being applied twice.
/// </summary>
public sealed partial class EngineSlot(string name, Func<IStatefulEngine> factory, IEngineLog log, ILogger logger)
{
    private const int Remembered = 20_000;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<Guid, DetectionResult> _results = [];
    private readonly Queue<Guid> _order = new();
    private IStatefulEngine? _engine;
    private string _last = "0-0";

    public string Name => name;

    /// <summary>Events fed to this engine since it was built (restored ones included).</summary>
    public long Applied { get; private set; }

    /// <summary>Times the engine was rebuilt from its log.</summary>
    public int Restores { get; private set; }

    public async ValueTask<DetectionResult> HandleAsync(Guid messageId, object message, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                if (_engine is null)
                    await RestoreAsync(cancellationToken);
                if (_results.TryGetValue(messageId, out var known))
                    return known;
                if (log.Enabled)
                {
                    var appended = await log.AppendAsync(name, _last, messageId, message, cancellationToken);
                    if (appended is null)
                    {
                        // Someone else wrote to this engine's log: our state is stale. Rebuild and look again.
                        LogFenced(name);
                        _engine = null;
                        if (attempt >= 5)
                            throw new InvalidOperationException($"engine {name}: the log kept moving while this process appended; another owner is writing to it");
                        continue;
                    }
                    _last = appended;
                }
                var result = _engine!.Apply(message);
                Remember(messageId, result);
                Applied++;
                return result;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task RestoreAsync(CancellationToken cancellationToken)
    {
        var engine = factory();
        _results.Clear();
        _order.Clear();
        _last = "0-0";
        Applied = 0;
        if (log.Enabled)
        {
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
                Remember(entry.MessageId, result);
                _last = entry.Id;
                Applied++;
            }
            Restores++;
            if (entries.Count > 0)
                LogRestored(name, entries.Count, _last);
        }
        _engine = engine;
    }

    private void Remember(Guid messageId, DetectionResult result)
    {
        if (!_results.TryAdd(messageId, result))
            return;
        _order.Enqueue(messageId);
        while (_order.Count > Remembered)
            _results.Remove(_order.Dequeue());
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Engine {Engine} rebuilt from {Events} logged events (last {Last})")]
    private partial void LogRestored(string engine, int events, string last);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Engine {Engine}: its log moved on under this process (another owner); rebuilding from the log")]
    private partial void LogFenced(string engine);

    [LoggerMessage(Level = LogLevel.Error, Message = "Engine {Engine}: logged event {Id} failed when fed again; skipped")]
    private partial void LogBadEntry(Exception exception, string engine, string id);
}
