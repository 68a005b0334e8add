// Throw-away reproduction of docs/reliability.md Finding 6 (messages held unacked by a consumer when the broker's VM
// is killed, on a quorum queue that comes back leaderless and gets `ra:trigger_election`). Driven by round.sh.
//
//   f6-repro prepare --port P --state FILE [--queues 30] [--messages 300] [--ack 100] [--prefetch 64]
//       declares durable quorum queues f6-q00.. (odd ones with x-single-active-consumer, like the detector's queue),
//       publishes N numbered persistent messages to each with confirms, then one consumer per queue (own channel,
//       prefetch 64, manual ack) acks the first --ack deliveries and holds the next 64 unacked; writes FILE (what
//       each queue's consumer acked and holds), prints HOLDING and waits until the connection dies (the broker kill).
//   f6-repro drain --port P --state FILE [--out FILE]
//       a fresh connection consumes every queue to empty (acks all) and reports per queue which numbers came back.
//       --late K: K more queues f6-lateNN created the same way 2 s later (so under a second old at the kill);
//       --kill-pids a,b: SIGKILL those (the broker's beam.smp) right after HOLDING (--kill-after-ms to delay it).
//   f6-repro publish --port P --queues a,b [--from 2001] [--count 10]   numbered messages with confirms
//   f6-repro hold --port P --queues a,b [--seconds 120] [--stop-file F]
//       the variant: basic.consume (prefetch 64, no ack) on the given queues before the election, logging what the
//       client sees; the even-indexed queues keep their channel open after a failed consume, the odd ones close it.
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

var opts = Opts.Parse(args.Skip(1));
var clock = Stopwatch.StartNew();
void Log(string s) => Console.WriteLine($"[{DateTime.UtcNow:HH:mm:ss.fff}] {s}");

switch (args.FirstOrDefault())
{
    case "prepare": return await Prepare();
    case "drain": return await Drain();
    case "hold": return await Hold();
    case "publish": return await Publish();
    default:
        Console.Error.WriteLine("usage: f6-repro prepare|drain|hold --port P ...");
        return 2;
}

ConnectionFactory Factory(string name) => new()
{
    HostName = "127.0.0.1",
    Port = opts.Int("port", 5672),
    AutomaticRecoveryEnabled = false,
    TopologyRecoveryEnabled = false,
    ClientProvidedName = name,
    ContinuationTimeout = TimeSpan.FromSeconds(opts.Int("continuation-timeout", 20)),
    RequestedHeartbeat = TimeSpan.FromSeconds(10),
};

static int Number(BasicDeliverEventArgs ea) => int.Parse(Encoding.UTF8.GetString(ea.Body.Span).Split(':')[1], CultureInfo.InvariantCulture);

