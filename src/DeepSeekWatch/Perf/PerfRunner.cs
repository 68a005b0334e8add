using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using DeepSeekWatch.Alerts;
using DeepSeekWatch.Contracts;
using DeepSeekWatch.Ingestion;
using DeepSeekWatch.Pipeline;
using DeepSeekWatch.Replay;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace DeepSeekWatch.Perf;

/// <summary>Latency figures in milliseconds.</summary>
internal sealed record LatencySummary(string Name, double OfferedPerSecond, double AchievedPerSecond, int Samples, double P50, double P90, double P99, double Max, double[] Sorted);

/// <param name="CpuMsPerMessage">CPU time of this (the perf) process per message during the run — publisher and, for the
/// pipeline runs, every consumer — in milliseconds; with two shared cores it says more than the rate does.</param>
/// <param name="JitMs">Time the JIT spent compiling in this process during the run (<see cref="System.Runtime.JitInfo"/>): tier-up
/// of a cold process shows here.</param>
/// <param name="PublishSeconds">For the pipeline runs: when the last publish was confirmed; close to <paramref name="Seconds"/> when the
/// publisher, not the consumers, sets the pace.</param>
/// <param name="BrokerCpuMsPerMessage">The broker's CPU per message during the run (<c>--broker-pid</c>), in milliseconds.</param>
/// <param name="RedisCpuMsPerMessage">Redis's CPU per message during the run (<c>--redis-pid</c>), in milliseconds.</param>
internal sealed record Throughput(string Name, int Messages, double Seconds, double PerSecond, double? CpuMsPerMessage = null, double? JitMs = null, double? PublishSeconds = null, double? BrokerCpuMsPerMessage = null, double? RedisCpuMsPerMessage = null)
{
    /// <summary>This run with the servers' CPU per message between <paramref name="before"/> and <paramref name="after"/>.</summary>
    public Throughput WithServers(ServerCpu.Snapshot before, ServerCpu.Snapshot after)
    {
        var (broker, redis) = after.PerMessageSince(before, Messages);
        return this with { BrokerCpuMsPerMessage = broker, RedisCpuMsPerMessage = redis };
    }
}

internal sealed record PerfResult(
    string Machine,
    DateTimeOffset StartedUtc,
    int BarBytes,
    Throughput? Ceiling,
    Throughput? EndToEnd,
    double? EndToEndToCeiling,
    LatencySummary? BarLatencyFixed,
    LatencySummary? AlertLatencyFixed,
    LatencySummary? BarLatencySaturated,
    LatencySummary? AlertLatencySaturated,
    Throughput InProcess,
    Throughput? RedisAlertWrites,
    Throughput? RedisBenchmarkSet,
    double? RedisWritesToBenchmark,
    IReadOnlyList<string> Notes,
    int Partitions = 1,
    IReadOnlyList<DetectorRun>? ScaleOut = null,
    int WarmupBars = 0,
    LatencySummary? AlertFromBenchmarkFixed = null,
    LatencySummary? AlertFromBenchmarkSaturated = null,
    double[]? CeilingRuns = null,
    LatencySummary? BrokerLatencyFixed = null,
    double[]? EndToEndRuns = null,
    double[]? PairRatios = null,
    double? PairRatioMedian = null,
    Throughput? PacedCeiling = null,
    Throughput? LoggedCeiling = null,
    double[]? LoggedCeilingRuns = null,
    double? EndToEndToLoggedCeiling = null);

/// <summary>
/// The garbage collector's pause time and collection counts of this process, the bytes it allocated, the thread-pool
/// work items it completed, the lock contentions and the context switches it had: what a run's cost per message is made
/// of beyond its CPU time.
/// </summary>
internal readonly record struct GcCounts(TimeSpan Paused, int Gen0, int Gen1, int Gen2, long Allocated = 0, long WorkItems = 0, long Contentions = 0, long ContextSwitches = -1)
{
    public static GcCounts Now() => new(GC.GetTotalPauseDuration(), GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2),
        GC.GetTotalAllocatedBytes(precise: false), ThreadPool.CompletedWorkItemCount, Monitor.LockContentionCount, ProcessContextSwitches());

    /// <summary>
    /// The context switches of every thread this process has had, ended ones included (<c>getrusage</c>: voluntary and
    /// involuntary); -1 where it cannot be read (not Linux).
    /// </summary>
    internal static long ProcessContextSwitches()
    {
        if (!OperatingSystem.IsLinux())
            return -1;
        try
        {
            var usage = new long[18]; // struct rusage on 64-bit Linux: two timevals, then 14 longs; ru_nvcsw and ru_nivcsw last
            return getrusage(0, usage) == 0 ? usage[16] + usage[17] : -1;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return -1;
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "getrusage")]
    private static extern int getrusage(int who, [System.Runtime.InteropServices.Out] long[] usage);

    public string Since(GcCounts before) =>
        $"GC paused {(Paused - before.Paused).TotalMilliseconds:F0} ms in {Gen0 - before.Gen0} collections (gen 1: {Gen1 - before.Gen1}, gen 2: {Gen2 - before.Gen2})";

    /// <summary>The GC figures and, per message, the bytes allocated, the thread-pool work items, the lock contentions and (on Linux) the context switches.</summary>
    public string Since(GcCounts before, int messages)
    {
        var culture = System.Globalization.CultureInfo.InvariantCulture;
        var perMessage = string.Create(culture, $"; per message {(Allocated - before.Allocated) / (double)messages / 1024:F1} KB allocated, {(WorkItems - before.WorkItems) / (double)messages:F1} thread-pool work items, {(Contentions - before.Contentions) / (double)messages:F2} lock contentions");
        if (ContextSwitches >= 0 && before.ContextSwitches >= 0)
            perMessage += string.Create(culture, $", {(ContextSwitches - before.ContextSwitches) / (double)messages:F1} context switches");
        return Since(before) + perMessage;
    }
}

/// <summary>Runs the measurements <see cref="PerfCommand"/> describes, printing each figure as it is made.</summary>
internal sealed class PerfRunner(PerfOptions options, TextWriter output)
{
    private readonly List<string> _notes = [];
    private BarWire? _wire; // the bar as it goes on the wire, set at the start of RunAsync
    private List<PriceBarObserved> _warmup = [];
    private bool _concurrencyNoted;
    private readonly ServerCpu _servers = new(options.BrokerPid, options.RedisPid);

