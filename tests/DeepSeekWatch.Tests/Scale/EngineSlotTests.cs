using System.Globalization;
using DeepSeekWatch.Contracts;
using DeepSeekWatch.Detection;
using DeepSeekWatch.Pipeline;
using Microsoft.Extensions.Logging.Abstractions;

namespace DeepSeekWatch.Tests.Scale;

/// <summary>
/// An in-memory engine log with the fencing of <see cref="RedisEngineLog"/>: an append succeeds only when the log still
/// ends at the expected id ("0-0" when empty). <see cref="FailNext"/> makes the next append throw, before or after writing.
/// </summary>
internal sealed class MemoryEngineLog : IEngineLog
{
    private readonly Dictionary<string, List<EngineLogEntry>> _logs = new(StringComparer.Ordinal);
    private long _next;

    public enum Failure { None, BeforeWriting, AfterWriting }

    public Failure FailNext { get; set; }

    public int Reads { get; private set; }

    public bool Enabled => true;

    public IReadOnlyList<EngineLogEntry> Entries(string engine) => _logs.TryGetValue(engine, out var l) ? l.ToList() : [];

    public Task<IReadOnlyList<EngineLogEntry>> ReadAsync(string engine, CancellationToken cancellationToken)
    {
        Reads++;
        return Task.FromResult(Entries(engine));
    }

    public Task<string?> AppendAsync(string engine, string expectedLast, Guid messageId, object message, CancellationToken cancellationToken)
    {
        var failure = FailNext;
        FailNext = Failure.None;
        if (failure == Failure.BeforeWriting)
            throw new IOException("log unreachable");
        if (!_logs.TryGetValue(engine, out var log))
            _logs[engine] = log = [];
        var last = log.Count > 0 ? log[^1].Id : "0-0";
        if (last != expectedLast)
            return Task.FromResult<string?>(null);
        var id = (++_next).ToString(CultureInfo.InvariantCulture) + "-0";
        log.Add(new EngineLogEntry(id, messageId, message));
        if (failure == Failure.AfterWriting)
            throw new IOException("connection lost before the reply");
        return Task.FromResult<string?>(id);
    }
}

/// <summary>A stateful engine that records what it is fed; its result names the message and how many it had seen.</summary>
internal sealed class CountingEngine(List<string> applied) : IStatefulEngine
{
    public List<string> Seen { get; } = [];

    public DetectionResult Apply(object message)
    {
        var text = (string)message;
        Seen.Add(text);
        applied.Add(text);
        var drop = new DropDetected($"{text}#{Seen.Count}", "X", "g", new DateOnly(2025, 1, 27), DateTimeOffset.UnixEpoch, Severities.Watch, -1, null, false, false);
        return new DetectionResult([], [drop]);
    }
}

public sealed class EngineSlotTests
{
    private const string Name = "detector-3-1";
    private readonly MemoryEngineLog _log = new();
    private readonly List<string> _applied = [];
    private readonly List<CountingEngine> _engines = [];

    private EngineSlot Slot(IEngineLog? log = null) => new(Name, () =>
    {
        var e = new CountingEngine(_applied);
        _engines.Add(e);
        return e;
    }, log ?? _log, NullLogger.Instance);

    private static string Marker(DetectionResult r) => Assert.Single(r.Drops).AlertId;

    [Fact]
    public async Task The_same_message_id_twice_returns_the_remembered_result_and_applies_once()
    {
        var slot = Slot();
        var id = Guid.NewGuid();
        var first = await slot.HandleAsync(id, "m1", CancellationToken.None);
        var again = await slot.HandleAsync(id, "m1", CancellationToken.None);

        Assert.Same(first, again);
        Assert.Equal("m1#1", Marker(again));
        Assert.Equal(["m1"], _applied);
        Assert.Equal(1, slot.Applied);
        Assert.Single(_log.Entries(Name));
        // A new message after the duplicate is applied normally.
        Assert.Equal("m2#2", Marker(await slot.HandleAsync(Guid.NewGuid(), "m2", CancellationToken.None)));
    }

    [Fact]
    public async Task A_new_slot_over_the_same_log_rebuilds_the_state_in_order_before_the_next_event()
    {
        var old = Slot();
        var ids = new[] { Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid() };
        await old.HandleAsync(ids[0], "m1", CancellationToken.None);
        await old.HandleAsync(ids[1], "m2", CancellationToken.None);
        await old.HandleAsync(ids[2], "m3", CancellationToken.None);

        var successor = Slot();
        var result = await successor.HandleAsync(Guid.NewGuid(), "m4", CancellationToken.None);

        Assert.Equal(2, _engines.Count);
        Assert.Equal(["m1", "m2", "m3", "m4"], _engines[1].Seen);
        Assert.Equal("m4#4", Marker(result));
        Assert.Equal(4, successor.Applied);
        Assert.Equal(1, successor.Restores);
        Assert.Equal(["m1", "m2", "m3", "m4"], _log.Entries(Name).Select(e => (string)e.Message));
        // A message the old owner handled, redelivered to the new one, returns what it caused and is not applied again.
        Assert.Equal("m2#2", Marker(await successor.HandleAsync(ids[1], "m2", CancellationToken.None)));
        Assert.Equal(["m1", "m2", "m3", "m4"], _engines[1].Seen);
    }

