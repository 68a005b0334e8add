using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace DeepSeekWatch.IntegrationTests.Chaos;

/// <summary>
/// A private redis-server and rabbitmq-server for ONE chaos test, which may kill, stop and restart them (never the
/// shared <see cref="Servers"/>). Same approach as <see cref="Servers"/>: free loopback ports, data in a temp folder
/// owned by the rabbitmq user, RABBITMQ_* variables. Redis keeps an append-only file (fsync always) so a restart keeps
/// every acknowledged write; RabbitMQ restarts on the same node name, port and data folder, so its quorum queues come
/// back with every confirmed message.
/// </summary>
public sealed class ChaosServers : IDisposable
{
    private readonly string _dir;
    private readonly string _redisDir;
    private readonly string _rabbitDir;
    private readonly Dictionary<string, string> _rabbitEnv;
    private Process? _redis;
    private Process? _rabbit;
    private int _rabbitStarts;

    public int RedisPort { get; } = Servers.FreePort();

    public int RabbitPort { get; } = Servers.FreePort();

    public string RabbitNode { get; }

    public string RedisConfiguration => $"127.0.0.1:{RedisPort}";

    private ChaosServers()
    {
        _dir = Path.Combine(Path.GetTempPath(), $"dsw-chaos-{Guid.NewGuid():N}"[..30]);
        _redisDir = Path.Combine(_dir, "redis");
        _rabbitDir = Path.Combine(_dir, "rabbitmq");
        Directory.CreateDirectory(_redisDir);
        Directory.CreateDirectory(_rabbitDir);
        if (Environment.UserName == "root")
            Servers.Run("chmod", ["755", _dir]);
        RabbitNode = $"dswchaos{RabbitPort}@localhost";
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Dispose();
        _rabbitEnv = ServerProcess.PrepareRabbitNode(_rabbitDir, RabbitNode, RabbitPort);
    }

    /// <summary>Starts both servers and waits (bounded) until they answer.</summary>
    public static ChaosServers Start()
    {
        var s = new ChaosServers();
        try
        {
            s.StartRedis();
            s.StartRabbitMq();
            return s;
        }
        catch
        {
            s.Dispose();
            throw;
        }
    }

    public void StartRedis()
    {
        _redis = ServerProcess.Launch("redis-server",
        [
            "--port", RedisPort.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", _redisDir,
            "--save", "", "--appendonly", "yes", "--appendfsync", "always", "--protected-mode", "yes",
        ], null, Path.Combine(_redisDir, "out.log"), appendLog: true);
        ServerProcess.WaitFor(() => ServerProcess.CanConnect(RedisPort), TimeSpan.FromSeconds(30), "redis-server", Path.Combine(_redisDir, "out.log"));
    }

    /// <summary>Stops Redis the way an operator or a crash-free restart does (SIGTERM), and waits until its port is closed.</summary>
    public void StopRedis()
    {
        var p = _redis ?? throw new InvalidOperationException("redis is not running");
        Servers.Run("kill", ["-TERM", p.Id.ToString(CultureInfo.InvariantCulture)]);
        if (!p.WaitForExit(TimeSpan.FromSeconds(30)))
            throw new TimeoutException("redis-server did not stop within 30 s of SIGTERM");
        _redis = null;
        ServerProcess.WaitFor(() => !ServerProcess.CanConnect(RedisPort), TimeSpan.FromSeconds(10), "redis port to close", Path.Combine(_redisDir, "out.log"));
    }

    public void StartRabbitMq()
    {
        var log = Path.Combine(_dir, $"rabbitmq-out-{++_rabbitStarts}.log");
        _rabbit = ServerProcess.Launch("rabbitmq-server", [], _rabbitEnv, log, appendLog: true);
        ServerProcess.WaitFor(() => ServerProcess.CanConnect(RabbitPort) && Ctl("rabbitmq-diagnostics", "-q", "check_running") == 0, TimeSpan.FromSeconds(120), "rabbitmq-server", log);
    }

    /// <summary>kill -9 of the broker's Erlang VM (beam.smp) and of its wrapper: no clean shutdown, no flush.</summary>
    public void KillRabbitMq()
    {
        var wrapper = _rabbit ?? throw new InvalidOperationException("rabbitmq is not running");
        var beams = Beams();
        if (beams.Count == 0)
            throw new InvalidOperationException($"no beam.smp process found for node {RabbitNode}");
        foreach (var pid in beams)
            Servers.Run("kill", ["-9", pid.ToString(CultureInfo.InvariantCulture)], throwOnError: false);
        ServerProcess.Kill(wrapper);
        _rabbit = null;
        ServerProcess.WaitFor(() => !ServerProcess.CanConnect(RabbitPort) && Beams().Count == 0, TimeSpan.FromSeconds(30), "rabbitmq to die", "");
    }