    public async Task<PerfResult> RunAsync(CancellationToken ct)
    {
        var started = TimeProvider.System.GetUtcNow();
        var bars = SyntheticBars(options.Bars);
        _warmup = WarmupBars(options.Warmup, bars);
        if (_warmup.Count > 0)
            _notes.Add($"warm-up: each pipeline run first gets {_warmup.Count:N0} earlier-dated bars (same symbols, ending at the measured bars' first prices) in the same process and bus, and starts its clock once they are all consumed (a latency run publishes the last {SettleSeconds} s of them at its own rate); each ceiling run follows an unmeasured run of {Math.Min(options.Warmup, bars.Count):N0} messages");
        if (options.EngineLog && options.RabbitHost is not null)
            _notes.Add("engine log: the pipeline runs on RabbitMQ keep each detector engine's input log in Redis, as run does (one fenced append per event)");
        if (options.Overrides is { Count: > 0 } overrides)
            _notes.Add("configuration overrides (--set) of every pipeline run: " + string.Join(", ", overrides.Select(kv => $"{kv.Key}={kv.Value}")));
        var wire = _wire = BarWire.Of(bars[0], options.RawSerializer);
        var barBytes = wire.Bytes;
        var shape = wire.Headers is null ? "MassTransit's JSON envelope"
            : $"raw JSON: {wire.Body.Length}-byte body and {wire.Headers.Count} headers; the ceiling sends {(options.CeilingHeaders ? "the same body and headers" : $"{barBytes}-byte bodies without headers")}";
        _notes.Add($"bar message on the wire: {barBytes} bytes ({shape})");
        output.WriteLine($"perf: {Environment.ProcessorCount} cores, {bars.Count:N0} bars, bar message {barBytes} bytes ({shape})"
            + (options.RabbitHost is not null ? $", {options.Partitions} detector partition(s) on RabbitMQ, consumer prefetch {options.ConsumerPrefetch} (detector queue and plain client)" : ""));

        Throughput? ceiling = null, e2e = null, redisWrites = null, redisBench = null;
        LatencySummary? barFixed = null, alertFixed = null, barSat = null, alertSat = null, decidedFixed = null, decidedSat = null;
        IReadOnlyList<DetectorRun>? scaleOut = null;
        var ceilingRates = new List<double>();
        var e2eRates = new List<double>();
        LatencySummary? brokerFixed = null;
        double[]? pairRatios = null;
        Throughput? pacedCeiling = null;
        Throughput? loggedCeiling = null;
        var loggedRates = new List<double>();
        if (_servers.Any)
            _notes.Add("server CPU: " + string.Join(", ", new[] { options.BrokerPid is { } b ? $"the broker's (process {b})" : null, options.RedisPid is { } r ? $"Redis's (process {r})" : null }.OfType<string>()) + " CPU time per message is reported for each run on the broker");
        if (options.RabbitHost is not null && options.Redis is not null)
        {
            var warmCeiling = Math.Min(options.Warmup, bars.Count);
            // The broker's pace on a shared machine moves from run to run. The ceiling and the pipeline are run in
            // turns (ceiling, pipeline, ceiling, pipeline, ...), so each pipeline run has a ceiling run measured just
            // before it on the machine as it then was; the ratios of these pairs are reported with their median, beside
            // the fastest pipeline run against the fastest ceiling run (neither side flattered by one slow run). Each
            // measured run follows its own unmeasured warm-up on the same broker: the pipeline's warm-up bars on its
            // fresh host and bus, and as many messages through the ceiling's client, so that neither is measured in
            // the wake of the other's work on the broker (nor with cold client code).
            for (var run = 1; run <= options.Runs; run++)
            {
                if (warmCeiling > 0)
                {
                    var warm = await CeilingAsync(warmCeiling, wire, ct);
                    Print(warm with { Name = $"warm-up of the ceiling before run {run} (not measured)" });
                }
                var one = await CeilingAsync(bars.Count, wire, ct);
                Print(one with { Name = $"{one.Name}, run {run} of {options.Runs}" });
                ceilingRates.Add(one.PerSecond);
                if (ceiling is null || one.PerSecond > ceiling.PerSecond)
                    ceiling = one;
                if (options.LoggedCeiling)
                {
                    if (warmCeiling > 0)
                        Print((await LoggedCeilingAsync(warmCeiling, ct)) with { Name = $"warm-up of the logged ceiling before run {run} (not measured)" });
                    var logged = await LoggedCeilingAsync(bars.Count, ct);
                    Print(logged with { Name = $"{logged.Name}, run {run} of {options.Runs}" });
                    loggedRates.Add(logged.PerSecond);
                    if (loggedCeiling is null || logged.PerSecond > loggedCeiling.PerSecond)
                        loggedCeiling = logged;
                }
                var pipeline = (await PipelineAsync($"end-to-end (RabbitMQ + Redis), run {run} of {options.Runs}", bars, rate: null, rabbit: true, ct)).Throughput;
                Print(pipeline);
                e2eRates.Add(pipeline.PerSecond);
                if (e2e is null || pipeline.PerSecond > e2e.PerSecond)
                    e2e = pipeline;
                output.WriteLine($"perf: run {run} of {options.Runs}: end to end / the ceiling just before it = {pipeline.PerSecond / one.PerSecond:F2}");
            }
            e2e = e2e! with { Name = "end-to-end (RabbitMQ + Redis)" };
            pairRatios = [.. e2eRates.Zip(ceilingRates, (p, c) => p / c)];
            if (options.Runs > 1)
            {
                _notes.Add($"broker ceiling: the fastest of {options.Runs} runs ({string.Join(", ", ceilingRates.Select(r => r.ToString("N0", CultureInfo.InvariantCulture)))} msg/s)");
                _notes.Add($"end to end: the fastest of {options.Runs} runs ({string.Join(", ", e2eRates.Select(r => r.ToString("N0", CultureInfo.InvariantCulture)))} bars/s)");
                _notes.Add($"end to end / the ceiling run just before it: {string.Join(", ", pairRatios.Select(r => r.ToString("F2", CultureInfo.InvariantCulture)))} (median {Median(pairRatios):F2})");
            }
            output.WriteLine($"perf: end to end / ceiling = {e2e.PerSecond / ceiling!.PerSecond:F2} (fastest / fastest); median of the run pairs = {Median(pairRatios):F2}");
            if (loggedCeiling is not null)
            {
                _notes.Add($"logged ceiling: the fastest of {options.Runs} runs ({string.Join(", ", loggedRates.Select(r => r.ToString("N0", CultureInfo.InvariantCulture)))} msg/s); against the ceiling {loggedCeiling.PerSecond / ceiling.PerSecond:F2} (fastest / fastest)");
                output.WriteLine($"perf: logged ceiling / ceiling = {loggedCeiling.PerSecond / ceiling.PerSecond:F2}; end to end / logged ceiling = {e2e.PerSecond / loggedCeiling.PerSecond:F2} (fastest / fastest)");
            }
            if (options.PacedCeiling)
            {
                // The broker's (and the client's) cost per message depends on the rate: the same client at the
                // pipeline's own rate says how much of the gap is the pipeline's work and how much the rate's.
                var pace = Math.Max(1, (int)Median(e2eRates));
                if (warmCeiling > 0)
                    Print((await CeilingAsync(warmCeiling, wire, ct)) with { Name = "warm-up of the paced ceiling (not measured)" });
                var paced = await CeilingAsync(bars.Count, wire, ct, pace);
                pacedCeiling = paced with { Name = $"plain client paced at {pace:N0}/s (the median end-to-end rate)" };
                Print(pacedCeiling);
            }
            // The broker's own latency at the fixed rate: the floor under the pipeline's figures at that rate.
            brokerFixed = await BrokerLatencyAsync(options.Rate, options.LatencyRun, wire, ct);
            Print(brokerFixed);
            var fixedCount = Math.Min(bars.Count, (int)(options.Rate * options.LatencyRun.TotalSeconds));
            (_, barFixed, alertFixed, decidedFixed) = await PipelineAsync($"latency at {options.Rate}/s", bars.Take(fixedCount).ToList(), options.Rate, rabbit: true, ct);
            Print(barFixed);
            Print(alertFixed);
            Print(decidedFixed);
            // Near saturation is 0.9 x the median end-to-end run: the fastest run can be an outlier above what the
            // pipeline usually sustains, and at that rate the queue would only grow.
            var near = Math.Max(1, (int)(Median(e2eRates) * 0.9));
            var satCount = Math.Min(bars.Count, (int)(near * options.LatencyRun.TotalSeconds));
            (_, barSat, alertSat, decidedSat) = await PipelineAsync($"latency at {near}/s (0.9 x median end to end)", bars.Take(satCount).ToList(), near, rabbit: true, ct);
            Print(barSat);
            Print(alertSat);
            Print(decidedSat);
            if (options.Detectors.Length > 0)
                scaleOut = await new DetectorScaleOut(options, output, _notes).RunAsync(bars, ct);
            (redisWrites, redisBench) = await RedisAsync(Math.Min(bars.Count, 20_000), ct);
            if (redisWrites is not null)
                Print(redisWrites);
            if (redisBench is not null)
                Print(redisBench);
        }
        else
        {
            _notes.Add("no --rabbitmq/--redis: broker ceiling, end to end, latency and Redis figures not measured");
        }
        var inProcess = (await PipelineAsync("in-process (in-memory bus + memory store)", bars, rate: null, rabbit: false, ct)).Throughput;
        Print(inProcess);

        return new PerfResult(
            $"{Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}",
            started, barBytes, ceiling, e2e, e2e is not null && ceiling is not null ? e2e.PerSecond / ceiling.PerSecond : null,
            barFixed, alertFixed, barSat, alertSat, inProcess, redisWrites, redisBench,
            redisWrites is not null && redisBench is not null ? redisWrites.PerSecond / redisBench.PerSecond : null, _notes,
            options.RabbitHost is not null ? options.Partitions : 1, scaleOut, _warmup.Count, decidedFixed, decidedSat, ceilingRates.Count > 0 ? [.. ceilingRates] : null, brokerFixed, e2eRates.Count > 0 ? [.. e2eRates] : null, pairRatios, pairRatios is { Length: > 0 } ? Median(pairRatios) : null, pacedCeiling,
            loggedCeiling is null ? null : loggedCeiling with { Name = "logged ceiling (RabbitMQ.Client, confirms, persistent, quorum queue; each message's event in a Redis engine log before its acknowledgement)" },
            loggedRates.Count > 0 ? [.. loggedRates] : null, loggedCeiling is not null && e2e is not null ? e2e.PerSecond / loggedCeiling.PerSecond : null);
    }

