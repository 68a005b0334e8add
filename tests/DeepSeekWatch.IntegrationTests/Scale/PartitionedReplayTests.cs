using DeepSeekWatch.Alerts;
using DeepSeekWatch.Contracts;
using DeepSeekWatch.Tests.Support;

namespace DeepSeekWatch.IntegrationTests.Scale;

/// <summary>Partitioned detection in one process: K detector partitions on RabbitMQ and the sector-shock aggregator.</summary>
[Collection(nameof(ServersCollection))]
public sealed class PartitionedReplayTests
{
    private readonly Servers _servers = Servers.Instance;

    private string[] Production(string vhost, string prefix, int partitions) =>
    [
        "--transport", "rabbitmq", "--store", "redis",
        "--set", $"Bus:RabbitMq:Host={_servers.RabbitHost}",
        "--set", $"Bus:RabbitMq:Port={_servers.RabbitPort}",
        "--set", $"Bus:RabbitMq:VirtualHost={vhost}",
        "--set", $"Store:Redis:Configuration={_servers.RedisConfiguration}",
        "--set", $"Store:Redis:KeyPrefix={prefix}",
        "--set", $"Scale:Partitions={partitions}",
    ];

    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    public async Task Replaying_the_sample_over_K_partitions_gives_the_alerts_of_one_detector(int partitions)
    {
        var vhost = _servers.CreateVirtualHost($"part-{partitions}-{Guid.NewGuid():N}");
        var embedded = await Cli.ReplayAsync(Repo.SampleTape);
        var prefix = $"t{Guid.NewGuid():N}:";
        var partitioned = await Cli.ReplayAsync(Repo.SampleTape, Production(vhost, prefix, partitions));

        Assert.Contains(partitioned, a => a.Kind == AlertKinds.SectorShock && a.Group == "semiconductors" && a.Session == new DateOnly(2025, 1, 27));
        var want = embedded.Select(AlertJson.Serialize).ToList();
        var got = partitioned.Select(AlertJson.Serialize).ToList();
        Assert.True(want.SequenceEqual(got), "differs:\n- " + string.Join("\n- ", want.Except(got)) + "\n+ " + string.Join("\n+ ", got.Except(want)));
    }
}
