using System.Text.Json;
using DeepSeekWatch.Tests.Support;

namespace DeepSeekWatch.IntegrationTests.Chaos;

/// <summary>The <c>perf</c> command's argument checks and its in-process run (a small broker run: <see cref="PerfOnRabbitMqAndRedisTests"/>; the measured ones are in docs/performance.md).</summary>
public sealed class PerfCommandTests
{
    [Theory]
    [InlineData("--rabbitmq", "localhost", "--redis", "127.0.0.1:6379")]
    [InlineData("--rabbitmq", "127.0.0.1:99999", "--redis", "127.0.0.1:6379")]
    [InlineData("--rabbitmq", "127.0.0.1:5672")]
    [InlineData("--bars", "5")]
    [InlineData("--rate", "0")]
    [InlineData("--latency-seconds", "0")]
    [InlineData("--partitions", "0")]
    [InlineData("--partitions", "2")]
    [InlineData("--warmup", "-1")]
    [InlineData("--runs", "0")]
    [InlineData("--runs", "21")]
    [InlineData("--bars", "x")]
    [InlineData("--runs", "2", "--runs", "3")]
    [InlineData("--broker-pid", "0")]
    [InlineData("--redis-pid", "2147483647")]
    [InlineData("--paced-ceiling")]
    [InlineData("--logged-ceiling")]
    public async Task Bad_perf_arguments_are_a_usage_error_that_names_the_option(params string[] args)
    {
        var result = await Cli.RunAsync(["perf", .. args]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(args[0], result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1,x", "'x' is not a number of processes")]
    [InlineData("0", "'0' is not a number of processes")]
    [InlineData("1,,2", "'' is not a number of processes")]
    [InlineData("17", "'17' is not a number of processes")]
    [InlineData("2,2", "2 is given twice")]
    public async Task A_bad_detectors_list_is_a_usage_error_that_says_what_is_wrong(string list, string why)
    {
        var result = await Cli.RunAsync("perf", "--rabbitmq", "127.0.0.1:5672", "--redis", "127.0.0.1:6379", "--detectors", list);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"--detectors '{list}'", result.Error, StringComparison.Ordinal);
        Assert.Contains(why, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Detectors_without_a_broker_is_a_usage_error()
    {
        var result = await Cli.RunAsync("perf", "--detectors", "1,2");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--detectors needs --rabbitmq", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_childs_bar_count_names_the_partitions_it_consumed()
    {
        long[] perPartition = [10, 20, 40, 80];
        Assert.Equal("2 [0 2]", DeepSeekWatch.Perf.DetectorScaleOut.ExplainPartitions(50, perPartition));
        Assert.Equal("none (standby)", DeepSeekWatch.Perf.DetectorScaleOut.ExplainPartitions(0, perPartition));
        Assert.StartsWith("?", DeepSeekWatch.Perf.DetectorScaleOut.ExplainPartitions(5, perPartition), StringComparison.Ordinal);
        Assert.EndsWith("(ambiguous: another set has the same bar count)", DeepSeekWatch.Perf.DetectorScaleOut.ExplainPartitions(30, [10, 20, 30]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_set_override_reaches_the_pipeline_runs_so_a_bad_value_stops_perf_naming_the_key()
    {
        var json = Repo.TempFile("perf.json");
        var result = await Cli.RunAsync("perf", "--bars", "300", "--warmup", "0", "--out", json, "--set", "Bus:DetectorConcurrency=0");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Bus:DetectorConcurrency", result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(json));
    }

    [Fact]
    public async Task Perf_without_a_broker_measures_the_in_process_pipeline_and_writes_json_and_svg_and_png_charts()
    {
        var json = Repo.TempFile("perf.json");
        var svg = Path.ChangeExtension(json, ".svg");
        var result = await Cli.RunAsync("perf", "--bars", "300", "--out", json);
        Assert.True(result.ExitCode == 0, result.ToString());
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var inProcess = doc.RootElement.GetProperty("inProcess");
        Assert.Equal(300, inProcess.GetProperty("messages").GetInt32());
        Assert.True(inProcess.GetProperty("perSecond").GetDouble() > 0);
        Assert.False(doc.RootElement.TryGetProperty("ceiling", out _));
        Assert.False(doc.RootElement.TryGetProperty("scaleOut", out _));
        Assert.Equal(1, doc.RootElement.GetProperty("partitions").GetInt32());
        Assert.Equal(40_000, doc.RootElement.GetProperty("warmupBars").GetInt32());
        Assert.True(inProcess.GetProperty("cpuMsPerMessage").GetDouble() > 0);
        Assert.Contains(doc.RootElement.GetProperty("notes").EnumerateArray(), n => n.GetString()!.StartsWith("warm-up:", StringComparison.Ordinal));
        Assert.StartsWith("<svg", File.ReadAllText(svg), StringComparison.Ordinal);
        var png = File.ReadAllBytes(Path.ChangeExtension(json, ".png"));
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
    }
}

/// <summary>The <c>perf</c> command against a real broker and Redis, small: every RabbitMQ figure is measured and written.</summary>
[Collection(nameof(ServersCollection))]
public sealed class PerfOnRabbitMqAndRedisTests
{
    /// <summary>Runs <c>perf</c> against the private servers (a fresh virtual host) with the arguments given; its JSON result.</summary>
    private static async Task<JsonDocument> PerfAsync(params string[] args)
    {
        var servers = Servers.Instance;
        var vhost = servers.CreateVirtualHost($"perf-{Guid.NewGuid():N}");
        var json = Repo.TempFile("perf.json");
        var result = await Cli.RunAsync(["perf", "--rabbitmq", $"{servers.RabbitHost}:{servers.RabbitPort}", "--redis", servers.RedisConfiguration, "--vhost", vhost, .. args, "--out", json]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return JsonDocument.Parse(File.ReadAllText(json));
    }

    [Fact]
    public async Task Perf_with_the_engine_log_runs_the_pipeline_as_run_keeps_it_and_says_so()
    {
        using var doc = await PerfAsync("--bars", "400", "--warmup", "0", "--runs", "1", "--rate", "200", "--latency-seconds", "1", "--engine-log");
        var root = doc.RootElement;
        Assert.Equal(400, root.GetProperty("endToEnd").GetProperty("messages").GetInt32());
        var notes = root.GetProperty("notes").EnumerateArray().Select(n => n.GetString()!).ToList();
        Assert.Contains(notes, n => n.StartsWith("engine log: ", StringComparison.Ordinal));
        Assert.Contains($"detector endpoint: {Hosting.BusOptions.WithEngineLog} deliveries at once (Bus:DetectorConcurrency)", notes);
    }

    [Fact]
    public async Task Perf_against_RabbitMQ_and_Redis_measures_ceiling_end_to_end_broker_latency_and_writes_them()
    {
        using var doc = await PerfAsync("--bars", "600", "--warmup", "0", "--runs", "2", "--rate", "300", "--latency-seconds", "1");
        var root = doc.RootElement;
        var runs = root.GetProperty("ceilingRuns").EnumerateArray().Select(e => e.GetDouble()).ToList();
        var e2eRuns = root.GetProperty("endToEndRuns").EnumerateArray().Select(e => e.GetDouble()).ToList();
        Assert.Equal(2, runs.Count);
        Assert.Equal(2, e2eRuns.Count);
        // The fastest of the runs is the one compared.
        Assert.Equal(runs.Max(), root.GetProperty("ceiling").GetProperty("perSecond").GetDouble(), 6);
        Assert.Equal(e2eRuns.Max(), root.GetProperty("endToEnd").GetProperty("perSecond").GetDouble(), 6);
        Assert.Equal(e2eRuns.Max() / runs.Max(), root.GetProperty("endToEndToCeiling").GetDouble(), 6);
        Assert.Equal(600, root.GetProperty("endToEnd").GetProperty("messages").GetInt32());
        // Each pipeline run is paired with the ceiling run just before it; their median ratio is reported too.
        var pairs = root.GetProperty("pairRatios").EnumerateArray().Select(e => e.GetDouble()).ToList();
        Assert.Equal([e2eRuns[0] / runs[0], e2eRuns[1] / runs[1]], pairs);
        Assert.Equal((pairs[0] + pairs[1]) / 2, root.GetProperty("pairRatioMedian").GetDouble(), 6);
        var broker = root.GetProperty("brokerLatencyFixed");
        Assert.Equal(300, broker.GetProperty("samples").GetInt32());
        Assert.True(broker.GetProperty("p50").GetDouble() > 0 && broker.GetProperty("p50").GetDouble() <= broker.GetProperty("max").GetDouble());
        Assert.Equal(300, root.GetProperty("barLatencyFixed").GetProperty("samples").GetInt32());
        Assert.Contains(root.GetProperty("notes").EnumerateArray(), n => n.GetString()!.StartsWith("broker ceiling: the fastest of 2 runs", StringComparison.Ordinal));
        // The replay's composition: no engine log, one delivery at a time.
        Assert.DoesNotContain(root.GetProperty("notes").EnumerateArray(), n => n.GetString()!.StartsWith("engine log: ", StringComparison.Ordinal));
        Assert.Contains(root.GetProperty("notes").EnumerateArray(), n => n.GetString() == $"detector endpoint: {Hosting.BusOptions.WithoutEngineLog} deliveries at once (Bus:DetectorConcurrency)");
        // Every pipeline run reports this process's GC work during it, to tell a stall in the process from one in the broker.
        Assert.Contains(root.GetProperty("notes").EnumerateArray(), n => n.GetString()!.StartsWith("end-to-end (RabbitMQ + Redis), run 2 of 2: GC paused ", StringComparison.Ordinal));
        Assert.Contains(root.GetProperty("notes").EnumerateArray(), n => n.GetString()!.StartsWith("latency at 300/s: GC paused ", StringComparison.Ordinal));
        // ...and, per message, the bytes it allocated, its thread-pool work items (a bar through the broker takes several:
        // publish, confirm, delivery, acknowledgement) and its context switches.
        var perMessage = root.GetProperty("notes").EnumerateArray().Select(n => n.GetString()!)
            .Select(n => System.Text.RegularExpressions.Regex.Match(n, @"^end-to-end \(RabbitMQ \+ Redis\), run 1 of 2: GC paused .*; per message (?<kb>[\d.]+) KB allocated, (?<items>[\d.]+) thread-pool work items, [\d.]+ lock contentions, (?<switches>[\d.]+) context switches during the run$"))
            .Single(m => m.Success);
        Assert.True(double.Parse(perMessage.Groups["kb"].Value, System.Globalization.CultureInfo.InvariantCulture) > 1, perMessage.Value);
        Assert.True(double.Parse(perMessage.Groups["items"].Value, System.Globalization.CultureInfo.InvariantCulture) >= 1, perMessage.Value);
        Assert.True(double.Parse(perMessage.Groups["switches"].Value, System.Globalization.CultureInfo.InvariantCulture) > 0, perMessage.Value);
        // Beside each latency run, a plain-client probe through the same broker tells the broker's stalls from the pipeline's.
        Assert.Contains(root.GetProperty("notes").EnumerateArray(), n => n.GetString()!.StartsWith("latency at 300/s: broker alone at 100/s during the run (plain client, same process): n=100, ", StringComparison.Ordinal));
        // Each latency run says where its slow bars' time went, and how long the detector's consumer itself took over its bars.
        Assert.Contains(root.GetProperty("notes").EnumerateArray(), n => n.GetString()!.StartsWith("latency at 300/s: no bar took over 25 ms", StringComparison.Ordinal)
            || System.Text.RegularExpressions.Regex.IsMatch(n.GetString()!, @"^latency at 300/s: \d+ bars over 25 ms from publish to consumed, in \d+ episode"));
        Assert.Contains(root.GetProperty("notes").EnumerateArray(), n => n.GetString()!.StartsWith("latency at 300/s: the detector's consumer took ", StringComparison.Ordinal) && n.GetString()!.Contains(" over 300 bars in a ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task With_the_servers_process_ids_each_broker_run_reports_their_CPU_per_message_and_a_paced_ceiling_runs_at_the_end_to_end_rate()
    {
        var servers = Servers.Instance;
        var beam = Servers.Capture("rabbitmqctl", "-n", servers.RabbitNode, "eval", "os:getpid().").Stdout.Trim().Trim('"');
        await using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(servers.RedisConfiguration + ",allowAdmin=true");
        var info = await redis.GetServers()[0].InfoAsync("server");
        var redisPid = info.SelectMany(g => g).Single(kv => kv.Key == "process_id").Value;

        using var doc = await PerfAsync("--bars", "2000", "--warmup", "0", "--runs", "1", "--rate", "300", "--latency-seconds", "1", "--engine-log",
            "--broker-pid", beam, "--redis-pid", redisPid, "--paced-ceiling", "--logged-ceiling");
        var root = doc.RootElement;
        // The broker works for every message of a ceiling or pipeline run (2,000 persistent messages on a quorum queue).
        Assert.True(root.GetProperty("ceiling").GetProperty("brokerCpuMsPerMessage").GetDouble() > 0);
        Assert.True(root.GetProperty("endToEnd").GetProperty("brokerCpuMsPerMessage").GetDouble() > 0);
        Assert.True(root.GetProperty("endToEnd").GetProperty("redisCpuMsPerMessage").GetDouble() >= 0);
        Assert.True(root.GetProperty("ceiling").GetProperty("redisCpuMsPerMessage").GetDouble() >= 0);
        // The in-process run has no broker.
        Assert.False(root.GetProperty("inProcess").TryGetProperty("brokerCpuMsPerMessage", out _));
        Assert.Contains(root.GetProperty("notes").EnumerateArray(), n => n.GetString() == $"server CPU: the broker's (process {beam}), Redis's (process {redisPid}) CPU time per message is reported for each run on the broker");
        // The paced ceiling: as many messages, never faster than the end-to-end run's rate it is paced at.
        var paced = root.GetProperty("pacedCeiling");
        var pace = (int)root.GetProperty("endToEndRuns")[0].GetDouble();
        Assert.Equal(2000, paced.GetProperty("messages").GetInt32());
        Assert.Equal($"plain client paced at {pace:N0}/s (the median end-to-end rate)", paced.GetProperty("name").GetString());
        // Message i is published no sooner than i / pace seconds in (less a millisecond's slack), so the run ends no sooner than 1999 / pace s.
        Assert.True(paced.GetProperty("perSecond").GetDouble() <= 2000 / ((1999.0 / pace) - 0.001), $"{paced.GetProperty("perSecond").GetDouble()} faster than the pace {pace}");
        Assert.True(paced.GetProperty("brokerCpuMsPerMessage").GetDouble() > 0);
        // The logged ceiling: as many messages, each acknowledged only once its event is in a Redis log (the run fails
        // unless the log holds exactly one event per message acknowledged); compared with the end to end. Redis's CPU is
        // reported for it (read in clock ticks of 10 ms: 2,000 appends of ~10 µs can round to none, so not asserted above 0).
        var logged = root.GetProperty("loggedCeiling");
        Assert.Equal(2000, logged.GetProperty("messages").GetInt32());
        Assert.StartsWith("logged ceiling (", logged.GetProperty("name").GetString(), StringComparison.Ordinal);
        Assert.True(logged.GetProperty("redisCpuMsPerMessage").GetDouble() >= 0);
        Assert.True(logged.GetProperty("brokerCpuMsPerMessage").GetDouble() > 0);
        Assert.Equal(logged.GetProperty("perSecond").GetDouble(), root.GetProperty("loggedCeilingRuns").EnumerateArray().Single().GetDouble());
        Assert.Equal(root.GetProperty("endToEnd").GetProperty("perSecond").GetDouble() / logged.GetProperty("perSecond").GetDouble(), root.GetProperty("endToEndToLoggedCeiling").GetDouble(), 6);
        Assert.Contains(root.GetProperty("notes").EnumerateArray(), n => n.GetString()!.StartsWith("logged ceiling: the fastest of 1 runs (", StringComparison.Ordinal));
    }
}