    internal static double Median(IReadOnlyCollection<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private void Print(Throughput t) => output.WriteLine($"perf: {t.Name}: {t.Messages:N0} in {t.Seconds:F2} s = {t.PerSecond:N0}/s"
        + (t.CpuMsPerMessage is { } cpu ? $", perf process CPU {cpu * 1000:F0} µs per message" : "")
        + (t.JitMs is { } jit ? $", JIT {jit:F0} ms" : "")
        + (t.PublishSeconds is { } published ? $", all published in {published:F2} s" : "")
        + (t.BrokerCpuMsPerMessage is { } broker ? $", broker CPU {broker * 1000:F0} µs per message" : "")
        + (t.RedisCpuMsPerMessage is { } redis ? $", Redis CPU {redis * 1000:F0} µs per message" : ""));

    private static TimeSpan ProcessCpu()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }

    private void Print(LatencySummary? l)
    {
        if (l is not null)
            output.WriteLine($"perf: {l.Name}: offered {l.OfferedPerSecond:N0}/s, achieved {l.AchievedPerSecond:N0}/s, n={l.Samples}, p50 {l.P50:F2} ms, p90 {l.P90:F2} ms, p99 {l.P99:F2} ms, max {l.Max:F2} ms");
    }

    /// <summary>
    /// Bars for the watchlist's symbols on consecutive weekdays, each symbol a random walk with an occasional 8-20 %
    /// drop so that the detector raises alerts to time. Deterministic (fixed seed). Each session's bars come in the
    /// order the price poller publishes them: benchmarks first.
    /// </summary>
    internal static List<PriceBarObserved> SyntheticBars(int count)
    {
        string[] symbols = ["AAPL", "MSFT", "GOOGL", "AMZN", "META", "NVDA", "TSLA", "AMD", "AVGO", "TSM", "ASML", "SMH", "SOXX", "QQQ", "SPY"];
        var random = new Random(42);
        var price = symbols.ToDictionary(s => s, _ => 100m + random.Next(0, 300));
        var bars = new List<PriceBarObserved>(count);
        var day = new DateTimeOffset(2020, 1, 2, 14, 30, 0, TimeSpan.Zero);
        var session = new List<PriceBarObserved>(symbols.Length);
        while (bars.Count < count)
        {
            session.Clear();
            foreach (var s in symbols)
            {
                var open = price[s];
                var move = random.NextDouble() < 0.01 ? -(0.08 + (random.NextDouble() * 0.12)) : (random.NextDouble() - 0.5) * 0.03;
                var close = Math.Round(open * (decimal)(1 + move), 2);
                price[s] = close;
                session.Add(new PriceBarObserved($"perf-{s}-{day:yyyyMMdd}", "perf", s, "1d", day, day.AddHours(6.5), open, Math.Max(open, close) * 1.002m, Math.Min(open, close) * 0.998m, close, 1_000_000 + random.Next(0, 9_000_000), Replay: true));
            }
            bars.AddRange(InPollOrder(session).Take(count - bars.Count));
            day = day.AddDays(day.DayOfWeek == DayOfWeek.Friday ? 3 : 1);
        }
        return bars;
    }