async Task<int> Prepare()
{
    int queues = opts.Int("queues", 30), messages = opts.Int("messages", 300), ack = opts.Int("ack", 100), prefetch = opts.Int("prefetch", 64);
    await using var conn = await Factory("f6-prepare").CreateConnectionAsync();
    var dead = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
    conn.ConnectionShutdownAsync += (_, e) => { dead.TrySetResult($"{e.Initiator} {e.ReplyCode} {e.ReplyText}"); return Task.CompletedTask; };
    var state = new ConcurrentDictionary<string, QueueState>();
    var channels = new List<IChannel>();
    var want = ack + prefetch;

    // One phase: declare the queues, publish N numbered messages to each (confirmed), start the holding consumers.
    async Task Phase(List<string> names)
    {
        await Parallel.ForEachAsync(names.Select((q, i) => (q, i)), new ParallelOptions { MaxDegreeOfParallelism = 6 }, async (x, _) =>
        {
            await using var ch = await conn.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
            var qargs = new Dictionary<string, object?> { ["x-queue-type"] = "quorum" };
            if (x.i % 2 == 1)
                qargs["x-single-active-consumer"] = true;
            await ch.QueueDeclareAsync(x.q, durable: true, exclusive: false, autoDelete: false, qargs);
            for (var start = 1; start <= messages; start += 50)
            {
                var pending = new List<ValueTask>();
                for (var n = start; n < start + 50 && n <= messages; n++)
                    pending.Add(ch.BasicPublishAsync("", x.q, mandatory: true, new BasicProperties { Persistent = true, MessageId = $"{x.q}:{n}" }, Encoding.UTF8.GetBytes($"{x.q}:{n}")));
                foreach (var p in pending)
                    await p;
            }
        });
        Log($"declared {names.Count} queues {names[0]}..{names[^1]}, published {messages} to each (confirmed)");
        foreach (var (q, i) in names.Select((q, i) => (q, i)))
        {
            var ch = await conn.CreateChannelAsync();
            channels.Add(ch);
            await ch.BasicQosAsync(0, (ushort)prefetch, false);
            var st = state[q] = new QueueState { Sac = i % 2 == 1 };
            var consumer = new AsyncEventingBasicConsumer(ch);
            consumer.ReceivedAsync += async (_, ea) =>
            {
                var n = Number(ea);
                bool doAck;
                lock (st)
                {
                    doAck = st.Acked.Count < ack;
                    (doAck ? st.Acked : st.Held).Add(n);
                }
                if (doAck)
                    await ch.BasicAckAsync(ea.DeliveryTag, false);
            };
            st.ConsumerTag = await ch.BasicConsumeAsync(q, autoAck: false, consumer);
        }
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (names.Any(q => { var s = state[q]; lock (s) return s.Acked.Count + s.Held.Count < want; }) && DateTime.UtcNow < deadline)
            await Task.Delay(20);
        Log($"consumers of {names[0]}..{names[^1]} acked {ack} and hold {prefetch} each");
    }

    await Phase(Enumerable.Range(0, queues).Select(i => $"f6-q{i:00}").ToList());
    // "Late" queues: created (so registered in Ra's directory, names.dets) well under a second before the kill, as the
    // chaos test's queues were (its kill comes about a second after MassTransit declares them).
    var late = opts.Int("late", 0);
    if (late > 0)
    {
        await Task.Delay(opts.Int("late-after-ms", 2000));
        await Phase(Enumerable.Range(0, late).Select(i => $"f6-late{i:00}").ToList());
    }
    var names = state.Keys.OrderBy(k => k).ToList();
    await Task.Delay(opts.Int("settle-ms", 300)); // the last acks reach the queues before the kill
    File.WriteAllText(opts.Str("state"), JsonSerializer.Serialize(state.ToDictionary(k => k.Key, k => k.Value), new JsonSerializerOptions { WriteIndented = false }));
    foreach (var (q, s) in state.OrderBy(k => k.Key))
        lock (s)
            if (s.Acked.Count + s.Held.Count != want)
                Log($"WARN {q}: acked {s.Acked.Count}, held {s.Held.Count}");
    Log($"HOLDING: each consumer acked {ack} and holds {prefetch} unacked; state in {opts.Str("state")}");
    if (opts.Has("kill-pids"))
    {
        // kill -9 of the broker's VM right here, so the kill lands within milliseconds of HOLDING (round.sh passes the pids),
        // or --kill-after-ms later
        await Task.Delay(opts.Int("kill-after-ms", 0));
        foreach (var pid in opts.Str("kill-pids").Split(',', StringSplitOptions.RemoveEmptyEntries))
            Process.GetProcessById(int.Parse(pid, CultureInfo.InvariantCulture)).Kill();
        Log($"KILLED beam.smp {opts.Str("kill-pids")} (SIGKILL)");
    }
    if (opts.Has("churn"))
    {
        // Keeps the broker busy at the kill (like the chaos test's replay): every queue gets a stream of further
        // persistent messages numbered from 1001, with confirms; none of them is consumed before the kill.
        Log("churn: publishing further messages (#1001..) to every queue until the connection dies");
        foreach (var q in names)
            _ = Task.Run(async () =>
            {
                try
                {
                    await using var ch = await conn.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
                    for (var n = 1001; ; n += 10)
                    {
                        var pending = Enumerable.Range(n, 10).Select(k => ch.BasicPublishAsync("", q, mandatory: true, new BasicProperties { Persistent = true }, Encoding.UTF8.GetBytes($"{q}:{k}"))).ToList();
                        foreach (var p in pending)
                            await p;
                    }
                }
                catch (Exception)
                {
                    // the kill
                }
            });
    }
    var why = await dead.Task;
    Log($"connection died: {why}");
    return 0;
}

