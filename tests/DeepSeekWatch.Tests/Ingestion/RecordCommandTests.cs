using System.Text.Json;
using System.Text.Json.Nodes;
using DeepSeekWatch.Contracts;
using DeepSeekWatch.Ingestion;

namespace DeepSeekWatch.Tests.Ingestion;

public sealed class RecordCommandTests : IAsyncLifetime
{
    private LoopbackServer _server = null!;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "dsw-record-" + Guid.NewGuid().ToString("N"));

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        _server = await LoopbackServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>The recorded chart of <paramref name="symbol"/> with only its first <paramref name="bars"/> bars, as a provider mid-session.</summary>
    private static string ChartWithFirst(string symbol, int bars)
    {
        var doc = JsonNode.Parse(Recorded.Text($"yahoo-chart-{symbol}-5m.json"))!;
        var result = doc["chart"]!["result"]![0]!;
        var arrays = new List<JsonArray> { result["timestamp"]!.AsArray() };
        arrays.AddRange(result["indicators"]!["quote"]![0]!.AsObject().Select(c => c.Value!.AsArray()));
        foreach (var a in arrays)
            while (a.Count > bars)
                a.RemoveAt(a.Count - 1);
        return doc.ToJsonString();
    }

    private string[] Args(string tape, params string[] extra) =>
    [
        "record", "--out", tape,
        "--set", $"Sources:Prices:Yahoo:BaseUrl={_server.BaseUrl}",
        "--set", $"Sources:Headlines:YahooRssBaseUrl={_server.BaseUrl}",
        "--set", $"Sources:Headlines:GoogleNewsBaseUrl={_server.BaseUrl}",
        "--set", "Sources:Prices:Symbols=NVDA,SPY,QQQ",
        "--set", "Sources:Prices:Intervals:0=5m",
        "--set", "Sources:Headlines:GoogleNewsQueries:0=DeepSeek",
        "--set", "Sources:MarketHours:Enforce=false",
        "--set", "Sources:PollInterval=00:00:00.050",
        "--set", "Sources:Http:RetryBaseDelay=00:00:00.010",
        .. extra,
    ];

    [Fact]
    public async Task Record_three_cycles_writes_a_valid_tape_with_no_duplicate_bars_or_headlines()
    {
        foreach (var symbol in new[] { "NVDA", "SPY", "QQQ" })
        {
            // The session goes on between cycles: 3 bars, then 5, then all 7 (one of them null).
            _server.MapSequence($"/v8/finance/chart/{symbol}",
                ctx => LoopbackServer.Respond(ctx, 200, "application/json", ChartWithFirst(symbol, 3)),
                ctx => LoopbackServer.Respond(ctx, 200, "application/json", ChartWithFirst(symbol, 5)),
                ctx => LoopbackServer.Respond(ctx, 200, "application/json", Recorded.Text($"yahoo-chart-{symbol}-5m.json")));
        }
        _server.MapFile("/rss/2.0/headline", "yahoo-rss-NVDA.xml", "application/xml");
        _server.MapFile("/rss/search", "google-news-DeepSeek.xml", "application/rss+xml");
        var tape = Path.Combine(_dir, "out", "tape.jsonl");
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        var code = await DeepSeekWatch.Hosting.CommandLine.RunAsync(Args(tape, "--cycles", "3"), stdout, stderr);

        Assert.True(code == 0, stderr.ToString());
        Assert.Equal(3, _server.Count("/v8/finance/chart/NVDA"));
        var lines = await File.ReadAllLinesAsync(tape);
        var events = lines.Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
        foreach (var e in events)
        {
            Assert.Equal("1.0", e.GetProperty("specversion").GetString());
            Assert.Equal("application/json", e.GetProperty("datacontenttype").GetString());
            Assert.False(string.IsNullOrEmpty(e.GetProperty("id").GetString()));
            Assert.False(string.IsNullOrEmpty(e.GetProperty("source").GetString()));
            Assert.EndsWith("Z", e.GetProperty("time").GetString(), StringComparison.Ordinal);
            Assert.True(DeepSeekWatch.Replay.TapeTime.TryParse(e.GetProperty("time").GetString(), out _));
        }
        Assert.Equal(events.Count, events.Select(e => (e.GetProperty("source").GetString(), e.GetProperty("id").GetString())).Distinct().Count());

        var bars = events.Where(e => e.GetProperty("type").GetString() == TapeEventTypes.PriceBar).ToList();
        var headlines = events.Where(e => e.GetProperty("type").GetString() == TapeEventTypes.Headline).ToList();
        Assert.Equal(events.Count, bars.Count + headlines.Count);
        // 3 symbols x 6 non-null bars, each once.
        Assert.Equal(18, bars.Count);
        Assert.Equal(18, bars.Select(b => (b.GetProperty("subject").GetString(), b.GetProperty("data").GetProperty("start").GetString())).Distinct().Count());
        foreach (var b in bars)
        {
            var data = b.GetProperty("data");
            Assert.Equal(b.GetProperty("subject").GetString(), data.GetProperty("symbol").GetString());
            Assert.Equal("5m", data.GetProperty("interval").GetString());
            Assert.True(DeepSeekWatch.Replay.TapeTime.TryParse(data.GetProperty("start").GetString(), out var start));
            DeepSeekWatch.Replay.TapeTime.TryParse(b.GetProperty("time").GetString(), out var time);
            Assert.Equal(start.AddMinutes(5), time);
            Assert.True(data.GetProperty("low").GetDecimal() > 0);
            Assert.True(data.GetProperty("high").GetDecimal() >= data.GetProperty("low").GetDecimal());
            Assert.True(data.GetProperty("volume").GetInt64() >= 0);
        }
        foreach (var symbol in bars.GroupBy(b => b.GetProperty("subject").GetString()))
        {
            var times = symbol.Select(b => b.GetProperty("time").GetString()!).ToList();
            Assert.Equal(times.Order(StringComparer.Ordinal), times);
        }
        // Yahoo's NVDA feed (served for every symbol) and Google's DeepSeek feed share one story: 3 distinct headlines.
        Assert.Equal(3, headlines.Count);
        Assert.Equal(3, headlines.Select(h => HeadlineIdentity.NormalisedTitle(h.GetProperty("data").GetProperty("title").GetString()!)).Distinct().Count());
        Assert.All(headlines, h => Assert.Equal(h.GetProperty("time").GetString(), h.GetProperty("data").GetProperty("publishedAt").GetString()));
        Assert.Contains($"recorded {events.Count} events", stdout.ToString(), StringComparison.Ordinal);

        // The tape reader accepts every line, even in strict mode, and replay runs it.
        var contents = DeepSeekWatch.Replay.TapeReader.ReadFile(tape, strict: true);
        Assert.Empty(contents.Problems);
        Assert.Equal(0, contents.UnknownCount);
        Assert.Equal(events.Count, contents.Events.Count);
        var replay = await DeepSeekWatch.Tests.Support.Cli.RunAsync("replay", tape, "--max", "--strict");
        Assert.True(replay.ExitCode == 0, replay.ToString());
    }

    [Fact]
    public async Task Record_without_cycles_runs_on_the_Quartz_schedules_until_cancelled_and_leaves_a_readable_tape()
    {
        foreach (var symbol in new[] { "NVDA", "SPY", "QQQ" })
            _server.MapFile($"/v8/finance/chart/{symbol}", $"yahoo-chart-{symbol}-5m.json", "application/json");
        _server.MapFile("/rss/2.0/headline", "yahoo-rss-NVDA.xml", "application/xml");
        _server.MapFile("/rss/search", "google-news-DeepSeek.xml", "application/rss+xml");
        var tape = Path.Combine(_dir, "scheduled.jsonl");
        var parse = DeepSeekWatch.Hosting.CommandLine.Build().Parse(Args(tape, "--set", "Sources:PollInterval=00:00:00.200"));
        using var cts = new CancellationTokenSource();

        var run = parse.InvokeAsync(new System.CommandLine.InvocationConfiguration { Output = new StringWriter(), Error = new StringWriter() }, cts.Token);
        var limit = System.Diagnostics.Stopwatch.StartNew();
        // Wait (bounded) until both jobs have run more than once; the jobs flush the tape after each run.
        while (_server.Count("/v8/finance/chart/NVDA") < 2 || _server.Count("/rss/search") < 2)
        {
            Assert.True(limit.Elapsed < TimeSpan.FromSeconds(30) && !run.IsCompleted, "the scheduled jobs did not run twice");
            await Task.Delay(20);
        }
        await cts.CancelAsync();
        var code = await run;

        Assert.Equal(0, code);
        var contents = DeepSeekWatch.Replay.TapeReader.ReadFile(tape, strict: true);
        Assert.Equal(18, contents.Events.OfType<DeepSeekWatch.Replay.TapeEvent.Bar>().Count());
        Assert.Equal(3, contents.Events.OfType<DeepSeekWatch.Replay.TapeEvent.Headline>().Count());
    }

    [Theory]
    [InlineData("--cycles", "0")]
    [InlineData("--cycles", "-3")]
    [InlineData("--cycles", "many")]
    public async Task Bad_cycle_counts_exit_with_code_2_and_a_one_line_error(string option, string value)
    {
        var stderr = new StringWriter();
        var tape = Path.Combine(_dir, "bad.jsonl");

        var code = await DeepSeekWatch.Hosting.CommandLine.RunAsync(["record", "--out", tape, option, value], new StringWriter(), stderr);

        Assert.Equal(2, code);
        Assert.StartsWith("error:", stderr.ToString(), StringComparison.Ordinal);
        Assert.False(File.Exists(tape));
    }

    [Fact]
    public async Task Record_without_out_exits_with_code_2()
    {
        var stderr = new StringWriter();
        Assert.Equal(2, await DeepSeekWatch.Hosting.CommandLine.RunAsync(["record", "--cycles", "1"], new StringWriter(), stderr));
        Assert.Contains("--out", stderr.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Sources:PollInterval=soon", "Sources:PollInterval")]
    [InlineData("Sources:PollInterval=-00:01:00", "Sources:PollInterval")]
    [InlineData("Sources:Prices:Provider=bloomberg", "Sources:Prices:Provider")]
    [InlineData("Sources:Prices:Intervals:0=2m", "Sources:Prices:Intervals:0")]
    [InlineData("Sources:Headlines:Feeds:0:Url=not a url", "Sources:Headlines:Feeds:0")]
    [InlineData("Sources:Prices:Yahoo:BaseUrl=ftp://example.com", "Sources:Prices:Yahoo:BaseUrl")]
    [InlineData("Store:Kind=mongo", "Store:Kind")]
    public async Task A_bad_configuration_value_stops_record_with_the_key_in_the_message_and_writes_no_tape(string setting, string key)
    {
        var stderr = new StringWriter();
        var tape = Path.Combine(_dir, "never.jsonl");

        var code = await DeepSeekWatch.Hosting.CommandLine.RunAsync(Args(tape, "--cycles", "1", "--set", setting), new StringWriter(), stderr);

        Assert.Equal(2, code);
        Assert.Contains(key, stderr.ToString(), StringComparison.Ordinal);
        Assert.False(File.Exists(tape));
    }

    [Fact]
    public async Task Provider_failures_during_record_are_skipped_and_the_command_still_succeeds()
    {
        _server.MapText("/v8/finance/chart/NVDA", "{\"chart\":{\"result\":[{\"meta\":", "application/json");
        _server.MapFile("/v8/finance/chart/SPY", "yahoo-chart-SPY-5m.json", "application/json");
        _server.MapText("/v8/finance/chart/QQQ", "Too Many Requests\r\n", "text/plain", 429);
        _server.MapFile("/rss/2.0/headline", "rss-malformed.xml", "application/xml");
        _server.MapFile("/rss/search", "google-news-DeepSeek.xml", "application/rss+xml");
        var tape = Path.Combine(_dir, "partial.jsonl");

        var code = await DeepSeekWatch.Hosting.CommandLine.RunAsync(Args(tape, "--cycles", "2", "--set", "Sources:Http:MaxRetries=0"), new StringWriter(), new StringWriter());

        Assert.Equal(0, code);
        var events = (await File.ReadAllLinesAsync(tape)).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
        Assert.Equal(6, events.Count(e => e.TryGetProperty("subject", out var subject) && subject.GetString() == "SPY"));
        Assert.Equal(2, events.Count(e => e.GetProperty("type").GetString() == TapeEventTypes.Headline));
    }
}