    /// <summary>The price poller's order within a cycle (<see cref="IngestionWatchlist.Symbols"/>: benchmarks first), which the tape follows.</summary>
    private static readonly Dictionary<string, int> PollRank = IngestionWatchlist.Symbols(new ConfigurationBuilder().Build())
        .Select((symbol, i) => (symbol, i)).ToDictionary(x => x.symbol, x => x.i, StringComparer.Ordinal);

    internal static IEnumerable<PriceBarObserved> InPollOrder(IEnumerable<PriceBarObserved> session) =>
        session.OrderBy(b => PollRank.GetValueOrDefault(b.Symbol, int.MaxValue));

    /// <summary>The broker's own ceiling: plain RabbitMQ.Client, confirms on, persistent, a durable quorum queue like the pipeline's.</summary>
    /// <param name="pace">Messages per second to publish at; null: as fast as they go.</param>
    private async Task<Throughput> CeilingAsync(int count, BarWire wire, CancellationToken ct, int? pace = null)
    {
        await using var plain = await PlainClient.OpenAsync(options, "ceiling", ct);
        var (pub, sub, queue) = (plain.Publisher, plain.Consumer, plain.Queue);
        var body = CeilingBody(wire);
        var received = 0;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var consumer = new AsyncEventingBasicConsumer(sub);
        consumer.ReceivedAsync += async (_, e) =>
        {
            await sub.BasicAckAsync(e.DeliveryTag, false);
            if (Interlocked.Increment(ref received) == count)
                done.TrySetResult();
        };
        await sub.BasicConsumeAsync(queue, autoAck: false, consumer, ct);

        var cpu = ProcessCpu();
        var servers = _servers.Now();
        var jit = System.Runtime.JitInfo.GetCompilationTime();
        var clock = Stopwatch.StartNew();
        Func<int, CancellationToken, ValueTask>? before = pace is { } rate ? (i, token) => Windowed.PaceAsync(i, rate, clock, token) : null;
        await Windowed.PublishAsync(count, before, _ => pub.BasicPublishAsync("", queue, mandatory: false, CeilingProperties(wire), body, ct).AsTask(), ct);
        await done.Task.WaitAsync(TimeSpan.FromMinutes(5), ct);
        var seconds = clock.Elapsed.TotalSeconds;
        var cpuMs = (ProcessCpu() - cpu).TotalMilliseconds / count;
        var serversAfter = _servers.Now();
        await pub.QueueDeleteAsync(queue, cancellationToken: ct);
        return new Throughput("broker ceiling (RabbitMQ.Client, confirms, persistent, quorum queue)", count, seconds, count / seconds, cpuMs, (System.Runtime.JitInfo.GetCompilationTime() - jit).TotalMilliseconds)
            .WithServers(servers, serversAfter);
    }

    /// <summary>
    /// The plain client of <see cref="CeilingAsync"/> with the <c>run</c> path's durability: the consumer reads each
    /// message as a bar, sends its event to a Redis engine log (the detector's own <see cref="EngineSlot"/> and
    /// <see cref="RedisEngineLog"/>: one fenced append script for all the events that queued while the previous append
    /// was on its way) without waiting for it, and acknowledges a message only once its append has landed — all that
    /// have landed in one acknowledgement (<c>multiple</c>), with no pipeline waiting per message. The engine behind the
    /// slot decides nothing (the detector's own work is about a microsecond per bar, see "Detection"). What a consumer
    /// that keeps the <c>run</c> path's promise (a bar is acknowledged only once it is in the log) costs at the least on
    /// this broker and this Redis: the gap between it and the plain ceiling is the log's, the gap between it and the
    /// <c>run</c> path's end to end is the pipeline's.
    /// </summary>
    private async Task<Throughput> LoggedCeilingAsync(int count, CancellationToken ct)
    {
        await using var plain = await PlainClient.OpenAsync(options, "logged", ct);
        var (pub, sub, queue) = (plain.Publisher, plain.Consumer, plain.Queue);
        await using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(options.Redis!);
        var prefix = $"perf:{Guid.NewGuid():N}:";
        var store = new StoreOptions();
        store.Redis.KeyPrefix = prefix;
        var log = new RedisEngineLog(redis, Microsoft.Extensions.Options.Options.Create(store), Microsoft.Extensions.Options.Options.Create(new Hosting.ScaleOptions()));
        const string engine = "logged-ceiling";
        var slot = new EngineSlot(engine, () => LogOnlyEngine.Instance, log, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        var body = LoggedBody();
        var deliveries = 0;
        var acknowledger = new LandedAcknowledger(upTo => sub.BasicAckAsync(upTo, multiple: true, ct).AsTask());
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var consumer = new AsyncEventingBasicConsumer(sub);
        consumer.ReceivedAsync += async (_, e) =>
        {
            Interlocked.Increment(ref deliveries);
            PriceBarObserved? bar = null;
            try
            {
                bar = JsonSerializer.Deserialize<PriceBarObserved>(e.Body.Span, MassTransit.Serialization.SystemTextJsonMessageSerializer.Options);
            }
            catch (JsonException)
            {
            }
            if (bar is null)
            {
                done.TrySetException(new InvalidDataException($"logged ceiling: delivery {e.DeliveryTag} is not a bar"));
                return;
            }
            var decision = await slot.ApplyAsync(Guid.NewGuid(), bar, ct);
            _ = AckWhenLoggedAsync(decision.Logged, (long)e.DeliveryTag);
        };
        // A channel the broker closes (its deliveries go back to the queue) ends the run with the broker's reason.
        sub.ChannelShutdownAsync += (_, args) =>
        {
            done.TrySetException(new InvalidOperationException($"logged ceiling: the consumer's channel closed: {args.ReplyCode} {args.ReplyText}"));
            return Task.CompletedTask;
        };
        await sub.BasicConsumeAsync(queue, autoAck: false, consumer, ct);

        var cpu = ProcessCpu();
        var servers = _servers.Now();
        var jit = System.Runtime.JitInfo.GetCompilationTime();
        var clock = Stopwatch.StartNew();
        await Windowed.PublishAsync(count, null, _ => pub.BasicPublishAsync("", queue, mandatory: false, CeilingProperties(_wire!), body, ct).AsTask(), ct);
        await done.Task.WaitAsync(TimeSpan.FromMinutes(5), ct);
        var seconds = clock.Elapsed.TotalSeconds;
        var cpuMs = (ProcessCpu() - cpu).TotalMilliseconds / count;
        var serversAfter = _servers.Now();
        await pub.QueueDeleteAsync(queue, cancellationToken: ct);
        var key = (StackExchange.Redis.RedisKey)$"{prefix}engine:{engine}:log";
        try
        {
            var logged = await redis.GetDatabase().StreamLengthAsync(key);
            if (logged != count)
            {
                var distinct = (await log.ReadAsync(engine, ct)).Select(x => x.MessageId).Distinct().Count();
                throw new InvalidOperationException($"logged ceiling: {count} messages acknowledged but {logged} events in the log ({distinct} distinct; {Volatile.Read(ref deliveries)} deliveries, {slot.Restores} restores, {slot.Applied} applied)");
            }
        }
        finally
        {
            await redis.GetDatabase().KeyDeleteAsync([key, (StackExchange.Redis.RedisKey)$"{prefix}engine:{engine}:owner"]);
        }
        return new Throughput("logged ceiling (RabbitMQ.Client, confirms, persistent, quorum queue; each message's event in a Redis engine log before its acknowledgement)", count, seconds, count / seconds, cpuMs, (System.Runtime.JitInfo.GetCompilationTime() - jit).TotalMilliseconds)
            .WithServers(servers, serversAfter);

        // Appends land in the order they were sent, and a fresh channel numbers its deliveries from 1: every delivery up
        // to the highest landed one is in the log.
        async Task AckWhenLoggedAsync(Task appended, long tag)
        {
            try
            {
                await appended;
            }
            catch (Exception ex)
            {
                // Not acknowledged, so not lost; the run cannot complete, and says why (the first failure is the one reported).
                done.TrySetException(new InvalidOperationException("logged ceiling: an engine-log append failed", ex));
                return;
            }
            try
            {
                await acknowledger.LandedAsync(tag);
            }
            catch (Exception ex)
            {
                done.TrySetException(new InvalidOperationException($"logged ceiling: acknowledging up to delivery {tag} failed", ex));
                return;
            }
            if (acknowledger.Acknowledged >= count)
                done.TrySetResult();
        }
    }

    /// <summary>A logged-ceiling message: the bar's JSON (the consumer reads it), padded with spaces to the bar's whole wire size unless it carries the bar's headers (<c>--ceiling-headers</c>).</summary>
    private byte[] LoggedBody()
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(SyntheticBars(1)[0], MassTransit.Serialization.SystemTextJsonMessageSerializer.Options);
        var wire = _wire!;
        if (options.CeilingHeaders && wire.Headers is not null)
            return json;
        var body = new byte[Math.Max(json.Length, wire.Bytes)];
        Array.Fill(body, (byte)' ');
        json.CopyTo(body, 0);
        return body;
    }

