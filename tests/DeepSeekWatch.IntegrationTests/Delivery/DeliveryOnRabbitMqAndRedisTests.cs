using System.Text.Json;
using DeepSeekWatch.Alerts;
using DeepSeekWatch.Contracts;
using DeepSeekWatch.Delivery;
using DeepSeekWatch.Hosting;
using DeepSeekWatch.Tests.Delivery;
using DeepSeekWatch.Tests.Support;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace DeepSeekWatch.IntegrationTests.Delivery;

[Collection(nameof(ServersCollection))]
public sealed class RedisDeliveryStoreTests : DeliveryStoreContract, IDisposable
{
    private readonly ConnectionMultiplexer _redis = ConnectionMultiplexer.Connect(Servers.Instance.RedisConfiguration);

    private protected override IDeliveryStore CreateStore() =>
        new RedisDeliveryStore(_redis, new DeliveryOptions { RedisKeyPrefix = $"t{Guid.NewGuid():N}:" });

    public void Dispose() => _redis.Dispose();
}

[Collection(nameof(ServersCollection))]
public sealed class DeliveryOnRabbitMqAndRedisTests
{
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private readonly Servers _servers = Servers.Instance;

    private Dictionary<string, string?> Production(string vhost, string prefix, string url) =>
        new(_servers.Production(vhost, prefix))
        {
            ["Notifications:Webhooks:0:Name"] = "desk",
            ["Notifications:Webhooks:0:Url"] = url,
            ["Notifications:Webhooks:0:Secret"] = Secret,
            ["Notifications:Webhooks:0:Cooldown"] = "00:00:00",
        };

    private static string[] AsArgs(Dictionary<string, string?> settings) =>
        settings.SelectMany(kv => new[] { "--set", $"{kv.Key}={kv.Value}" }).ToArray();

    [Fact]
    public async Task A_replay_with_notify_delivers_each_alert_revision_once_per_route_and_without_it_nothing()
    {
        await using var receiver = await TestReceiver.StartAsync();
        var vhost = _servers.CreateVirtualHost($"notify-{Guid.NewGuid():N}");
        var settings = Production(vhost, $"t{Guid.NewGuid():N}:", receiver.BaseUrl + "/hook");

        var quiet = await Cli.ReplayAsync(Repo.SampleTape, AsArgs(settings));
        Assert.NotEmpty(quiet);
        Assert.Empty(receiver.Requests);

        settings["Store:Redis:KeyPrefix"] = $"t{Guid.NewGuid():N}:";
        var alerts = await Cli.ReplayAsync(Repo.SampleTape, [.. AsArgs(settings), "--notify"]);
        var delivered = receiver.Requests.Select(r =>
        {
            Assert.True(StandardWebhooksSpec.Verify(Secret, r.Header("webhook-id"), r.Header("webhook-timestamp"), r.Body, r.Header("webhook-signature")), "signature");
            using var doc = JsonDocument.Parse(r.Body);
            var data = doc.RootElement.GetProperty("data");
            Assert.True(data.GetProperty("replay").GetBoolean());
            return (Id: data.GetProperty("alertId").GetString()!, Revision: data.GetProperty("revision").GetInt32());
        }).ToList();

        // Every alert reached the route in its latest revision, and nothing was sent twice.
        Assert.Equal(delivered.Count, delivered.Distinct().Count());
        Assert.Equal(alerts.Select(a => (a.AlertId, a.Revision)).Order(), delivered.GroupBy(d => d.Id).Select(g => (g.Key, g.Max(d => d.Revision))).Order());
    }

    [Fact]
    public async Task A_delivery_waiting_for_its_retry_is_delivered_once_by_the_next_process_after_a_restart()
    {
        await using var receiver = await TestReceiver.StartAsync();
        receiver.Respond = (i, _, ctx) =>
        {
            ctx.Response.StatusCode = i == 0 ? 503 : 200;
            if (i == 0)
                ctx.Response.Headers.RetryAfter = "1800";
            return Task.CompletedTask;
        };
        var vhost = _servers.CreateVirtualHost($"restart-{Guid.NewGuid():N}");
        var settings = Production(vhost, $"t{Guid.NewGuid():N}:", receiver.BaseUrl + "/hook");
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var alert = new Alert
        {
            AlertId = "a-restart-1", Revision = 1, Kind = AlertKinds.AiNewsDrop, Symbol = "NVDA", Group = "semiconductors",
            Severity = Severities.Critical, At = clock.GetUtcNow(), Session = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime),
            Price = 118.42m, ReferencePrice = 142.62m, ReturnPct = -16.97, Benchmark = "SPY",
        };

        using (var first = BuildHost(settings, clock))
        {
            await first.StartAsync();
            await first.Services.GetRequiredService<IBus>().Publish(new AlertRaised(alert));
            // The dispatcher's own timer runs on the fake clock: drive its passes until the first attempt went out.
            await DispatchUntilAsync(first, receiver, 1);
            await first.StopAsync();
        }
        Assert.Single(receiver.Requests);

        clock.Advance(TimeSpan.FromMinutes(31));
        using (var second = BuildHost(settings, clock))
        {
            await second.StartAsync();
            await DispatchUntilAsync(second, receiver, 2);
            // Give a duplicate every chance to show: the dispatcher runs more passes.
            var dispatcher = second.Services.GetRequiredService<DeliveryDispatcher>();
            await dispatcher.DispatchDueAsync();
            clock.Advance(TimeSpan.FromHours(12));
            await dispatcher.DispatchDueAsync();
            await second.StopAsync();
        }
        Assert.Equal(2, receiver.Requests.Count);
        Assert.Equal(receiver.Requests[0].Header("webhook-id"), receiver.Requests[1].Header("webhook-id"));
    }

    private static async Task DispatchUntilAsync(IHost host, TestReceiver receiver, int count)
    {
        var dispatcher = host.Services.GetRequiredService<DeliveryDispatcher>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (receiver.Requests.Count < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"expected {count} request(s), got {receiver.Requests.Count}");
            if (await dispatcher.DispatchDueAsync() == 0)
                await Task.Delay(50);
        }
    }

    private static IHost BuildHost(Dictionary<string, string?> settings, TimeProvider deliveryClock)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddKeyedSingleton(DeliveryServiceCollectionExtensions.ClockKey, deliveryClock);
        builder.Services.AddDeepSeekWatchPipeline(builder.Configuration);
        var host = builder.Build();
        // MassTransit keeps its log context in a static; two hosts one after the other in one process must not share it.
        MassTransit.LogContext.ConfigureCurrentLogContext(host.Services.GetRequiredService<Microsoft.Extensions.Logging.ILoggerFactory>());
        return host;
    }
}
