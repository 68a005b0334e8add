using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace DeepSeekWatch.IntegrationTests;

/// <summary>
/// One private <c>redis-server</c> and one private <c>rabbitmq-server</c> for the whole test run, on free loopback
/// ports with their data in a temp folder, stopped when the run ends. <c>DSW_TEST_REDIS</c> (a StackExchange.Redis
/// configuration string) and <c>DSW_TEST_RABBITMQ</c> (<c>host:port</c>, guest credentials, and <c>rabbitmqctl</c> able
/// to reach the node named by <c>DSW_TEST_RABBITMQ_NODE</c>) point the tests at running servers instead.
/// Tests isolate themselves by Redis key prefix and RabbitMQ virtual host.
/// </summary>
public sealed class Servers : IDisposable
{
    private static readonly Lazy<Servers> Shared = new(() => new Servers(), LazyThreadSafetyMode.ExecutionAndPublication);
    private readonly List<Action> _stops = [];
    private readonly string _dir;

    public static Servers Instance => Shared.Value;

    public string RedisConfiguration { get; }

    public string RabbitHost { get; } = "127.0.0.1";

    public int RabbitPort { get; }

    public string RabbitNode { get; }

    private Servers()
    {
        _dir = Path.Combine(Path.GetTempPath(), $"dsw-it-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]);
        Directory.CreateDirectory(_dir);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Dispose();

        if (Environment.GetEnvironmentVariable("DSW_TEST_REDIS") is { Length: > 0 } redis)
            RedisConfiguration = redis;
        else
            RedisConfiguration = StartRedis();

        if (Environment.GetEnvironmentVariable("DSW_TEST_RABBITMQ") is { Length: > 0 } rabbit)
        {
            var parts = rabbit.Split(':');
            RabbitHost = parts[0];
            RabbitPort = parts.Length > 1 ? int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) : 5672;
            RabbitNode = Environment.GetEnvironmentVariable("DSW_TEST_RABBITMQ_NODE") ?? "rabbit@localhost";
        }
        else
        {
            (RabbitPort, RabbitNode) = StartRabbitMq();
        }
    }

    private string StartRedis()
    {
        var port = FreePort();
        var dir = Path.Combine(_dir, "redis");
        Directory.CreateDirectory(dir);
        var process = ServerProcess.Launch("redis-server", ["--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no", "--protected-mode", "yes"], null, Path.Combine(dir, "out.log"));
        _stops.Add(() => ServerProcess.Kill(process));
        ServerProcess.WaitFor(() => ServerProcess.CanConnect(port), TimeSpan.FromSeconds(30), "redis-server", Path.Combine(dir, "out.log"));
        return $"127.0.0.1:{port}";
    }

    private (int Port, string Node) StartRabbitMq()
    {
        var port = FreePort();
        var node = $"dswit{Environment.ProcessId}@localhost";
        var dir = Path.Combine(_dir, "rabbitmq");
        if (Environment.UserName == "root")
            Run("chmod", ["755", _dir]);
        var env = ServerProcess.PrepareRabbitNode(dir, node, port);
        var process = ServerProcess.Launch("rabbitmq-server", [], env, Path.Combine(_dir, "rabbitmq-out.log"));
        _stops.Add(() =>
        {
            Run("rabbitmqctl", ["-n", node, "stop"], throwOnError: false);
            ServerProcess.Kill(process);
        });
        ServerProcess.WaitFor(() => ServerProcess.CanConnect(port) && Run("rabbitmq-diagnostics", ["-n", node, "-q", "check_running"], throwOnError: false) == 0, TimeSpan.FromSeconds(90), "rabbitmq-server", Path.Combine(_dir, "rabbitmq-out.log"));
        return (port, node);
    }

    /// <summary>A new, empty RabbitMQ virtual host that the guest user may use.</summary>
    public string CreateVirtualHost(string name)
    {
        Run("rabbitmqctl", ["-n", RabbitNode, "add_vhost", name]);
        Run("rabbitmqctl", ["-n", RabbitNode, "set_permissions", "-p", name, "guest", ".*", ".*", ".*"]);
        return name;
    }

    /// <summary>The production pair's settings against these servers: RabbitMQ in <paramref name="vhost"/>, Redis under <paramref name="keyPrefix"/>.</summary>
    public Dictionary<string, string?> Production(string vhost, string keyPrefix) => new()
    {
        ["Bus:Transport"] = "rabbitmq",
        ["Bus:RabbitMq:Host"] = RabbitHost,
        ["Bus:RabbitMq:Port"] = RabbitPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Bus:RabbitMq:VirtualHost"] = vhost,
        ["Store:Kind"] = "redis",
        ["Store:Redis:Configuration"] = RedisConfiguration,
        ["Store:Redis:KeyPrefix"] = keyPrefix,
    };

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static int Run(string file, string[] args, bool throwOnError = true)
    {
        var (exit, stdout, stderr) = Capture(file, args);
        if (throwOnError && exit != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {exit}: {stderr}{stdout}");
        return exit;
    }

    /// <summary>Runs a tool to its end and returns its exit code and what it wrote.</summary>
    public static (int Exit, string Stdout, string Stderr) Capture(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
            info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout, stderr.Result);
    }

    public void Dispose()
    {
        foreach (var stop in _stops)
            stop();
        _stops.Clear();
    }
}