    /// <summary>An engine that decides nothing: the logged ceiling measures the log, not the detector.</summary>
    private sealed class LogOnlyEngine : IStatefulEngine
    {
        public static readonly LogOnlyEngine Instance = new();

        public Detection.DetectionResult Apply(object message) => Detection.DetectionResult.None;
    }

    /// <summary>A ceiling message's body: the bar's own with <c>--ceiling-headers</c>, else as many bytes as the bar's body and headers together.</summary>
    private byte[] CeilingBody(BarWire wire)
    {
        if (options.CeilingHeaders)
            return (byte[])wire.Body.Clone();
        var body = new byte[wire.Bytes];
        Array.Fill(body, (byte)'x');
        return body;
    }

    /// <summary>A ceiling message's properties, new per publish as MassTransit's are (RabbitMQ.Client adds its sequence-number header to them).</summary>
    private BasicProperties CeilingProperties(BarWire wire) =>
        options.CeilingHeaders ? wire.Properties() : new BasicProperties { Persistent = true, ContentType = wire.ContentType };

    /// <summary>
    /// The broker alone at <paramref name="rate"/> messages/s for <paramref name="duration"/>: plain RabbitMQ.Client as
    /// in <see cref="CeilingAsync"/> (confirms, persistent, a quorum queue, the detector queue's prefetch, messages of a bar's wire size), each message carrying the time of
    /// its publish, timed from the publish to its delivery to the consumer. What the pipeline's latency at that rate
    /// cannot go below: its bars take this hop, and an alert's bar this hop and more.
    /// </summary>
    private async Task<LatencySummary?> BrokerLatencyAsync(int rate, TimeSpan duration, BarWire wire, CancellationToken ct)
    {
        var count = Math.Max(1, (int)(rate * duration.TotalSeconds));
        await using var plain = await PlainClient.OpenAsync(options, "latency", ct);
        var (pub, sub, queue) = (plain.Publisher, plain.Consumer, plain.Queue);
        var latencies = new double[count];
        var received = 0;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var consumer = new AsyncEventingBasicConsumer(sub);
        consumer.ReceivedAsync += async (_, e) =>
        {
            var at = Stopwatch.GetTimestamp();
            var sent = System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(e.Body.Span);
            var n = Interlocked.Increment(ref received);
            if (n <= count)
                latencies[n - 1] = Stopwatch.GetElapsedTime(sent, at).TotalMilliseconds;
            await sub.BasicAckAsync(e.DeliveryTag, false);
            if (n == count)
                done.TrySetResult();
        };
        await sub.BasicConsumeAsync(queue, autoAck: false, consumer, ct);
        var clock = Stopwatch.StartNew();
        await Windowed.PublishAsync(count, (i, token) => Windowed.PaceAsync(i, rate, clock, token), _ =>
        {
            var body = CeilingBody(wire);
            System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(body, Stopwatch.GetTimestamp());
            return pub.BasicPublishAsync("", queue, mandatory: false, CeilingProperties(wire), body, ct).AsTask();
        }, ct);
        var publishedIn = clock.Elapsed.TotalSeconds;
        await done.Task.WaitAsync(TimeSpan.FromMinutes(5), ct);
        await pub.QueueDeleteAsync(queue, cancellationToken: ct);
        return Summary($"broker alone at {rate}/s (RabbitMQ.Client, confirms, persistent, quorum queue): published -> delivered", rate, count / publishedIn, latencies);
    }

