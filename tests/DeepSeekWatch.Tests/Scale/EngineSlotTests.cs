using System.Globalization;
using DeepSeekWatch.Contracts;
using DeepSeekWatch.Detection;
using DeepSeekWatch.Pipeline;
using Microsoft.Extensions.Logging.Abstractions;

namespace DeepSeekWatch.Tests.Scale;

/// <summary>
/// An in-memory engine log with the rules of <see cref="RedisEngineLog"/>: an append lands only for the engine's current
/// owner (the last to claim it) and only when the log still ends with the message the appender expects. Each append is
/// carried out (all its events or none) when it is sent, as Redis runs commands in the order they arrive; its reply can be held back
/// (<see cref="HoldReplies"/>) to show what happens while it is on its way. <see cref="FailNext"/> makes the next append
/// fail, without writing (lost on the way) or after writing (its reply lost).
/// </summary>
internal sealed class MemoryEngineLog : IEngineLog
{
    private readonly Dictionary<string, List<EngineLogEntry>> _logs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _owners = new(StringComparer.Ordinal);
    private readonly Queue<Action> _held = new();
    private long _next;

    public enum Failure { None, BeforeWriting, AfterWriting }

    public Failure FailNext { get; set; }

    /// <summary>Appends are carried out but their replies wait for <see cref="ReleaseReplies"/>.</summary>
    public bool HoldReplies { get; set; }

    public int Reads { get; private set; }

    public int Refused { get; private set; }

    /// <summary>The events of each append sent, in the order sent.</summary>
    public List<List<string>> Appends { get; } = [];

    public bool Enabled => true;

    public IReadOnlyList<EngineLogEntry> Entries(string engine) => _logs.TryGetValue(engine, out var l) ? l.ToList() : [];