    [Fact]
    public async Task When_another_owner_appended_the_slot_rebuilds_and_applies_the_new_event_exactly_once()
    {
        var a = Slot();
        await a.HandleAsync(Guid.NewGuid(), "m1", CancellationToken.None);
        var b = Slot();
        await b.HandleAsync(Guid.NewGuid(), "m2", CancellationToken.None);

        // A still thinks the log ends at m1: its append is fenced, it rebuilds (m1, m2) and then appends and applies m3.
        var result = await a.HandleAsync(Guid.NewGuid(), "m3", CancellationToken.None);

        Assert.Equal("m3#3", Marker(result));
        Assert.Equal(3, _engines.Count);
        Assert.Equal(["m1"], _engines[0].Seen);
        Assert.Equal(["m1", "m2", "m3"], _engines[2].Seen);
        Assert.Equal(2, a.Restores);
        Assert.Equal(3, a.Applied);
        Assert.Equal(["m1", "m2", "m3"], _log.Entries(Name).Select(e => (string)e.Message));
        Assert.Single(_applied, "m3");
    }

    [Fact]
    public async Task A_log_append_that_throws_leaves_the_engine_unchanged_and_the_retry_applies_once()
    {
        var slot = Slot();
        await slot.HandleAsync(Guid.NewGuid(), "m1", CancellationToken.None);
        var id = Guid.NewGuid();
        _log.FailNext = MemoryEngineLog.Failure.BeforeWriting;

        await Assert.ThrowsAsync<IOException>(async () => await slot.HandleAsync(id, "m2", CancellationToken.None));
        Assert.Equal(["m1"], _applied);
        Assert.Equal(1, slot.Applied);

        var retry = await slot.HandleAsync(id, "m2", CancellationToken.None);
        Assert.Equal("m2#2", Marker(retry));
        Assert.Equal(["m1", "m2"], _applied);
        Assert.Equal(["m1", "m2"], _log.Entries(Name).Select(e => (string)e.Message));
        Assert.Single(_engines);
        Assert.Equal(1, slot.Restores);
    }

    [Fact]
    public async Task An_append_that_wrote_but_lost_its_reply_is_applied_once_on_the_retry_through_the_rebuild()
    {
        var slot = Slot();
        await slot.HandleAsync(Guid.NewGuid(), "m1", CancellationToken.None);
        var id = Guid.NewGuid();
        _log.FailNext = MemoryEngineLog.Failure.AfterWriting;

        await Assert.ThrowsAsync<IOException>(async () => await slot.HandleAsync(id, "m2", CancellationToken.None));
        Assert.Equal(["m1"], _applied);

        // The retry is fenced by its own earlier write: the rebuilt engine applies m2 from the log, and the retry returns that.
        var retry = await slot.HandleAsync(id, "m2", CancellationToken.None);
        Assert.Equal("m2#2", Marker(retry));
        Assert.Equal(["m1", "m2"], _engines[^1].Seen);
        Assert.Equal(["m1", "m2"], _log.Entries(Name).Select(e => (string)e.Message));
        Assert.Equal(1, _engines[^1].Seen.Count(m => m == "m2"));
    }

    [Fact]
    public async Task With_no_log_the_slot_never_restores_and_keeps_its_state_in_the_process()
    {
        var slot = Slot(NoEngineLog.Instance);
        var id = Guid.NewGuid();
        await slot.HandleAsync(id, "m1", CancellationToken.None);
        await slot.HandleAsync(Guid.NewGuid(), "m2", CancellationToken.None);
        Assert.Equal("m1#1", Marker(await slot.HandleAsync(id, "m1", CancellationToken.None)));

        Assert.Equal(0, slot.Restores);
        Assert.Single(_engines);
        Assert.Equal(["m1", "m2"], _engines[0].Seen);

        // Another slot (another process) starts empty: nothing was kept anywhere.
        var other = Slot(NoEngineLog.Instance);
        Assert.Equal("m3#1", Marker(await other.HandleAsync(Guid.NewGuid(), "m3", CancellationToken.None)));
        Assert.Equal(0, other.Restores);
        Assert.Equal(["m3"], _engines[1].Seen);
        Assert.Equal(0, _log.Reads);
    }

    [Fact]
    public async Task The_engine_host_gives_one_slot_per_name()
    {
        var host = new EngineHost(_log, NullLogger<EngineHost>.Instance);
        var a = host.Slot("detector-3-0", () => new CountingEngine(_applied));
        Assert.Same(a, host.Slot("detector-3-0", () => throw new InvalidOperationException("not created twice")));
        Assert.NotSame(a, host.Slot("detector-3-1", () => new CountingEngine(_applied)));
        await a.HandleAsync(Guid.NewGuid(), "m1", CancellationToken.None);
        Assert.Equal(["m1"], _log.Entries("detector-3-0").Select(e => (string)e.Message));
        Assert.Empty(_log.Entries("detector-3-1"));
    }
}