async Task<int> Drain()
{
    var state = JsonSerializer.Deserialize<Dictionary<string, QueueState>>(File.ReadAllText(opts.Str("state")))!;
    int messages = opts.Int("messages", 300);
    var only = opts.Has("queues") ? opts.Str("queues").Split(',').ToHashSet() : null;
    await using var conn = await Factory("f6-drain").CreateConnectionAsync();
    var results = new ConcurrentDictionary<string, string>();
    await Task.WhenAll(state.Where(k => only is null || only.Contains(k.Key)).Select(async kv =>
    {
        var (q, st) = (kv.Key, kv.Value);
        var got = new List<(int N, bool Redelivered)>();
        var last = Stopwatch.StartNew();
        string consumeNote = "";
        await using var ch = await conn.CreateChannelAsync();
        await ch.BasicQosAsync(0, 500, false);
        var consumer = new AsyncEventingBasicConsumer(ch);
        consumer.ReceivedAsync += async (_, ea) =>
        {
            lock (got)
            {
                got.Add((Number(ea), ea.Redelivered));
                last.Restart();
            }
            await ch.BasicAckAsync(ea.DeliveryTag, false);
        };
        var t0 = clock.Elapsed;
        try
        {
            await ch.BasicConsumeAsync(q, autoAck: false, consumer);
            consumeNote = $"consume-ok {(clock.Elapsed - t0).TotalSeconds:0.0}s";
        }
        catch (Exception e)
        {
            consumeNote = $"consume FAILED after {(clock.Elapsed - t0).TotalSeconds:0.0}s: {e.GetType().Name}: {e.Message.Split('\n')[0]}";
        }
        last.Restart();
        while (true)
        {
            await Task.Delay(250);
            lock (got)
                if (last.Elapsed > TimeSpan.FromSeconds(got.Count == 0 ? 8 : 4))
                    break;
        }
        var seen = got.Select(g => g.N).ToHashSet();
        var notDelivered = Enumerable.Range(1, messages).Except(st.Acked).Except(st.Held).ToList();
        var heldBack = st.Held.Count(seen.Contains);
        var restBack = notDelivered.Count(seen.Contains);
        var ackedAgain = st.Acked.Count(seen.Contains);
        var missingHeld = st.Held.Where(n => !seen.Contains(n)).ToList();
        var missingRest = notDelivered.Where(n => !seen.Contains(n)).ToList();
        results[q] = $"{q} sac={(st.Sac ? 1 : 0)} got={got.Count} churn={seen.Count(n => n > 1000 && n <= 2000)} after_election={seen.Count(n => n > 2000)} held_back={heldBack}/{st.Held.Count} undelivered_back={restBack}/{notDelivered.Count} acked_again={ackedAgain} redelivered_flag={got.Count(g => g.Redelivered)} dups={got.Count - seen.Count}"
            + (missingHeld.Count > 0 ? $" MISSING_HELD={Ranges(missingHeld)}" : "")
            + (missingRest.Count > 0 ? $" MISSING_UNDELIVERED={Ranges(missingRest)}" : "")
            + $" [{consumeNote}]";
    }));
    var text = string.Join('\n', results.OrderBy(k => k.Key).Select(k => k.Value));
    Console.WriteLine(text);
    if (opts.Has("out"))
        File.WriteAllText(opts.Str("out"), text + "\n");
    return 0;
}