    /// <summary>
    /// Publishes <paramref name="bars"/> into the real pipeline (as fast as a window of in-flight publishes allows, or
    /// paced at <paramref name="rate"/>/s), waits until it is idle, and times bar publish → bar consumed by the detector
    /// and bar publish → alert stored.
    /// </summary>
    private async Task<(Throughput Throughput, LatencySummary? Bars, LatencySummary? Alerts, LatencySummary? FromBenchmark)> PipelineAsync(string name, List<PriceBarObserved> bars, int? rate, bool rabbit, CancellationToken ct)
    {
        var endpointPrefix = $"dsw-perf-{Guid.NewGuid():N}"[..20] + "-";
        var settings = rabbit
            ? PerfBroker.RabbitSettings(options, endpointPrefix, $"perf:{Guid.NewGuid():N}:", options.Partitions)
            : options.WithOverrides(new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase) { ["Bus:Transport"] = "inmemory", ["Store:Kind"] = "memory" });
        if (rabbit)
            await PerfBroker.PrepareBarExchangeAsync(options, options.Partitions, _notes, ct);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        var timing = new Timing();
        if (rate is not null)
        {
            // Only the latency runs time messages: a throughput run carries no instrumentation the ceiling's client
            // does not (no receive observer, no timestamps kept per bar).
            builder.Services.AddSingleton<IAlertStoredListener>(timing);
            builder.Services.AddReceiveObserver(_ => timing);
        }
        if (rabbit && options.EngineLog)
            builder.Services.AddSingleton<IEngineLog, RedisEngineLog>(); // as run has it; the replay composition keeps none
        builder.Services.AddReplay(builder.Configuration, notify: false);
        using var host = builder.Build();
        if (rabbit && !_concurrencyNoted)
        {
            _concurrencyNoted = true;
            var concurrency = host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Hosting.BusOptions>>().Value.DetectorConcurrency;
            _notes.Add($"detector endpoint: {concurrency} deliveries at once (Bus:DetectorConcurrency)");
            output.WriteLine($"perf: detector endpoint takes {concurrency} deliveries at once (Bus:DetectorConcurrency)");
        }
        await host.StartAsync(ct);
        try
        {
            var bus = host.Services.GetRequiredService<IBus>();
            var clock = host.Services.GetRequiredService<VirtualClock>();
            var activity = host.Services.GetRequiredService<PipelineActivity>();
            if (_warmup.Count > 0)
            {
                // Unmeasured: JIT tier-up of the hot path and what MassTransit, System.Text.Json and the store build
                // per bus on first use happen here, not in the middle of the measured run.
                // A latency run is measured in the steady state of its rate: the last SettleSeconds of the warm-up bars
                // are published at that rate (after the rest, as fast as they go, has been consumed), so the measured
                // seconds do not begin in the wake of a burst on the broker.
                var settle = rate is { } paced ? Math.Min(_warmup.Count, paced * SettleSeconds) : 0;
                await PublishAllAsync(bus, clock, _warmup[..^settle], null, activity, ct);
                if (settle > 0)
                    await PublishAllAsync(bus, clock, _warmup[^settle..], rate, activity, ct);
            }
            var published = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
            var bySymbolDay = new ConcurrentDictionary<(string, DateOnly), long>();
            var cpu = ProcessCpu();
            var servers = _servers.Now();
            var jit = System.Runtime.JitInfo.GetCompilationTime();
            var gc = GcCounts.Now();
            // A latency run on RabbitMQ runs a plain-client probe beside it, at ProbeRate msg/s on its own quorum queue
            // of the same broker from this process: a stall the probe also shows is the broker's or the machine's (or
            // this process's threads'), one it does not show is MassTransit's or the pipeline's.
            var probe = rabbit && rate is { } probeFor ? BrokerLatencyAsync(ProbeRate, TimeSpan.FromSeconds(bars.Count / (double)probeFor), _wire!, ct) : null;
            var total = Stopwatch.StartNew();
            await Windowed.PublishAsync(bars.Count, async (i, token) =>
            {
                var bar = bars[i];
                if (rate is { } r)
                {
                    await Windowed.PaceAsync(i, r, total, token);
                    clock.Set(bar.End);
                    var now = Stopwatch.GetTimestamp();
                    published[bar.EventId] = now;
                    bySymbolDay[(bar.Symbol, DateOnly.FromDateTime(bar.Start.UtcDateTime))] = now;
                }
                else
                {
                    clock.Set(bar.End);
                }
            }, i => bus.Publish(bars[i], ct), ct);
            var publishedIn = total.Elapsed.TotalSeconds;
            using var idle = CancellationTokenSource.CreateLinkedTokenSource(ct);
            idle.CancelAfter(TimeSpan.FromMinutes(5));
            await activity.WhenIdleAsync(idle.Token);
            var seconds = total.Elapsed.TotalSeconds;
            var throughput = new Throughput(name, bars.Count, seconds, bars.Count / seconds, (ProcessCpu() - cpu).TotalMilliseconds / bars.Count, (System.Runtime.JitInfo.GetCompilationTime() - jit).TotalMilliseconds, publishedIn);
            if (rabbit)
                throughput = throughput.WithServers(servers, _servers.Now());
            // This process's garbage collections during the run, to tell a GC pause from the other stalls the latency
            // figures can show (the probe's, or one only on the pipeline's path); and per message what the CPU time went
            // on: bytes allocated, thread-pool work items (each a hop between threads), context switches.
            var gcNote = $"{name}: {GcCounts.Now().Since(gc, bars.Count)} during the run";
            output.WriteLine($"perf: {gcNote}");
            _notes.Add(gcNote);
            if (probe is not null && await probe is { } beside)
            {
                var probeNote = $"{name}: broker alone at {ProbeRate}/s during the run (plain client, same process): n={beside.Samples}, p50 {beside.P50:F2} ms, p99 {beside.P99:F2} ms, max {beside.Max:F2} ms";
                output.WriteLine($"perf: {probeNote}");
                _notes.Add(probeNote);
            }
            if (rate is null)
                return (throughput, null, null, null);
            // The measured bars (the receive observer also saw the warm-up's).
            var measured = timing.Consumed.Where(kv => published.ContainsKey(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
            var barLatency = measured.Select(kv => Stopwatch.GetElapsedTime(published[kv.Key], kv.Value.Consumed).TotalMilliseconds).ToArray();
            if (Stalls.Describe(name, published, measured, StallMs) is { } stallNote)
            {
                output.WriteLine($"perf: {stallNote}");
                _notes.Add(stallNote);
            }
            if (Stalls.ConsumeTime(name, measured, seconds) is { } consumeNote)
            {
                output.WriteLine($"perf: {consumeNote}");
                _notes.Add(consumeNote);
            }
            var alertLatency = timing.StoredAlerts.Where(s => s.Symbol is not null && bySymbolDay.ContainsKey((s.Symbol, s.Session))).Select(s => Stopwatch.GetElapsedTime(bySymbolDay[(s.Symbol!, s.Session)], s.At).TotalMilliseconds).Where(ms => ms >= 0).ToArray();
            if (alertLatency.Length == 0)
                _notes.Add($"{name}: no alert could be matched to its bar");
            // The detector decides a stock's bar only once its benchmark's bar of the same session is in (or the
            // benchmark wait passed): from the later of the two publishes is what the pipeline itself adds.
            var fromBenchmark = timing.StoredAlerts
                .Where(s => s.Symbol is not null && bySymbolDay.ContainsKey((s.Symbol, s.Session)))
                .Select(s => (s.At, From: s.Benchmark is { } b && bySymbolDay.TryGetValue((b, s.Session), out var bt) ? Math.Max(bt, bySymbolDay[(s.Symbol!, s.Session)]) : bySymbolDay[(s.Symbol!, s.Session)]))
                .Select(x => Stopwatch.GetElapsedTime(x.From, x.At).TotalMilliseconds).Where(ms => ms >= 0).ToArray();
            return (throughput, Summary($"{name}: bar published -> consumed by the detector", rate.Value, bars.Count / publishedIn, barLatency), Summary($"{name}: bar published -> alert stored", rate.Value, bars.Count / publishedIn, alertLatency),
                Summary($"{name}: later of bar and its benchmark's bar published -> alert stored", rate.Value, bars.Count / publishedIn, fromBenchmark));
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
            if (rabbit)
                await PerfBroker.DeleteQueuesAsync(options, endpointPrefix, options.Partitions, _notes);
        }
    }

    /// <summary>Messages per second of the plain-client probe that runs beside each latency run on RabbitMQ.</summary>
    internal const int ProbeRate = 100;

    /// <summary>A bar slower than this from publish to consumed counts in a latency run's stall note (the alert target's budget).</summary>
    internal const double StallMs = 25;

    /// <summary>Seconds of a latency run's warm-up published at the run's rate, just before its measured seconds.</summary>
    internal const int SettleSeconds = 3;

    /// <summary>Publishes <paramref name="bars"/> (unmeasured) as fast as they go or at <paramref name="rate"/>/s, and waits until the pipeline is idle.</summary>
    private static async Task PublishAllAsync(IBus bus, VirtualClock clock, List<PriceBarObserved> bars, int? rate, PipelineActivity activity, CancellationToken ct)
    {
        var started = Stopwatch.StartNew();
        await Windowed.PublishAsync(bars.Count, async (i, token) =>
        {
            if (rate is { } r)
                await Windowed.PaceAsync(i, r, started, token);
            clock.Set(bars[i].End);
        }, i => bus.Publish(bars[i], ct), ct);
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(ct);
        idle.CancelAfter(TimeSpan.FromMinutes(5));
        await activity.WhenIdleAsync(idle.Token);
    }

    /// <summary>
    /// <paramref name="count"/> bars of the same symbols on the weekdays before <paramref name="measured"/> begins
    /// (another seed), each symbol's walk ending at the price its first measured bar opens at, so the measured bars
    /// follow on without a jump.
    /// </summary>
    internal static List<PriceBarObserved> WarmupBars(int count, List<PriceBarObserved> measured)
    {
        if (count <= 0 || measured.Count == 0)
            return [];
        var first = new Dictionary<string, PriceBarObserved>(StringComparer.Ordinal);
        foreach (var bar in measured)
            first.TryAdd(bar.Symbol, bar);
        var symbols = first.Keys.ToArray();
        var days = (count + symbols.Length - 1) / symbols.Length;
        var random = new Random(7);
        var day = first[symbols[0]].Start;
        var dates = new List<DateTimeOffset>(days);
        while (dates.Count < days)
        {
            day = day.AddDays(day.DayOfWeek == DayOfWeek.Monday ? -3 : -1);
            dates.Add(day);
        }
        dates.Reverse();
        // Walk backwards from each symbol's first measured open: close[d] is the open of the day after.
        var close = symbols.ToDictionary(s => s, s => first[s].Open);
        var perDay = new PriceBarObserved[days][];
        for (var d = days - 1; d >= 0; d--)
        {
            perDay[d] = new PriceBarObserved[symbols.Length];
            for (var i = 0; i < symbols.Length; i++)
            {
                var s = symbols[i];
                var move = random.NextDouble() < 0.01 ? -(0.08 + (random.NextDouble() * 0.12)) : (random.NextDouble() - 0.5) * 0.03;
                var c = close[s];
                var open = Math.Round(c / (decimal)(1 + move), 2);
                var start = dates[d];
                perDay[d][i] = new PriceBarObserved($"perf-warmup-{s}-{start:yyyyMMdd}", "perf", s, "1d", start, start.AddHours(6.5), open, Math.Max(open, c) * 1.002m, Math.Min(open, c) * 0.998m, c, 1_000_000 + random.Next(0, 9_000_000), Replay: true);
                close[s] = open;
            }
        }
        return perDay.SelectMany(InPollOrder).Skip((days * symbols.Length) - count).ToList();
    }

    private static LatencySummary? Summary(string name, double offered, double achieved, double[] ms)
    {
        if (ms.Length == 0)
            return null;
        Array.Sort(ms);
        double P(double q) => ms[Math.Min(ms.Length - 1, (int)Math.Ceiling(q * ms.Length) - 1)];
        return new LatencySummary(name, offered, achieved, ms.Length, P(0.50), P(0.90), P(0.99), ms[^1], ms);
    }

    /// <summary>Our alert upsert (Lua, pipelined by StackExchange.Redis) against <c>redis-benchmark</c> SET with the same payload size.</summary>
    private async Task<(Throughput?, Throughput?)> RedisAsync(int count, CancellationToken ct)
    {
        var services = new ServiceCollection();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Store:Kind"] = "redis",
            ["Store:Redis:Configuration"] = options.Redis,
            ["Store:Redis:KeyPrefix"] = $"perf:{Guid.NewGuid():N}:",
        }).Build();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        Hosting.PipelineComposition.AddDeepSeekWatchPipeline(services, configuration, new Hosting.PipelineSettings { Consumers = false, Notify = false });
        await using var sp = services.BuildServiceProvider();
        var store = sp.GetRequiredService<IAlertStore>();
        var template = new Alert
        {
            AlertId = "x",
            Revision = 1,
            Kind = AlertKinds.AiNewsDrop,
            Symbol = "NVDA",
            Group = "chips",
            Severity = Severities.Critical,
            At = new DateTimeOffset(2025, 1, 27, 15, 0, 0, TimeSpan.Zero),
            Session = new DateOnly(2025, 1, 27),
            Price = 118.42m,
            ReferencePrice = 142.62m,
            ReturnPct = -16.97,
            AbnormalReturnPct = -14.2,
            ZScore = -6.1,
            Benchmark = "SMH",
            Headlines = [new AlertHeadline("DeepSeek cheap model rattles chip stocks", "https://example.com/deepseek", "perf", new DateTimeOffset(2025, 1, 27, 12, 0, 0, TimeSpan.Zero), 0.92, ["deepseek", "chip"])],
        };
        var payload = Encoding.UTF8.GetByteCount(AlertJson.Serialize(template));
        var clock = Stopwatch.StartNew();
        using (var window = new SemaphoreSlim(64))
        {
            var tasks = new List<Task>(count);
            for (var i = 0; i < count; i++)
            {
                await window.WaitAsync(ct);
                var alert = template with { AlertId = $"perf-{i:D8}" };
                tasks.Add(Write(alert));
            }
            await Task.WhenAll(tasks);

            async Task Write(Alert alert)
            {
                try
                {
                    await store.UpsertAsync(alert, ct);
                }
                finally
                {
                    window.Release();
                }
            }
        }
        var ours = new Throughput($"Redis alert upserts ({payload} B JSON, 64 in flight)", count, clock.Elapsed.TotalSeconds, count / clock.Elapsed.TotalSeconds);

