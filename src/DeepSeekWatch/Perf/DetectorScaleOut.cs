using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using DeepSeekWatch.Contracts;
using DeepSeekWatch.Detection;
using DeepSeekWatch.Hosting;
using DeepSeekWatch.Pipeline;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RabbitMQ.Client;
using StackExchange.Redis;

namespace DeepSeekWatch.Perf;

/// <summary>One child process of a scale-out run: its bars consumed (from its <c>/metrics</c>) and the partitions that explains.</summary>
internal sealed record DetectorChild(int Index, long BarsConsumed, string Partitions);

/// <summary>N detector processes on K partitions: bars published, bar deliveries (a benchmark's bar reaches all K), sustained rate.</summary>
internal sealed record DetectorRun(int Instances, int Partitions, int Bars, long Deliveries, double Seconds, double BarsPerSecond, double? RatioToOne, IReadOnlyList<DetectorChild> Children);

/// <summary>
/// <c>perf --detectors 1,2,3</c>: for each N, starts N <c>run --role detector</c> child processes on the same fresh queues and
/// key prefix with <c>Scale:Partitions</c> = K, publishes the bar set from this process (publisher only) and times it until
/// every bar is in the partitions' engine logs in Redis (each partition appends every event it consumes before processing
/// it), i.e. until every bar has been consumed. The children are always killed at the end.
/// </summary>
internal sealed class DetectorScaleOut(PerfOptions options, TextWriter output, List<string> notes)
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan StallTimeout = TimeSpan.FromSeconds(90);

    public async Task<IReadOnlyList<DetectorRun>> RunAsync(List<PriceBarObserved> bars, CancellationToken ct)
    {
        var partitions = Math.Max(options.Partitions, options.Detectors.Max() * 2);
        var dll = typeof(PerfRunner).Assembly.Location;
        output.WriteLine($"perf: scale-out: {string.Join(", ", options.Detectors)} detector processes on {partitions} partitions ({dll})");
        var runs = new List<DetectorRun>();
        foreach (var n in options.Detectors)
        {
            DetectorRun run;
            try
            {
                run = await RunOnceAsync(dll, n, partitions, bars, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The other figures are still worth writing out.
                output.WriteLine($"perf: scale-out N={n} failed: {e.Message}");
                notes.Add($"scale-out N={n} failed: {e.Message}");
                continue;
            }
            var one = runs.FirstOrDefault(r => r.Instances == 1);
            if (one is not null)
                run = run with { RatioToOne = run.BarsPerSecond / one.BarsPerSecond };
            else if (n == 1)
                run = run with { RatioToOne = 1 };
            runs.Add(run);
            output.WriteLine($"perf: scale-out N={n}, K={partitions}: {run.Bars:N0} bars ({run.Deliveries:N0} deliveries) in {run.Seconds:F2} s = {run.BarsPerSecond:N0} bars/s"
                + (run.RatioToOne is { } ratio ? $", {ratio:F2} x N=1" : "")
                + "; per child: " + string.Join(", ", run.Children.Select(c => $"#{c.Index} {c.BarsConsumed:N0} bars, partitions {c.Partitions}")));
        }
        return runs;
    }

    private async Task<DetectorRun> RunOnceAsync(string dll, int instances, int partitions, List<PriceBarObserved> bars, CancellationToken ct)
    {
        var endpointPrefix = $"dsw-perf-{Guid.NewGuid():N}"[..20] + "-";
        var keyPrefix = $"perf:{Guid.NewGuid():N}:";
        var topology = new DetectorTopology(endpointPrefix, partitions);
        await PerfBroker.PrepareBarExchangeAsync(options, partitions, notes, ct);
        var children = new List<Child>();
        try
        {
            for (var i = 0; i < instances; i++)
                children.Add(Child.Start(i + 1, dll, ChildArguments(endpointPrefix, keyPrefix, partitions)));
            await WaitReadyAsync(children, topology, instances, ct);

            var settings = PerfBroker.RabbitSettings(options, endpointPrefix, keyPrefix, partitions);
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.Configuration.AddInMemoryCollection(settings);
            builder.Services.AddDeepSeekWatchPipeline(builder.Configuration, new PipelineSettings { Consumers = false, Notify = false });
            using var host = builder.Build();
            await host.StartAsync(ct);
            try
            {
                var watchlist = host.Services.GetRequiredService<Watchlist>();
                var perPartition = new long[partitions];
                foreach (var bar in bars)
                {
                    if (watchlist.IsBenchmark(bar.Symbol))
                    {
                        for (var p = 0; p < partitions; p++)
                            perPartition[p]++;
                    }
                    else
                    {
                        perPartition[Partitioning.PartitionOf(bar.Symbol, partitions)]++;
                    }
                }
                var expected = perPartition.Sum();
                var redis = await ConnectionMultiplexer.ConnectAsync(options.Redis!);
                await using (redis.ConfigureAwait(false))
                {
                    var db = redis.GetDatabase();
                    var logs = Enumerable.Range(0, partitions).Select(p => (RedisKey)$"{keyPrefix}engine:{topology.DetectorEngine(p)}:log").ToArray();
                    var bus = host.Services.GetRequiredService<IBus>();
                    var clock = Stopwatch.StartNew();
                    await Windowed.PublishAsync(bars.Count, null, i => bus.Publish(bars[i], ct), ct);
                    var publishedIn = clock.Elapsed.TotalSeconds;
                    long consumed = 0, last = -1;
                    var progressAt = clock.Elapsed;
                    while (true)
                    {
                        consumed = 0;
                        foreach (var key in logs)
                            consumed += await db.StreamLengthAsync(key);
                        if (consumed >= expected)
                            break;
                        if (consumed != last)
                        {
                            last = consumed;
                            progressAt = clock.Elapsed;
                        }
                        else if (clock.Elapsed - progressAt > StallTimeout)
                        {
                            throw new InvalidOperationException($"scale-out N={instances}: {consumed:N0} of {expected:N0} bar deliveries in the engine logs, no progress for {StallTimeout.TotalSeconds:F0} s{Tails(children)}");
                        }
                        foreach (var c in children)
                        {
                            if (c.HasExited)
                                throw new InvalidOperationException($"scale-out N={instances}: detector #{c.Index} exited with {c.ExitCode}{Tails([c])}");
                        }
                        await Task.Delay(50, ct);
                    }
                    var seconds = clock.Elapsed.TotalSeconds;
                    output.WriteLine($"perf: scale-out N={instances}: published in {publishedIn:F2} s, all consumed after {seconds:F2} s");
                    var counts = new List<DetectorChild>();
                    foreach (var c in children)
                    {
                        var consumedByChild = await c.BarsObservedAsync(ct);
                        counts.Add(new DetectorChild(c.Index, consumedByChild, ExplainPartitions(consumedByChild, perPartition)));
                    }
                    return new DetectorRun(instances, partitions, bars.Count, expected, seconds, bars.Count / seconds, null, counts);
                }
            }
            finally
            {
                await host.StopAsync(CancellationToken.None);
            }
        }
        finally
        {
            foreach (var c in children)
                c.Dispose();
            await PerfBroker.DeleteQueuesAsync(options, endpointPrefix, partitions, notes);
        }
    }

    private string[] ChildArguments(string endpointPrefix, string keyPrefix, int partitions)
    {
        var args = new List<string> { "run", "--role", "detector", "--transport", "rabbitmq", "--store", "redis" };
        foreach (var (key, value) in PerfBroker.RabbitSettings(options, endpointPrefix, keyPrefix, partitions))
        {
            if (key is "Bus:Transport" or "Store:Kind")
                continue;
            args.Add("--set");
            args.Add($"{key}={value}");
        }
        args.Add("--set");
        args.Add("Sources:Enabled=false");
        args.Add("--set");
        args.Add("Logging:LogLevel:Default=Warning");
        return [.. args];
    }

    /// <summary>Every child answers <c>/health/ready</c> (its bus has started: MassTransit's WaitUntilStarted) and every partition queue has a consumer.</summary>
    private async Task WaitReadyAsync(List<Child> children, DetectorTopology topology, int instances, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        var pending = children.ToList();
        while (true)
        {
            foreach (var c in pending.ToList())
            {
                if (c.HasExited)
                    throw new InvalidOperationException($"detector #{c.Index} exited with {c.ExitCode} while starting{Tails([c])}");
                try
                {
                    using var response = await http.GetAsync(new Uri(c.BaseAddress, "/health/ready"), ct);
                    if (response.IsSuccessStatusCode)
                        pending.Remove(c);
                }
                catch (HttpRequestException)
                {
                }
                catch (TaskCanceledException) when (!ct.IsCancellationRequested)
                {
                }
            }
            if (pending.Count == 0 && await PerfBroker.AllPartitionsHaveConsumersAsync(options, topology, instances, ct))
            {
                output.WriteLine($"perf: scale-out N={instances}: {instances} detector processes ready after {clock.Elapsed.TotalSeconds:F1} s");
                return;
            }
            if (clock.Elapsed > StartTimeout)
                throw new TimeoutException($"detector processes not ready after {StartTimeout.TotalMinutes:F0} min{Tails(children)}");
            await Task.Delay(250, ct);
        }
    }

    /// <summary>Which partitions a child's bar count can be made of (each partition's bar count is known from the routing).</summary>
    internal static string ExplainPartitions(long consumed, long[] perPartition)
    {
        if (consumed == 0)
            return "none (standby)";
        var matches = new List<int>();
        for (var mask = 1; mask < 1 << perPartition.Length && matches.Count < 2; mask++)
        {
            long sum = 0;
            for (var p = 0; p < perPartition.Length; p++)
            {
                if ((mask & (1 << p)) != 0)
                    sum += perPartition[p];
            }
            if (sum == consumed)
                matches.Add(mask);
        }
        if (matches.Count == 0)
            return "? (bar count matches no set of partitions: a partition changed owner or a bar was redelivered)";
        var list = Enumerable.Range(0, perPartition.Length).Where(p => (matches[0] & (1 << p)) != 0).ToList();
        var text = $"{list.Count} [{string.Join(' ', list)}]";
        return matches.Count > 1 ? text + " (ambiguous: another set has the same bar count)" : text;
    }

    private static string Tails(IEnumerable<Child> children) =>
        string.Concat(children.Select(c => $"\n--- detector #{c.Index} output (last lines) ---\n{c.Tail()}"));

    /// <summary>A <c>dotnet deepseekwatch.dll run --role detector</c> child on a fixed free loopback port; its output kept (last lines).</summary>
    private sealed class Child : IDisposable
    {
        private readonly Process _process;
        private readonly Queue<string> _tail = new();

        private Child(int index, Process process, Uri baseAddress)
        {
            Index = index;
            _process = process;
            BaseAddress = baseAddress;
        }

        public int Index { get; }

        public Uri BaseAddress { get; }

        public bool HasExited => _process.HasExited;

        public int ExitCode => _process.ExitCode;

        public static Child Start(int index, string dll, string[] arguments)
        {
            var port = FreePort();
            var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            info.ArgumentList.Add(dll);
            foreach (var a in arguments)
                info.ArgumentList.Add(a);
            info.ArgumentList.Add("--urls");
            info.ArgumentList.Add($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");
            var process = new Process { StartInfo = info };
            var child = new Child(index, process, new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}"));
            process.OutputDataReceived += (_, e) => child.Keep(e.Data);
            process.ErrorDataReceived += (_, e) => child.Keep(e.Data);
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return child;
        }

        public async Task<long> BarsObservedAsync(CancellationToken ct)
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            var text = await http.GetStringAsync(new Uri(BaseAddress, "/metrics"), ct);
            long total = 0;
            foreach (var line in text.Split('\n'))
            {
                if (!line.StartsWith("dsw_bars_observed_total", StringComparison.Ordinal))
                    continue;
                // Prometheus text: "name{labels} value [timestamp]" or "name value [timestamp]".
                var rest = line.Contains('{', StringComparison.Ordinal) ? line[(line.IndexOf('}', StringComparison.Ordinal) + 1)..] : line["dsw_bars_observed_total".Length..];
                var value = rest.Trim().Split(' ')[0];
                if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
                    total += (long)v;
            }
            return total;
        }

        public string Tail()
        {
            lock (_tail)
                return string.Join('\n', _tail);
        }

        private void Keep(string? line)
        {
            if (line is null)
                return;
            lock (_tail)
            {
                _tail.Enqueue(line);
                while (_tail.Count > 20)
                    _tail.Dequeue();
            }
        }

        public void Dispose()
        {
            try
            {
                if (!_process.HasExited)
                {
                    _process.Kill(entireProcessTree: true);
                    _process.WaitForExit(10_000);
                }
            }
            catch (InvalidOperationException)
            {
            }
            _process.Dispose();
        }

        private static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
    }
}