    public Task ClaimAsync(string engine, string owner, CancellationToken cancellationToken)
    {
        _owners[engine] = owner;
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<EngineLogEntry>> ReadAsync(string engine, CancellationToken cancellationToken)
    {
        Reads++;
        return Task.FromResult(Entries(engine));
    }

    public Task<bool> AppendAsync(string engine, string owner, Guid? expectedLast, IReadOnlyList<EngineEvent> events, CancellationToken cancellationToken)
    {
        Appends.Add(events.Select(e => (string)e.Message).ToList());
        var failure = FailNext;
        FailNext = Failure.None;
        var reply = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        Action answer;
        if (failure == Failure.BeforeWriting)
        {
            answer = () => reply.SetException(new IOException("log unreachable"));
        }
        else
        {
            if (!_logs.TryGetValue(engine, out var log))
                _logs[engine] = log = [];
            Guid? last = log.Count > 0 ? log[^1].MessageId : null;
            var landed = _owners.GetValueOrDefault(engine) == owner && last == expectedLast;
            if (landed)
            {
                foreach (var e in events)
                    log.Add(new EngineLogEntry((++_next).ToString(CultureInfo.InvariantCulture) + "-0", e.MessageId, e.Message));
            }
            else
            {
                Refused++;
            }
            answer = failure == Failure.AfterWriting
                ? () => reply.SetException(new IOException("connection lost before the reply"))
                : () => reply.SetResult(landed);
        }
        if (HoldReplies)
            _held.Enqueue(answer);
        else
            answer();
        return reply.Task;
    }

    /// <summary>Sends the held replies, in the order the appends were carried out.</summary>
    public void ReleaseReplies()
    {
        HoldReplies = false;
        while (_held.TryDequeue(out var answer))
            answer();
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
    public async Task When_another_owner_claimed_the_log_the_old_owner_is_refused_and_its_event_is_applied_once_after_a_rebuild()
    {
        var a = Slot();
        await a.HandleAsync(Guid.NewGuid(), "m1", CancellationToken.None);
        var b = Slot();
        await b.HandleAsync(Guid.NewGuid(), "m2", CancellationToken.None);

        // A still owns nothing: its next event is refused, and nothing of it leaves.
        var m3 = Guid.NewGuid();
        var refused = await a.ApplyAsync(m3, "m3", CancellationToken.None);
        await Assert.ThrowsAsync<EngineFencedException>(() => refused.Logged);
        Assert.Equal(["m1", "m2"], _log.Entries(Name).Select(e => (string)e.Message));

        // The bus's retry: A claims the log back, rebuilds (m1, m2) and applies m3 on top, once in the log.
        var result = await a.HandleAsync(m3, "m3", CancellationToken.None);
        Assert.Equal("m3#3", Marker(result));
        Assert.Equal(["m1", "m2", "m3"], _engines[^1].Seen);
        Assert.Equal(2, a.Restores);
        Assert.Equal(3, a.Applied);
        Assert.Equal(["m1", "m2", "m3"], _log.Entries(Name).Select(e => (string)e.Message));
    }

    [Fact]
    public async Task A_successor_that_has_only_claimed_the_log_already_fences_the_old_owner()
    {
        var a = Slot();
        await a.HandleAsync(Guid.NewGuid(), "m1", CancellationToken.None);
        // B takes over (a standby's first event rebuilds it from the log) before A's next event is appended.
        var b = Slot();
        Assert.Equal("m1#1", Marker(await b.HandleAsync(_log.Entries(Name)[0].MessageId, "m1", CancellationToken.None)));

        var late = await a.ApplyAsync(Guid.NewGuid(), "late", CancellationToken.None);

        await Assert.ThrowsAsync<EngineFencedException>(() => late.Logged);
        Assert.Equal(["m1"], _log.Entries(Name).Select(e => (string)e.Message));
        Assert.Equal("m2#2", Marker(await b.HandleAsync(Guid.NewGuid(), "m2", CancellationToken.None)));
    }

    [Fact]
    public async Task Events_applied_while_an_append_is_on_its_way_go_to_the_log_together_in_the_next_append()
    {
        var slot = Slot();
        await slot.HandleAsync(Guid.NewGuid(), "m1", CancellationToken.None);
        _log.HoldReplies = true;

        var second = await slot.ApplyAsync(Guid.NewGuid(), "m2", CancellationToken.None);
        var third = await slot.ApplyAsync(Guid.NewGuid(), "m3", CancellationToken.None);
        var fourth = await slot.ApplyAsync(Guid.NewGuid(), "m4", CancellationToken.None);

        // The engine went on while m2's append was on its way; nothing of m2..m4 may leave yet.
        Assert.Equal(["m1", "m2", "m3", "m4"], _applied);
        Assert.All(new[] { second, third, fourth }, d => Assert.False(d.Logged.IsCompleted));
        Assert.Equal([["m1"], ["m2"]], _log.Appends);

        _log.ReleaseReplies();
        await Task.WhenAll(second.Logged, third.Logged, fourth.Logged);

        // m3 and m4 waited for m2's reply and were sent as one append.
        Assert.Equal([["m1"], ["m2"], ["m3", "m4"]], _log.Appends);
        Assert.Equal(["m2#2", "m3#3", "m4#4"], new[] { second, third, fourth }.Select(d => Marker(d.Result)));
        Assert.Equal(["m1", "m2", "m3", "m4"], _log.Entries(Name).Select(e => (string)e.Message));
        Assert.Single(_engines);
    }

    [Fact]
    public async Task An_append_that_did_not_land_refuses_those_sent_after_it_and_the_retries_log_them_in_order()
    {
        var slot = Slot();
        await slot.HandleAsync(Guid.NewGuid(), "m1", CancellationToken.None);
        _log.HoldReplies = true;
        _log.FailNext = MemoryEngineLog.Failure.BeforeWriting;
        var (id2, id3) = (Guid.NewGuid(), Guid.NewGuid());

        var second = await slot.ApplyAsync(id2, "m2", CancellationToken.None);
        var third = await slot.ApplyAsync(id3, "m3", CancellationToken.None);
        _log.ReleaseReplies();

        await Assert.ThrowsAsync<IOException>(() => second.Logged);
        await Assert.ThrowsAsync<EngineFencedException>(() => third.Logged);
        // No gap: m3 did not land after the lost m2.
        Assert.Equal(["m1"], _log.Entries(Name).Select(e => (string)e.Message));

        // The retries, in the queue's order, on an engine rebuilt from the log.
        Assert.Equal("m2#2", Marker(await slot.HandleAsync(id2, "m2", CancellationToken.None)));
        Assert.Equal("m3#3", Marker(await slot.HandleAsync(id3, "m3", CancellationToken.None)));
        Assert.Equal(["m1", "m2", "m3"], _log.Entries(Name).Select(e => (string)e.Message));
        Assert.Equal(["m1", "m2", "m3"], _engines[^1].Seen);
        Assert.Equal(2, slot.Restores);
    }

    [Fact]
    public async Task Events_whose_appends_failed_are_applied_again_in_their_order_whatever_order_their_retries_come_in()
    {
        var slot = Slot();
        await slot.HandleAsync(Guid.NewGuid(), "m1", CancellationToken.None);
        _log.HoldReplies = true;
        _log.FailNext = MemoryEngineLog.Failure.BeforeWriting;
        var ids = new[] { Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid() };

        var sent = new List<EngineDecision>();
        for (var i = 0; i < ids.Length; i++)
            sent.Add(await slot.ApplyAsync(ids[i], $"m{i + 2}", CancellationToken.None));
        _log.ReleaseReplies();
        foreach (var decision in sent)
            await Assert.ThrowsAnyAsync<Exception>(() => decision.Logged);
        Assert.Equal(["m1"], _log.Entries(Name).Select(e => (string)e.Message));

        // With several deliveries at once, the retries come back after their turns, here last first: the rebuilt engine
        // still applies m2, m3, m4 in the queue's order, and each retry gets what its message caused there.
        Assert.Equal("m4#4", Marker(await slot.HandleAsync(ids[2], "m4", CancellationToken.None)));
        Assert.Equal("m3#3", Marker(await slot.HandleAsync(ids[1], "m3", CancellationToken.None)));
        Assert.Equal("m2#2", Marker(await slot.HandleAsync(ids[0], "m2", CancellationToken.None)));
        Assert.Equal(["m1", "m2", "m3", "m4"], _engines[^1].Seen);
        Assert.Equal(["m1", "m2", "m3", "m4"], _log.Entries(Name).Select(e => (string)e.Message));
        Assert.Equal(2, slot.Restores);
    }

    [Fact]
    public async Task A_log_append_that_fails_voids_the_decision_and_the_retry_applies_once_on_a_rebuilt_engine()
    {
        var slot = Slot();
        await slot.HandleAsync(Guid.NewGuid(), "m1", CancellationToken.None);
        var id = Guid.NewGuid();
        _log.FailNext = MemoryEngineLog.Failure.BeforeWriting;

        await Assert.ThrowsAsync<IOException>(async () => await slot.HandleAsync(id, "m2", CancellationToken.None));
        Assert.Equal(["m1"], _log.Entries(Name).Select(e => (string)e.Message));

        var retry = await slot.HandleAsync(id, "m2", CancellationToken.None);
        Assert.Equal("m2#2", Marker(retry));
        Assert.Equal(["m1", "m2"], _engines[^1].Seen);
        Assert.Equal(["m1", "m2"], _log.Entries(Name).Select(e => (string)e.Message));
        Assert.Equal(2, slot.Restores);
    }

    [Fact]
    public async Task An_append_that_wrote_but_lost_its_reply_is_applied_once_on_the_retry_through_the_rebuild()
    {
        var slot = Slot();
        await slot.HandleAsync(Guid.NewGuid(), "m1", CancellationToken.None);
        var id = Guid.NewGuid();
        _log.FailNext = MemoryEngineLog.Failure.AfterWriting;

        await Assert.ThrowsAsync<IOException>(async () => await slot.HandleAsync(id, "m2", CancellationToken.None));

        // The rebuilt engine applies m2 from the log, and the retry returns that without appending it again.
        var retry = await slot.HandleAsync(id, "m2", CancellationToken.None);
        Assert.Equal("m2#2", Marker(retry));
        Assert.Equal(["m1", "m2"], _engines[^1].Seen);
        Assert.Equal(["m1", "m2"], _log.Entries(Name).Select(e => (string)e.Message));
        Assert.Equal(0, _log.Refused);
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