        var endpoint = StackExchange.Redis.ConfigurationOptions.Parse(options.Redis!).EndPoints[0];
        var (host, port) = endpoint switch
        {
            System.Net.DnsEndPoint d => (d.Host, d.Port),
            System.Net.IPEndPoint ip => (ip.Address.ToString(), ip.Port),
            _ => ("127.0.0.1", 6379),
        };
        try
        {
            var info = new ProcessStartInfo("redis-benchmark") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { "-h", host, "-p", port.ToString(CultureInfo.InvariantCulture), "-t", "set", "-n", count.ToString(CultureInfo.InvariantCulture), "-d", payload.ToString(CultureInfo.InvariantCulture), "-c", "4", "-P", "16", "--csv" })
                info.ArgumentList.Add(a);
            using var p = Process.Start(info)!;
            var text = await p.StandardOutput.ReadToEndAsync(ct);
            await p.WaitForExitAsync(ct);
            var line = text.Split('\n').FirstOrDefault(l => l.StartsWith("\"SET\"", StringComparison.Ordinal));
            if (line is null || !double.TryParse(line.Split(',')[1].Trim('"'), CultureInfo.InvariantCulture, out var rps))
            {
                _notes.Add($"redis-benchmark printed no SET figure: {text.Trim()}");
                return (ours, null);
            }
            return (ours, new Throughput($"redis-benchmark SET ({payload} B, 4 clients x pipeline 16)", count, count / rps, rps));
        }
        catch (System.ComponentModel.Win32Exception)
        {
            _notes.Add("redis-benchmark not found on PATH: no Redis ratio");
            return (ours, null);
        }
    }

    /// <summary>Stopwatch timestamps of bars consumed by the detector and of alerts stored.</summary>
    private sealed class Timing : IAlertStoredListener, IReceiveObserver
    {
        /// <summary>Per bar: when the detector's consumer finished it, when MassTransit received it, and how long the consumer took.</summary>
        public ConcurrentDictionary<string, BarTimes> Consumed { get; } = new(StringComparer.Ordinal);

        private readonly ConcurrentDictionary<(string Id, int Revision), (string? Symbol, string? Benchmark, DateOnly Session, long At)> _stored = new();

        /// <summary>When each alert revision was first stored (the detector writes it; the alert-store consumer's later write of the same revision is not the one timed).</summary>
        public ICollection<(string? Symbol, string? Benchmark, DateOnly Session, long At)> StoredAlerts => _stored.Values;

        public void Stored(Alert alert, AlertWriteOutcome outcome) => _stored.TryAdd((alert.AlertId, alert.Revision), (alert.Symbol, alert.Benchmark, alert.Session, Stopwatch.GetTimestamp()));

        public Task PreReceive(ReceiveContext context) => Task.CompletedTask;

        public Task PostReceive(ReceiveContext context) => Task.CompletedTask;

        public Task PostConsume<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType)
            where T : class
        {
            if (context.Message is PriceBarObserved bar)
            {
                var now = Stopwatch.GetTimestamp();
                Consumed.TryAdd(bar.EventId, new BarTimes(now, now - (long)(context.ReceiveContext.ElapsedTime.TotalSeconds * Stopwatch.Frequency), duration.TotalMilliseconds));
            }
            return Task.CompletedTask;
        }

        public Task ConsumeFault<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType, Exception exception)
            where T : class => Task.CompletedTask;

        public Task ReceiveFault(ReceiveContext context, Exception exception) => Task.CompletedTask;
    }
}