/// <summary>Broker housekeeping shared by the runs: settings, the bar exchange's type, and deleting a run's queues.</summary>
internal static class PerfBroker
{
    /// <summary>MassTransit's default entity name of the bar message's exchange.</summary>
    public static readonly string BarExchange = $"{typeof(PriceBarObserved).Namespace}:{nameof(PriceBarObserved)}";

    public static Dictionary<string, string?> RabbitSettings(PerfOptions options, string endpointPrefix, string keyPrefix, int partitions) => options.WithOverrides(new(StringComparer.OrdinalIgnoreCase)
    {
        ["Bus:Transport"] = "rabbitmq",
        ["Store:Kind"] = "redis",
        ["Bus:RabbitMq:Host"] = options.RabbitHost,
        ["Bus:RabbitMq:Port"] = options.RabbitPort.ToString(CultureInfo.InvariantCulture),
        ["Bus:RabbitMq:VirtualHost"] = options.VirtualHost,
        ["Bus:EndpointPrefix"] = endpointPrefix,
        ["Store:Redis:Configuration"] = options.Redis,
        ["Store:Redis:KeyPrefix"] = keyPrefix,
        ["Scale:Partitions"] = partitions.ToString(CultureInfo.InvariantCulture),
    });

    private static ConnectionFactory Factory(PerfOptions options) => new()
    {
        HostName = options.RabbitHost!,
        Port = options.RabbitPort,
        VirtualHost = options.VirtualHost,
        UserName = "guest",
        Password = "guest",
    };

