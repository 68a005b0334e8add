using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace DeepSeekWatch.IntegrationTests;

/// <summary>
/// What every private server of the integration tests shares (<see cref="Servers"/>, <c>Chaos.ChaosServers</c>,
/// <c>Observability.PrivateProcess</c>): starting a server process with its output in a log file, waiting until it
/// answers, killing it, and the folder and environment of a private RabbitMQ node.
/// </summary>
internal static class ServerProcess
{
    /// <summary>Starts <paramref name="file"/> with its standard output and error written to <paramref name="log"/>.</summary>
    public static Process Launch(string file, IEnumerable<string> args, IReadOnlyDictionary<string, string>? env, string log, bool appendLog = false)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
            info.ArgumentList.Add(a);
        foreach (var (k, v) in env ?? new Dictionary<string, string>())
            info.Environment[k] = v;
        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
        var writer = new StreamWriter(log, appendLog) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => { lock (writer) writer.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (writer) writer.WriteLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    public static bool CanConnect(int port)
    {
        try
        {
            using var c = new TcpClient();
            c.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Polls <paramref name="ready"/> every 200 ms; throws after <paramref name="timeout"/> with the server's output.</summary>
    public static void WaitFor(Func<bool> ready, TimeSpan timeout, string what, string log)
    {
        var clock = Stopwatch.StartNew();
        while (!ready())
        {
            if (clock.Elapsed > timeout)
                throw new TimeoutException($"{what} did not happen within {timeout}; its output: {(File.Exists(log) ? File.ReadAllText(log) : "(none)")}");
            Thread.Sleep(200);
        }
    }

    public static void Kill(Process p)
    {
        try
        {
            if (!p.HasExited)
                p.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
    }

    /// <summary>
    /// The folder of a private RabbitMQ node (<c>mnesia</c>, <c>log</c>, <c>enabled_plugins</c> with
    /// <paramref name="plugins"/>, and <paramref name="config"/> as <c>rabbitmq.conf</c> when given) and the environment
    /// that points <c>rabbitmq-server</c> at it on 127.0.0.1:<paramref name="port"/>. The Debian wrapper drops to the
    /// rabbitmq user when started as root; that user then owns the folder.
    /// </summary>
    public static Dictionary<string, string> PrepareRabbitNode(string dir, string node, int port, string plugins = "[]", string? config = null)
    {
        Directory.CreateDirectory(Path.Combine(dir, "mnesia"));
        Directory.CreateDirectory(Path.Combine(dir, "log"));
        File.WriteAllText(Path.Combine(dir, "enabled_plugins"), plugins + ".");
        var env = new Dictionary<string, string>
        {
            ["RABBITMQ_NODENAME"] = node,
            ["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1",
            ["RABBITMQ_NODE_PORT"] = port.ToString(CultureInfo.InvariantCulture),
            ["RABBITMQ_DIST_PORT"] = Servers.FreePort().ToString(CultureInfo.InvariantCulture),
            ["RABBITMQ_MNESIA_BASE"] = Path.Combine(dir, "mnesia"),
            ["RABBITMQ_LOG_BASE"] = Path.Combine(dir, "log"),
            ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(dir, "enabled_plugins"),
        };
        if (config is not null)
        {
            File.WriteAllText(Path.Combine(dir, "rabbitmq.conf"), config);
            env["RABBITMQ_CONFIG_FILE"] = Path.Combine(dir, "rabbitmq.conf");
        }
        if (Environment.UserName == "root")
        {
            Servers.Run("chmod", ["755", dir]);
            Servers.Run("chown", ["-R", "rabbitmq:rabbitmq", dir]);
        }
        return env;
    }
}