/// <summary>
/// The plain RabbitMQ.Client pair the broker's own figures are measured with: a publisher connection and channel with
/// confirms (tracked), a consumer connection and channel with the detector queue's prefetch
/// (<see cref="PerfOptions.ConsumerPrefetch"/>), and a fresh durable quorum queue like the pipeline's.
/// </summary>
internal sealed class PlainClient : IAsyncDisposable
{
    private readonly IConnection _pubConnection;
    private readonly IConnection _subConnection;

    private PlainClient(IConnection pubConnection, IConnection subConnection, IChannel publisher, IChannel consumer, string queue)
    {
        (_pubConnection, _subConnection, Publisher, Consumer, Queue) = (pubConnection, subConnection, publisher, consumer, queue);
    }

    public IChannel Publisher { get; }

    public IChannel Consumer { get; }

    public string Queue { get; }

    public static async Task<PlainClient> OpenAsync(PerfOptions options, string purpose, CancellationToken ct)
    {
        var factory = new ConnectionFactory { HostName = options.RabbitHost!, Port = options.RabbitPort, VirtualHost = options.VirtualHost };
        var queue = $"dsw-perf-{purpose}-{Guid.NewGuid():N}";
        var pubConnection = await factory.CreateConnectionAsync($"dsw-perf-{purpose}-publisher", ct);
        IConnection? subConnection = null;
        try
        {
            subConnection = await factory.CreateConnectionAsync($"dsw-perf-{purpose}-consumer", ct);
            // Channels close with their connections if what follows fails.
            var pub = await pubConnection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), ct);
            var sub = await subConnection.CreateChannelAsync(cancellationToken: ct);
            await pub.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, new Dictionary<string, object?> { ["x-queue-type"] = "quorum" }, cancellationToken: ct);
            await sub.BasicQosAsync(0, options.ConsumerPrefetch, false, ct);
            return new PlainClient(pubConnection, subConnection, pub, sub, queue);
        }
        catch
        {
            await pubConnection.DisposeAsync();
            if (subConnection is not null)
                await subConnection.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Publisher.DisposeAsync();
        await Consumer.DisposeAsync();
        await _pubConnection.DisposeAsync();
        await _subConnection.DisposeAsync();
    }
}