    /// <summary>
    /// The bar exchange is fanout with one detector queue and direct with K partitions; the name is the same, so a run with
    /// the other kind than the last (in this vhost) deletes it first (MassTransit declares it again, with its bindings).
    /// </summary>
    public static async Task PrepareBarExchangeAsync(PerfOptions options, int partitions, List<string> notes, CancellationToken ct)
    {
        var type = partitions > 1 ? ExchangeType.Direct : ExchangeType.Fanout;
        await using var connection = await Factory(options).CreateConnectionAsync(ct);
        try
        {
            await using var channel = await connection.CreateChannelAsync(cancellationToken: ct);
            await channel.ExchangeDeclareAsync(BarExchange, type, durable: true, autoDelete: false, cancellationToken: ct);
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
        {
            await using var channel = await connection.CreateChannelAsync(cancellationToken: ct);
            await channel.ExchangeDeleteAsync(BarExchange, cancellationToken: ct);
            notes.Add($"deleted the exchange {BarExchange} of the other type so that a run with {partitions} partition(s) could declare it {type}");
        }
    }

    public static async Task<bool> AllPartitionsHaveConsumersAsync(PerfOptions options, DetectorTopology topology, int instances, CancellationToken ct)
    {
        await using var connection = await Factory(options).CreateConnectionAsync(ct);
        for (var p = 0; p < topology.Partitions; p++)
        {
            try
            {
                await using var channel = await connection.CreateChannelAsync(cancellationToken: ct);
                var ok = await channel.QueueDeclarePassiveAsync(topology.DetectorEndpoint(p), ct);
                // At least the active consumer. (RabbitMQ 3.10 counted only 1 on a single-active-consumer quorum queue with
                // 2 processes subscribed, so the standing-by ones cannot be awaited this way; /health/ready of every child,
                // awaited before, means its bus has started, i.e. subscribed to every partition.)
                if (ok.ConsumerCount < 1)
                    return false;
            }
            catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Deletes a run's queues: left in place they stay bound to the shared exchanges and keep filling in later runs.</summary>
    public static async Task DeleteQueuesAsync(PerfOptions options, string endpointPrefix, int partitions, List<string> notes)
    {
        var topology = new DetectorTopology(endpointPrefix, partitions);
        var names = new List<string> { endpointPrefix + "alert-store", endpointPrefix + "headline-classifier", topology.AggregatorEndpoint };
        names.AddRange(Enumerable.Range(0, partitions).Select(topology.DetectorEndpoint));
        try
        {
            await using var connection = await Factory(options).CreateConnectionAsync();
            foreach (var name in names)
            {
                await using var channel = await connection.CreateChannelAsync();
                await channel.QueueDeleteAsync(name);
            }
        }
        catch (Exception e) when (e is RabbitMQ.Client.Exceptions.BrokerUnreachableException or RabbitMQ.Client.Exceptions.OperationInterruptedException or IOException)
        {
            notes.Add($"could not delete the queues of {endpointPrefix}*: {e.Message}");
        }
    }
}