    /// <summary>Messages ready plus unacknowledged in every queue of <paramref name="vhost"/>, by queue name.</summary>
    /// <summary>rabbitmqctl's own table of the vhost's queues (messages, unacknowledged, consumers), for a failing test's output.</summary>
    public string QueueReport(string vhost)
    {
        var (_, stdout, stderr) = Capture("rabbitmqctl", "-n", RabbitNode, "-q", "list_queues", "-p", vhost, "name", "type", "messages", "messages_unacknowledged", "consumers", "leader", "online");
        return stdout + stderr;
    }

    /// <summary>
    /// Makes the broker write its quorum queues' Raft member directory to disk now. RabbitMQ 3.10's Ra keeps it in a
    /// dets table (<c>quorum/&lt;node&gt;/names.dets</c>) saved every 500 ms: a <c>kill -9</c> within about a second of a
    /// queue's declaration loses the queue's registration, and the restarted broker starts a new, empty member for it
    /// (term 0, a follower that never elects itself) while the old one's messages sit orphaned on disk — Findings 5 and
    /// 6 in docs/reliability.md. A chaos test is about DeepSeekWatch under a broker crash, not that broker bug, so it calls
    /// this before the kill. Throws if the broker does not answer <c>ok</c>.
    /// </summary>
    public void PersistQuorumRegistrations()
    {
        var (exit, stdout, stderr) = Capture("rabbitmqctl", "-n", RabbitNode, "-t", "15", "eval",
            "{ok, Rev} = ra_system:lookup_name(quorum_queues, directory_rev), dets:sync(Rev).");
        if (exit != 0 || stdout.Trim() != "ok")
            throw new InvalidOperationException($"could not sync the broker's Ra directory: exit {exit}: {stdout}{stderr}");
    }

    /// <summary>What <see cref="EnsureQuorumLeadersAsync"/> had to do: one line per queue elected, and the queues whose registration the broker had lost.</summary>
    public sealed record LeaderRepair(IReadOnlyList<string> Nudged, IReadOnlyList<string> LostRegistration)
    {
        public static readonly LeaderRepair None = new([], []);
    }

    /// <summary>
    /// After a restart, waits until every quorum queue of <paramref name="vhost"/> has a Raft leader, as an operator
    /// restarting a broker checks with <c>rabbitmq-queues quorum_status</c>. A queue still a follower after
    /// <paramref name="grace"/> gets <c>ra:trigger_election</c> (the workaround of rabbitmq/rabbitmq-server#10070). A
    /// follower in term 0 is the broker's new, empty member of a queue whose registration it lost
    /// (<see cref="PersistQuorumRegistrations"/>): electing it makes the empty member the queue, so such a queue is
    /// reported in <see cref="LeaderRepair.LostRegistration"/> (the run's outcome says nothing about DeepSeekWatch); it is
    /// elected all the same, so that the run can end.
    /// </summary>
    public async Task<LeaderRepair> EnsureQuorumLeadersAsync(string vhost, TimeSpan grace, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        var nudged = new List<string>();
        var lost = new List<string>();
        while (true)
        {
            var leaderless = QuorumQueues(vhost).Select(q => (Queue: q, State: RaftState(vhost, q))).Where(q => q.State.Role != "leader").ToList();
            if (leaderless.Count == 0)
                return new LeaderRepair(nudged, lost);
            if (clock.Elapsed > timeout)
                throw new TimeoutException($"quorum queues without a leader after {timeout}: {string.Join(", ", leaderless)}");
            if (clock.Elapsed > grace)
            {
                foreach (var (queue, state) in leaderless)
                {
                    var first = !nudged.Any(n => n.StartsWith(queue + " ", StringComparison.Ordinal));
                    if (first && state is { Role: "follower", Term: 0 })
                        lost.Add(queue);
                    var before = first ? Diagnostics(vhost) : "";
                    Capture("rabbitmqctl", "-n", RabbitNode, "-t", "15", "eval",
                        $"{{ok, Q}} = rabbit_amqqueue:lookup(rabbit_misc:r(<<\"{vhost}\">>, queue, <<\"{queue}\">>)), ra:trigger_election(amqqueue:get_pid(Q)).");
                    if (first)
                        nudged.Add($"{queue} ({state.Role}, term {state.Term?.ToString(CultureInfo.InvariantCulture) ?? "?"}): election triggered\n  before it:\n{before}");
                }
            }
            await Task.Delay(500);
        }
    }

    /// <summary>The broker's consumers (queue, channel pid, tag) and channels, as rabbitmqctl lists them.</summary>
    public string Diagnostics(string vhost)
    {
        var consumers = Capture("rabbitmqctl", "-n", RabbitNode, "-q", "-t", "15", "list_consumers", "-p", vhost, "queue_name", "channel_pid", "consumer_tag", "prefetch_count", "active");
        var channels = Capture("rabbitmqctl", "-n", RabbitNode, "-q", "-t", "15", "list_channels", "pid", "number", "consumer_count", "messages_unacknowledged");
        return $"  consumers: {consumers.Stdout}{consumers.Stderr}\n  channels: {channels.Stdout}{channels.Stderr}";
    }

