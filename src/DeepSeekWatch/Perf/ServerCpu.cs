using System.Diagnostics;

namespace DeepSeekWatch.Perf;

/// <summary>
/// CPU time of the servers a perf run drives, when they run on this machine (<c>--broker-pid</c>, <c>--redis-pid</c>):
/// on two shared cores the broker's and Redis's share of each message is as much of the answer as this process's.
/// Read from the operating system (on Linux /proc/&lt;pid&gt;/stat: user and system time of the whole process).
/// </summary>
internal sealed class ServerCpu(int? brokerPid, int? redisPid)
{
    public bool Any => brokerPid is not null || redisPid is not null;

    /// <summary>Whether a process with this id runs on this machine (and its CPU time can be read).</summary>
    public static bool IsRunning(int pid) => pid > 0 && Read(pid) is not null;

    public Snapshot Now() => new(brokerPid is { } b ? Read(b) : null, redisPid is { } r ? Read(r) : null);

    /// <summary>The process's CPU time, or null when it is gone or cannot be read.</summary>
    private static TimeSpan? Read(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.TotalProcessorTime;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>The servers' CPU time at one moment (null: not asked for, or not readable).</summary>
    public readonly record struct Snapshot(TimeSpan? Broker, TimeSpan? Redis)
    {
        /// <summary>Milliseconds of each server's CPU per message between <paramref name="before"/> and this snapshot.</summary>
        public (double? Broker, double? Redis) PerMessageSince(Snapshot before, int messages) =>
            (Per(Broker, before.Broker, messages), Per(Redis, before.Redis, messages));

        private static double? Per(TimeSpan? now, TimeSpan? then, int messages) =>
            now is { } a && then is { } b && messages > 0 ? (a - b).TotalMilliseconds / messages : null;
    }
}
