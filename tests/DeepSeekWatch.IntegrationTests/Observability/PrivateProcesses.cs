using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace DeepSeekWatch.IntegrationTests.Observability;

/// <summary>
/// Servers a single test owns and may stop: a redis-server, a rabbitmq-server with the rabbitmq_prometheus plugin, a
/// prometheus. Each listens on free loopback ports with its data in its own temp folder and is killed on dispose.
/// </summary>
public sealed class PrivateProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Func<Task>? _stop;

    private PrivateProcess(Process process, string log, Func<Task>? stop)
    {
        _process = process;
        Log = log;
        _stop = stop;
    }

    public string Log { get; }

    public string Output => File.Exists(Log) ? File.ReadAllText(Log) : "(no output)";

    public static string TempDir(string name)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"dsw-obs-{name}-{Guid.NewGuid():N}"[..36]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>redis-server on <paramref name="port"/> with AOF in <paramref name="dir"/>, so a restart on the same folder keeps the data.</summary>
    public static async Task<PrivateProcess> StartRedisAsync(int port, string dir, string? password = null)
    {
        string[] args = ["--port", Str(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "yes"];
        if (password is not null)
            args = [.. args, "--requirepass", password];
        var p = Start("redis-server", args, null, Path.Combine(dir, $"redis-{Guid.NewGuid():N}.log"), null);
        await WaitForAsync(() => Task.FromResult(CanConnect(port)), TimeSpan.FromSeconds(30), "redis-server", p);
        return p;
    }

    /// <summary>rabbitmq-server with only rabbitmq_prometheus enabled, its metrics on 127.0.0.1:<paramref name="prometheusPort"/>.</summary>
    public static async Task<PrivateProcess> StartRabbitMqAsync(int port, int prometheusPort)
    {
        var dir = TempDir("rabbit");
        var node = $"dswobs{Environment.ProcessId}x{port}@localhost";
        var env = ServerProcess.PrepareRabbitNode(dir, node, port, "[rabbitmq_prometheus]",
            $"prometheus.tcp.port = {Str(prometheusPort)}\nprometheus.tcp.ip = 127.0.0.1\nloopback_users.guest = true\n");
        var p = Start("rabbitmq-server", [], env, Path.Combine(Path.GetTempPath(), $"dsw-obs-rabbit-{Guid.NewGuid():N}.log"), () =>
        {
            Servers.Run("rabbitmqctl", ["-n", node, "stop"], throwOnError: false);
            return Task.CompletedTask;
        });
        await WaitForAsync(() => Task.FromResult(CanConnect(port) && CanConnect(prometheusPort)), TimeSpan.FromSeconds(120), "rabbitmq-server", p);
        return p;
    }

    /// <summary>prometheus with <paramref name="config"/> on 127.0.0.1:<paramref name="port"/>, its data in a fresh folder.</summary>
    public static async Task<PrivateProcess> StartPrometheusAsync(int port, string config)
    {
        var dir = TempDir("prom");
        var configFile = Path.Combine(dir, "prometheus.yml");
        File.WriteAllText(configFile, config);
        var p = Start("prometheus", ["--config.file", configFile, "--storage.tsdb.path", Path.Combine(dir, "data"), "--web.listen-address", $"127.0.0.1:{Str(port)}"],
            null, Path.Combine(dir, "out.log"), null);
        await WaitForAsync(() => Task.FromResult(CanConnect(port)), TimeSpan.FromSeconds(60), "prometheus", p);
        return p;
    }

    public static async Task WaitForAsync(Func<Task<bool>> ready, TimeSpan timeout, string what, PrivateProcess? process = null)
    {
        var watch = Stopwatch.StartNew();
        while (!await ready())
        {
            if (process is not null && process._process.HasExited)
                throw new InvalidOperationException($"{what} exited with {process._process.ExitCode}: {process.Output}");
            if (watch.Elapsed > timeout)
                throw new TimeoutException($"{what} was not ready within {timeout}" + (process is null ? "" : $"; its output: {process.Output}"));
            await Task.Delay(200);
        }
    }

    public static bool CanConnect(int port) => ServerProcess.CanConnect(port);

    private static PrivateProcess Start(string file, string[] args, Dictionary<string, string>? env, string log, Func<Task>? stop) =>
        new(ServerProcess.Launch(file, args, env, log), log, stop);

    private static string Str(int n) => n.ToString(CultureInfo.InvariantCulture);

    /// <summary>Stops the process (and waits for it), as a crash or an operator would.</summary>
    public async Task StopAsync()
    {
        if (_stop is not null)
            await _stop();
        try
        {
            if (!_process.HasExited)
                _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
    }
}
