using System.CommandLine;
using System.Globalization;
using DeepSeekWatch.Hosting;

namespace DeepSeekWatch.Perf;

/// <summary>
/// <c>perf [--rabbitmq host:port] [--redis conf] [--vhost v] [--bars n] [--rate r] [--partitions k] [--detectors 1,2,3] [--warmup n] [--ceiling-headers] [--engine-log] [--broker-pid p] [--redis-pid p] [--paced-ceiling] [--logged-ceiling] [--out perf.json] [--chart perf.svg] [--png perf.png]</c>:
/// measures, in one run on one machine, the broker's own ceiling (plain RabbitMQ.Client, confirms, persistent,
/// quorum queue), DeepSeekWatch end to end on RabbitMQ + Redis and its ratio to that ceiling, publish-to-stored
/// latency at a fixed offered load and near saturation, the in-process pipeline, and Redis alert writes against
/// <c>redis-benchmark</c>, and with <c>--detectors</c> bars/s with N detector processes (docs/performance.md). Without <c>--rabbitmq</c>/<c>--redis</c> only the in-process figures are measured.
/// </summary>
internal static class PerfCommand
{
    public static Command Create()
    {
        var rabbit = new Option<string?>("--rabbitmq") { Description = "host:port of a RabbitMQ broker (guest/guest) to measure against." };
        var redis = new Option<string?>("--redis") { Description = "StackExchange.Redis configuration of the Redis to measure against (its data under the key prefix perf:<id>: is left in place)." };
        var vhost = new Option<string>("--vhost") { Description = "RabbitMQ virtual host to use (it must exist).", DefaultValueFactory = _ => "/" };
        var bars = new Option<int>("--bars") { Description = "Bars per throughput run (also the ceiling's message count).", DefaultValueFactory = _ => 20_000 };
        var rate = new Option<int>("--rate") { Description = "Fixed offered load for the latency run, bars per second.", DefaultValueFactory = _ => 1_000 };
        var seconds = new Option<int>("--latency-seconds") { Description = "Length of each latency run.", DefaultValueFactory = _ => 10 };
        var output = new Option<string>("--out") { Description = "Where to write the JSON result.", DefaultValueFactory = _ => "perf.json" };
        var chart = new Option<string?>("--chart") { Description = "Where to write the latency chart (SVG); default: beside --out." };
        var png = new Option<string?>("--png") { Description = "Where to write the latency chart as PNG; default: beside --out." };
        var partitions = new Option<int>("--partitions") { Description = "Scale:Partitions (K detector partitions) of the end-to-end and latency runs on RabbitMQ; the in-process run always has one.", DefaultValueFactory = _ => 1 };
        var detectors = new Option<string?>("--detectors") { Description = "Comma-separated numbers of detector processes (run --role detector) to measure bars/s with, e.g. 1,2,3; needs --rabbitmq and --redis. They share max(2 x largest, --partitions) partitions." };
        var warmup = new Option<int>("--warmup") { Description = "Earlier-dated bars run through each pipeline run (same process and bus) before its clock starts, and as many messages through the ceiling before each ceiling run, unmeasured (JIT tier-up, what the bus builds on first use, the wake of the previous run on the broker); 0 for none.", DefaultValueFactory = _ => 40_000 };
        var runs = new Option<int>("--runs") { Description = "Runs of the broker ceiling and of the end-to-end pipeline, in turns; the fastest of each is compared, and each pipeline run with the ceiling run just before it (median of these ratios).", DefaultValueFactory = _ => 3 };
        var ceilingHeaders = new Option<bool>("--ceiling-headers") { Description = "The ceiling's messages carry the bar's AMQP headers as the pipeline writes them (Bus:RabbitMq:Serializer raw: the bar's JSON body and MassTransit's six headers) instead of a body of the same total size and no headers." };
        var engineLog = new Option<bool>("--engine-log") { Description = "The end-to-end and latency runs keep each detector engine's input log in Redis, as run does (Scale:Checkpoint): one fenced append per event. Without it they run the replay composition, which keeps none." };
        var brokerPid = new Option<int?>("--broker-pid") { Description = "Process id of the broker's runtime (RabbitMQ's beam.smp) on this machine: each broker run then also reports the broker's CPU per message (its CPU time over the run, read from the operating system)." };
        var redisPid = new Option<int?>("--redis-pid") { Description = "Process id of redis-server on this machine: each pipeline and ceiling run then also reports Redis's CPU per message." };
        var pacedCeiling = new Option<bool>("--paced-ceiling") { Description = "After the ratio runs, one more plain-client run paced at the median end-to-end rate: what the broker (and the client) cost per message at the pipeline's own rate rather than at the broker's fastest." };
        var loggedCeiling = new Option<bool>("--logged-ceiling") { Description = "Beside each ceiling run, one of the plain client with the run path's durability: each message's event appended to a Redis engine log (the detector's fenced, group-committed append) before its acknowledgement, landed ones acknowledged together. What the engine log costs a consumer with no pipeline of its own." };
        var cmd = new Command("perf", "Measures throughput and latency against the broker's own ceiling; writes JSON and SVG and PNG charts.")
        {
            rabbit, redis, vhost, bars, rate, seconds, output, chart, png, partitions, detectors, warmup, runs, ceilingHeaders, engineLog, brokerPid, redisPid, pacedCeiling, loggedCeiling,
        };
        // Only options given on the command line are checked here (a validator does not see the defaults).
        cmd.Validators.Add(r =>
        {
            if (r.GetResult(bars) is not null && r.GetValue(bars) is < 100 or > 10_000_000)
                r.AddError("--bars must be between 100 and 10000000");
            if (r.GetResult(rate) is not null && r.GetValue(rate) is < 1 or > 1_000_000)
                r.AddError("--rate must be between 1 and 1000000");
            if (r.GetResult(seconds) is not null && r.GetValue(seconds) is < 1 or > 3600)
                r.AddError("--latency-seconds must be between 1 and 3600");
            if (r.GetResult(runs) is not null && r.GetValue(runs) is < 1 or > 20)
                r.AddError("--runs must be between 1 and 20");
            if (r.GetResult(warmup) is not null && r.GetValue(warmup) is < 0 or > 10_000_000)
                r.AddError("--warmup must be between 0 and 10000000");
            if (r.GetValue(rabbit) is { } hp && !TryHostPort(hp, out _, out _))
                r.AddError($"--rabbitmq '{hp}' is not host:port");
            if (r.GetResult(partitions) is not null && r.GetValue(partitions) is < 1 or > 256)
                r.AddError("--partitions must be between 1 and 256");
            if (r.GetResult(partitions) is not null && r.GetValue(partitions) > 1 && r.GetValue(rabbit) is null)
                r.AddError("--partitions above 1 needs --rabbitmq and --redis (the in-process run has one detector)");
            if (r.GetValue(detectors) is { } list)
            {
                if (!TryDetectors(list, out _, out var why))
                    r.AddError($"--detectors '{list}': {why}");
                else if (r.GetValue(rabbit) is null)
                    r.AddError("--detectors needs --rabbitmq and --redis (the detector processes share work through them)");
            }
            foreach (var pid in new[] { brokerPid, redisPid })
            {
                if (r.GetValue(pid) is { } n && !ServerCpu.IsRunning(n))
                    r.AddError($"{pid.Name} {n}: no such process on this machine");
            }
            if (r.GetValue(pacedCeiling) && r.GetValue(rabbit) is null)
                r.AddError("--paced-ceiling needs --rabbitmq and --redis (it is paced at the end-to-end rate)");
            if (r.GetValue(loggedCeiling) && r.GetValue(rabbit) is null)
                r.AddError("--logged-ceiling needs --rabbitmq and --redis (its log is in Redis)");
            if ((r.GetValue(rabbit) is null) != (r.GetValue(redis) is null))
                r.AddError("--rabbitmq and --redis go together (the end-to-end run needs both)");
        });
        cmd.SetAction(async (parse, ct) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            string? host = null;
            var port = 0;
            if (parse.GetValue(rabbit) is { } hp)
                TryHostPort(hp, out host, out port);
            int[] counts = [];
            if (parse.GetValue(detectors) is { } list)
                TryDetectors(list, out counts, out _);
            var options = new PerfOptions(host, port, parse.GetValue(vhost)!, parse.GetValue(redis), parse.GetValue(bars), parse.GetValue(rate), TimeSpan.FromSeconds(parse.GetValue(seconds)), parse.GetValue(partitions), counts, parse.GetValue(warmup), AppConfiguration.CommandLineOverrides(parse), parse.GetValue(runs), parse.GetValue(ceilingHeaders), parse.GetValue(engineLog))
            {
                BrokerPid = parse.GetValue(brokerPid),
                RedisPid = parse.GetValue(redisPid),
                PacedCeiling = parse.GetValue(pacedCeiling),
                LoggedCeiling = parse.GetValue(loggedCeiling),
            };
            var result = await new PerfRunner(options, stdout).RunAsync(ct);
            var outPath = parse.GetValue(output)!;
            var chartPath = parse.GetValue(chart) ?? Path.ChangeExtension(outPath, ".svg");
            var pngPath = parse.GetValue(png) ?? Path.ChangeExtension(outPath, ".png");
            if (PerfReport.Write(result, outPath, chartPath, pngPath) is { } note)
                stdout.WriteLine($"perf: wrote {outPath} and {chartPath}; {note}");
            else
                stdout.WriteLine($"perf: wrote {outPath}, {chartPath} and {pngPath}");
            return CommandLine.ExitOk;
        });
        return cmd;
    }

    /// <summary>A comma-separated list of distinct detector process counts, each 1 to 16 (e.g. <c>1,2,3</c>).</summary>
    internal static bool TryDetectors(string value, out int[] counts, out string why)
    {
        counts = [];
        why = "";
        var list = new List<int>();
        foreach (var part in value.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n is < 1 or > 16)
            {
                why = $"'{part}' is not a number of processes between 1 and 16 (expected a list such as 1,2,3)";
                return false;
            }
            if (list.Contains(n))
            {
                why = $"{n} is given twice";
                return false;
            }
            list.Add(n);
        }
        counts = [.. list];
        return true;
    }

    internal static bool TryHostPort(string value, out string host, out int port)
    {
        host = "";
        port = 0;
        var i = value.LastIndexOf(':');
        if (i <= 0 || !int.TryParse(value.AsSpan(i + 1), NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
            return false;
        host = value[..i];
        return true;
    }
}

/// <param name="Overrides">Configuration given with the global <c>--set KEY=VALUE</c>, applied to every pipeline run (and the
/// detector processes) after the settings perf chooses itself, e.g. <c>--set Bus:RabbitMq:PrefetchCount=128</c> to measure a
/// tuning; <c>Bus:Transport</c> and <c>Store:Kind</c> stay perf's own (each run decides them).</param>
/// <param name="CeilingHeaders">The ceiling's messages carry the bar's AMQP headers (<c>--ceiling-headers</c>) rather than
/// a body of the bar's whole wire size.</param>
/// <param name="EngineLog">The pipeline runs on RabbitMQ keep the detector engines' input log in Redis, as <c>run</c> does
/// (<c>--engine-log</c>).</param>
/// <remarks><see cref="BrokerPid"/> and <see cref="RedisPid"/> (<c>--broker-pid</c>, <c>--redis-pid</c>): processes on this machine whose CPU
/// per message each broker run reports; <see cref="PacedCeiling"/> (<c>--paced-ceiling</c>): one more ceiling run at the median end-to-end rate.</remarks>
internal sealed record PerfOptions(string? RabbitHost, int RabbitPort, string VirtualHost, string? Redis, int Bars, int Rate, TimeSpan LatencyRun, int Partitions = 1, int[]? DetectorCounts = null, int Warmup = 0, IReadOnlyDictionary<string, string?>? Overrides = null, int Runs = 1, bool CeilingHeaders = false, bool EngineLog = false)
{
    public int? BrokerPid { get; init; }

    public int? RedisPid { get; init; }

    public bool PacedCeiling { get; init; }

    /// <summary><c>--logged-ceiling</c>: beside each ceiling run, the plain client with the engine log's append before each acknowledgement.</summary>
    public bool LoggedCeiling { get; init; }

    public int[] Detectors => DetectorCounts ?? [];

    /// <summary>
    /// The plain client's prefetch: the detector queue's (<c>Bus:RabbitMq:DetectorPrefetchCount</c>, from <c>--set</c> or
    /// its default), so that the ceiling and the pipeline's detector consume with the same window of unacknowledged
    /// messages.
    /// </summary>
    public ushort ConsumerPrefetch =>
        Overrides?.FirstOrDefault(o => string.Equals(o.Key, "Bus:RabbitMq:DetectorPrefetchCount", StringComparison.OrdinalIgnoreCase)).Value is { } set
        && ushort.TryParse(set, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var prefetch) && prefetch > 0
            ? prefetch
            : (ushort)new DeepSeekWatch.Hosting.RabbitMqOptions().DetectorPrefetchCount;

    /// <summary>Whether the pipeline runs write raw JSON (<c>Bus:RabbitMq:Serializer</c> from <c>--set</c>, else its default), which shapes the ceiling's messages.</summary>
    public bool RawSerializer =>
        Overrides?.FirstOrDefault(o => string.Equals(o.Key, "Bus:RabbitMq:Serializer", StringComparison.OrdinalIgnoreCase)).Value is { } set
            ? string.Equals(set, DeepSeekWatch.Hosting.RabbitMqOptions.RawSerializer, StringComparison.OrdinalIgnoreCase)
            : new DeepSeekWatch.Hosting.RabbitMqOptions().IsRawSerializer;

    /// <summary><paramref name="settings"/> with <see cref="Overrides"/> applied (but not to the transport and store kind).</summary>
    public Dictionary<string, string?> WithOverrides(Dictionary<string, string?> settings)
    {
        foreach (var (key, value) in Overrides ?? new Dictionary<string, string?>())
        {
            if (!string.Equals(key, "Bus:Transport", StringComparison.OrdinalIgnoreCase) && !string.Equals(key, "Store:Kind", StringComparison.OrdinalIgnoreCase))
                settings[key] = value;
        }
        return settings;
    }
}
