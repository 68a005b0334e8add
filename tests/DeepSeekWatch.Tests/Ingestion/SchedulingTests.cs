using System.Diagnostics;
using DeepSeekWatch.Ingestion;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Quartz;

namespace DeepSeekWatch.Tests.Ingestion;

/// <summary>The Quartz schedules AddIngestion registers, run by the Quartz hosted service.</summary>
public sealed class SchedulingTests : IAsyncLifetime
{
    private LoopbackServer _server = null!;

    public async Task InitializeAsync() => _server = await LoopbackServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private IHost BuildHost(Dictionary<string, string?> settings, CollectingSink sink)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, Args = [] });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddSingleton<IObservationSink>(sink);
        builder.Services.AddIngestion(builder.Configuration);
        return builder.Build();
    }

    private static async Task WaitUntil(Func<bool> condition, string what)
    {
        var limit = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(limit.Elapsed < TimeSpan.FromSeconds(30), $"timed out waiting until {what}");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task The_hosted_scheduler_polls_every_interval_without_overlapping_runs_or_duplicates()
    {
        var inFlight = 0;
        var maxInFlight = 0;
        var served = 0;
        _server.Map("/v8/finance/chart/NVDA", async ctx =>
        {
            var now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref maxInFlight, now);
            // A provider slower than the poll interval: without DisallowConcurrentExecution runs would overlap.
            await Task.Delay(300);
            Interlocked.Decrement(ref inFlight);
            Interlocked.Increment(ref served);
            await LoopbackServer.Respond(ctx, 200, "application/json", Recorded.Text("yahoo-chart-NVDA-5m.json"));
        });
        var settings = IngestionTestHost.FastDefaults(_server.BaseUrl);
        settings["Sources:Prices:Symbols:0"] = "NVDA";
        settings["Sources:PollInterval"] = "00:00:00.100";
        var sink = new CollectingSink();
        using var host = BuildHost(settings, sink);

        await host.StartAsync();
        await WaitUntil(() => Volatile.Read(ref served) >= 3, "three polls were served");
        await host.StopAsync();

        Assert.Equal(1, maxInFlight);
        Assert.Equal(6, sink.Bars.Count);
        Assert.Equal(6, sink.Bars.Select(b => b.Start).Distinct().Count());
    }

    [Fact]
    public async Task Each_provider_has_its_own_non_concurrent_job_whose_missed_firings_are_skipped()
    {
        var settings = IngestionTestHost.FastDefaults(_server.BaseUrl);
        settings["Sources:Headlines:FinnhubCompanyNews"] = "true";
        settings["Sources:Prices:Finnhub:ApiKey"] = "k";
        settings["Sources:PollInterval"] = "00:02:00";
        settings["Sources:Headlines:PollInterval"] = "00:05:00";
        using var host = BuildHost(settings, new CollectingSink());

        var scheduler = await host.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
        var expected = new Dictionary<string, TimeSpan>
        {
            ["prices-yahoo-chart"] = TimeSpan.FromMinutes(2),
            [IngestionServiceCollectionExtensions.HeadlinesRss] = TimeSpan.FromMinutes(5),
            [IngestionServiceCollectionExtensions.HeadlinesFinnhub] = TimeSpan.FromMinutes(5),
        };
        foreach (var (name, interval) in expected)
        {
            var job = await scheduler.GetJobDetail(new JobKey(name, "ingestion"));
            Assert.NotNull(job);
            Assert.True(job.ConcurrentExecutionDisallowed);
            Assert.Equal(name, job.JobDataMap.GetString(PollJob.PollerKey));
            var trigger = Assert.IsAssignableFrom<ISimpleTrigger>(await scheduler.GetTrigger(new TriggerKey(name + "-trigger", "ingestion")));
            Assert.Equal(interval, trigger.RepeatInterval);
            Assert.Equal(SimpleTriggerMisfireInstruction.NextWithRemainingCount, trigger.MisfireInstruction);
        }
    }

    [Theory]
    [InlineData("Sources:Http:MaxRetries", "50")]
    [InlineData("Sources:Prices:Intervals:0", "3m")]
    [InlineData("Sources:Headlines:Feeds:0:Url", "file:///etc/passwd")]
    [InlineData("Sources:Http:AttemptTimeout", "00:10:00")]
    public async Task A_bad_value_stops_start_up_with_the_key_in_the_message(string key, string value)
    {
        var settings = IngestionTestHost.FastDefaults(_server.BaseUrl);
        settings[key] = value;
        if (key.StartsWith("Sources:Headlines:Feeds", StringComparison.Ordinal))
            settings["Sources:Headlines:Feeds:0:Name"] = "x";
        using var host = BuildHost(settings, new CollectingSink());

        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(key, e.Message, StringComparison.Ordinal);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
