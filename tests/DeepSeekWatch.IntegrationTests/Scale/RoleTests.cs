using System.Net;
using DeepSeekWatch.IntegrationTests.Observability;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace DeepSeekWatch.IntegrationTests.Scale;

/// <summary>
/// <c>run --role</c> on a real RabbitMQ and Redis: each role serves and consumes only its part. (In the observability
/// collection: these tests start services, and services must not run beside the tests that read /metrics.)
/// </summary>
[Collection(nameof(ObservabilityCollection))]
public sealed class RoleTests
{
    private readonly Servers _servers = Servers.Instance;

    private Dictionary<string, string> Settings(string vhost)
    {
        var settings = _servers.Production(vhost, $"r{Guid.NewGuid():N}:").ToDictionary(kv => kv.Key, kv => kv.Value!);
        settings["Scale:Partitions"] = "3";
        return settings;
    }

    /// <summary>Whether the queue exists in <paramref name="vhost"/> (a passive declare fails with 404 otherwise).</summary>
    private async Task<bool> QueueExistsAsync(string vhost, string queue)
    {
        var factory = new ConnectionFactory { HostName = _servers.RabbitHost, Port = _servers.RabbitPort, VirtualHost = vhost };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        try
        {
            await channel.QueueDeclarePassiveAsync(queue);
            return true;
        }
        catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 404)
        {
            return false;
        }
    }

    [Fact]
    public async Task The_api_role_serves_the_alerts_and_consumes_nothing()
    {
        var vhost = _servers.CreateVirtualHost($"role-api-{Guid.NewGuid():N}");
        await using var service = await ServiceUnderTest.StartAsync(Settings(vhost), "api");

        Assert.Equal(HttpStatusCode.OK, (await service.Http.GetAsync(new Uri("api/alerts", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await service.Http.GetAsync(new Uri("health/ready", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await service.Http.GetAsync(new Uri("api/deliveries/dead-letters", UriKind.Relative))).StatusCode);
        foreach (var queue in (string[])["deepseekwatch-reaction-detector-0", "deepseekwatch-sector-shock", "deepseekwatch-alert-store", "deepseekwatch-headline-classifier", "deepseekwatch-delivery"])
            Assert.False(await QueueExistsAsync(vhost, queue), $"the api role declared {queue}");
    }

    [Fact]
    public async Task The_detector_role_consumes_the_partitions_and_serves_no_alert_api()
    {
        var vhost = _servers.CreateVirtualHost($"role-detector-{Guid.NewGuid():N}");
        await using var service = await ServiceUnderTest.StartAsync(Settings(vhost), "detector");

        Assert.Equal(HttpStatusCode.OK, (await service.Http.GetAsync(new Uri("health/ready", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await service.Http.GetAsync(new Uri("api/alerts", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await service.Http.GetAsync(new Uri("metrics", UriKind.Relative))).StatusCode);
        foreach (var queue in (string[])["deepseekwatch-reaction-detector-0", "deepseekwatch-reaction-detector-1", "deepseekwatch-reaction-detector-2", "deepseekwatch-sector-shock", "deepseekwatch-alert-store", "deepseekwatch-headline-classifier"])
            Assert.True(await QueueExistsAsync(vhost, queue), $"the detector role did not declare {queue}");
        Assert.False(await QueueExistsAsync(vhost, "deepseekwatch-reaction-detector"), "the detector role declared the unpartitioned queue");
        Assert.False(await QueueExistsAsync(vhost, "deepseekwatch-delivery"), "the detector role declared the delivery queue");
    }
}