    private List<string> QuorumQueues(string vhost)
    {
        var (_, stdout, _) = Capture("rabbitmqctl", "-n", RabbitNode, "-q", "-t", "15", "list_queues", "-p", vhost, "--no-table-headers", "name", "type");
        return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.Split('\t', ' '))
            .Where(p => p.Length >= 2 && p[^1] == "quorum")
            .Select(p => p[0])
            .ToList();
    }

    /// <summary>The local member's Raft role ("leader", "candidate", "follower", "noproc", ... or "unknown") and term.</summary>
    private (string Role, long? Term) RaftState(string vhost, string queue)
    {
        var (exit, stdout, _) = Capture("rabbitmq-queues", "-n", RabbitNode, "-q", "-t", "15", "quorum_status", "-p", vhost, queue, "--formatter", "json");
        if (exit != 0)
            return ("unknown", null);
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(stdout);
            foreach (var member in doc.RootElement.EnumerateArray())
            {
                if (!member.TryGetProperty("Raft State", out var state))
                    continue;
                long? term = member.TryGetProperty("Term", out var t) && long.TryParse(t.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;
                return (state.ToString(), term);
            }
        }
        catch (System.Text.Json.JsonException)
        {
        }
        return ("unknown", null);
    }

    private static (int Exit, string Stdout, string Stderr) Capture(string file, params string[] args) => Servers.Capture(file, args);

    /// <summary>Copies the broker's log files to <c>$DSW_CHAOS_LOGS/&lt;node&gt;</c> when that variable is set (for investigating a failure).</summary>
    public void SaveRabbitLogs()
    {
        var target = Environment.GetEnvironmentVariable("DSW_CHAOS_LOGS");
        if (string.IsNullOrEmpty(target))
            return;
        var dir = Directory.CreateDirectory(Path.Combine(target, RabbitNode)).FullName;
        foreach (var file in Directory.EnumerateFiles(Path.Combine(_rabbitDir, "log")))
            File.Copy(file, Path.Combine(dir, Path.GetFileName(file)), overwrite: true);
    }

    /// <summary>The broker's own warnings and errors (its log files), last <paramref name="lines"/>, for a failing test's output.</summary>
    public string RabbitLogProblems(int lines = 60)
    {
        var found = new List<string>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(_rabbitDir, "log"), "*.log").Order(StringComparer.Ordinal))
        {
            try
            {
                found.AddRange(File.ReadLines(file).Where(l => l.Contains("[erro", StringComparison.Ordinal) || l.Contains("[warn", StringComparison.Ordinal) || l.Contains("recover", StringComparison.OrdinalIgnoreCase)));
            }
            catch (IOException)
            {
            }
        }
        return string.Join('\n', found.TakeLast(lines).Select(l => l.Length > 400 ? l[..400] : l));
    }

    public Dictionary<string, long> QueueDepths(string vhost)
    {
        var info = new ProcessStartInfo("rabbitmqctl") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-n", RabbitNode, "-q", "list_queues", "-p", vhost, "--no-table-headers", "name", "messages" })
            info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"rabbitmqctl list_queues exited {p.ExitCode}: {stderr.Result}");
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = line.Split('\t', ' ');
            if (parts.Length >= 2 && long.TryParse(parts[^1], CultureInfo.InvariantCulture, out var n))
                result[parts[0]] = n;
        }
        return result;
    }

    public string CreateVirtualHost(string name)
    {
        Servers.Run("rabbitmqctl", ["-n", RabbitNode, "add_vhost", name]);
        Servers.Run("rabbitmqctl", ["-n", RabbitNode, "set_permissions", "-p", name, "guest", ".*", ".*", ".*"]);
        return name;
    }

    /// <summary>Polls <paramref name="condition"/> every 200 ms until it holds, or throws after <paramref name="timeout"/>.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > timeout)
                throw new TimeoutException($"{what} did not happen within {timeout}");
            await Task.Delay(200);
        }
    }

    private int Ctl(string tool, params string[] args) => Servers.Run(tool, ["-n", RabbitNode, .. args], throwOnError: false);

    private List<int> Beams()
    {
        var pids = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), CultureInfo.InvariantCulture, out var pid))
                continue;
            try
            {
                // The node name is in the VM's environment (RABBITMQ_NODENAME), not on its command line.
                var cmd = File.ReadAllText(Path.Combine(dir, "cmdline"));
                if (cmd.Contains("beam.smp", StringComparison.Ordinal) && File.ReadAllText(Path.Combine(dir, "environ")).Split('\0').Contains($"RABBITMQ_NODENAME={RabbitNode}"))
                    pids.Add(pid);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        return pids;
    }

    public void Dispose()
    {
        if (_rabbit is not null || Beams().Count > 0)
        {
            Ctl("rabbitmqctl", "stop");
            foreach (var pid in Beams())
                Servers.Run("kill", ["-9", pid.ToString(CultureInfo.InvariantCulture)], throwOnError: false);
            if (_rabbit is not null)
                ServerProcess.Kill(_rabbit);
        }
        if (_redis is not null)
            ServerProcess.Kill(_redis);
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