async Task<int> Hold()
{
    var queues = opts.Str("queues").Split(',', StringSplitOptions.RemoveEmptyEntries);
    var seconds = opts.Int("seconds", 120);
    var stopFile = opts.Has("stop-file") ? opts.Str("stop-file") : null;
    await using var conn = await Factory("f6-hold").CreateConnectionAsync();
    conn.ConnectionShutdownAsync += (_, e) => { Log($"connection shutdown: {e.Initiator} {e.ReplyCode} {e.ReplyText}"); return Task.CompletedTask; };
    var counts = new ConcurrentDictionary<string, List<(int N, bool R)>>();
    var keep = new List<IChannel>();
    await Task.WhenAll(queues.Select(async (q, i) =>
    {
        var keepOpen = i % 2 == 0;
        var ch = await conn.CreateChannelAsync();
        lock (keep)
            keep.Add(ch);
        ch.ChannelShutdownAsync += (_, e) => { Log($"{q}: channel {ch.ChannelNumber} shutdown: {e.Initiator} {e.ReplyCode} {e.ReplyText}"); return Task.CompletedTask; };
        await ch.BasicQosAsync(0, 64, false);
        var list = counts[q] = new();
        var consumer = new AsyncEventingBasicConsumer(ch);
        consumer.ReceivedAsync += (_, ea) =>
        {
            lock (list)
            {
                list.Add((Number(ea), ea.Redelivered));
                if (list.Count == 1)
                    Log($"{q}: channel {ch.ChannelNumber} first delivery #{list[0].N} redelivered={ea.Redelivered} tag={ea.ConsumerTag}");
            }
            return Task.CompletedTask; // never acked, never processed: a consumer nobody reads
        };
        consumer.RegisteredAsync += (_, e) => { Log($"{q}: consumer registered {string.Join(",", e.ConsumerTags)}"); return Task.CompletedTask; };
        var t0 = clock.Elapsed;
        Log($"{q}: basic.consume on channel {ch.ChannelNumber} (keep channel open after a failure: {keepOpen})");
        try
        {
            var tag = await ch.BasicConsumeAsync(q, autoAck: false, consumer);
            Log($"{q}: consume-ok after {(clock.Elapsed - t0).TotalSeconds:0.0}s tag={tag}");
        }
        catch (Exception e)
        {
            Log($"{q}: basic.consume FAILED after {(clock.Elapsed - t0).TotalSeconds:0.0}s: {e.GetType().Name}: {e.Message.Split('\n')[0]}; channel open={ch.IsOpen}");
            if (!keepOpen && ch.IsOpen)
            {
                try { await ch.CloseAsync(); Log($"{q}: channel {ch.ChannelNumber} closed by the client"); }
                catch (Exception e2) { Log($"{q}: close failed: {e2.GetType().Name}: {e2.Message.Split('\n')[0]}"); }
            }
        }
    }));
    var until = DateTime.UtcNow.AddSeconds(seconds);
    while (DateTime.UtcNow < until && (stopFile is null || !File.Exists(stopFile)))
        await Task.Delay(500);
    foreach (var (q, list) in counts.OrderBy(k => k.Key))
        lock (list)
            Log($"HOLD {q}: deliveries to this (never-acking) consumer: {list.Count}{(list.Count > 0 ? $" #{list.Min(x => x.N)}..#{list.Max(x => x.N)}, redelivered flag {list.Count(x => x.R)}" : "")}");
    Log("hold: closing the connection (unacked deliveries return to the queues)");
    return 0;
}

// Publishes --count numbered messages (from --from) to each of --queues, with confirms (bounded by --timeout s).
async Task<int> Publish()
{
    int from = opts.Int("from", 2001), count = opts.Int("count", 10);
    await using var conn = await Factory("f6-publish").CreateConnectionAsync();
    foreach (var q in opts.Str("queues").Split(',', StringSplitOptions.RemoveEmptyEntries))
    {
        await using var ch = await conn.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(opts.Int("timeout", 10)));
        try
        {
            for (var n = from; n < from + count; n++)
                await ch.BasicPublishAsync("", q, mandatory: true, new BasicProperties { Persistent = true }, Encoding.UTF8.GetBytes($"{q}:{n}"), cts.Token);
            Log($"published #{from}..#{from + count - 1} to {q} (confirmed)");
        }
        catch (Exception e)
        {
            Log($"publish to {q} failed: {e.GetType().Name}: {e.Message.Split('\n')[0]}");
        }
    }
    return 0;
}

static string Ranges(List<int> ns)
{
    var sb = new StringBuilder();
    ns.Sort();
    for (var i = 0; i < ns.Count;)
    {
        var j = i;
        while (j + 1 < ns.Count && ns[j + 1] == ns[j] + 1)
            j++;
        sb.Append(sb.Length > 0 ? "," : "").Append(i == j ? $"{ns[i]}" : $"{ns[i]}-{ns[j]}");
        i = j + 1;
    }
    return sb.ToString();
}

sealed class QueueState
{
    public bool Sac { get; set; }
    public string? ConsumerTag { get; set; }
    public List<int> Acked { get; set; } = [];
    public List<int> Held { get; set; } = [];
}

sealed class Opts(Dictionary<string, string> d)
{
    public static Opts Parse(IEnumerable<string> a)
    {
        var d = new Dictionary<string, string>();
        string? key = null;
        foreach (var s in a)
            if (s.StartsWith("--", StringComparison.Ordinal)) { key = s[2..]; d[key] = "true"; }
            else if (key is not null) { d[key] = s; key = null; }
        return new Opts(d);
    }
    public bool Has(string k) => d.ContainsKey(k);
    public string Str(string k) => d.TryGetValue(k, out var v) ? v : throw new ArgumentException($"--{k} is required");
    public int Int(string k, int def) => d.TryGetValue(k, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : def;
}
