using System.Text;
using System.Text.Json;
using DeepSeekWatch.Contracts;
using DeepSeekWatch.Hosting;
using DeepSeekWatch.Perf;
using DeepSeekWatch.Pipeline;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RabbitMQ.Client;

namespace DeepSeekWatch.IntegrationTests;

/// <summary>
/// <c>Bus:RabbitMq:Serializer</c> on a real broker: what a bar looks like on the wire with each setting (read back off
/// a queue bound beside the detector's), that a detector reads bars in either form whichever it writes (instances with
/// different settings can share a broker), and that the perf ceiling's messages have the shape of a real bar.
/// </summary>
[Collection(nameof(ServersCollection))]
public sealed class BusSerializerTests
{
    private const string SequenceHeader = "x-dotnet-pub-seq-no";
    private const string BarExchange = "DeepSeekWatch.Contracts:PriceBarObserved";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private readonly Servers _servers = Servers.Instance;

    [Theory]
    [InlineData(null)]
    [InlineData("raw")]
    [InlineData("envelope")]
    public async Task A_bar_goes_on_the_wire_in_the_form_the_setting_names(string? serializer)
    {
        var vhost = _servers.CreateVirtualHost($"wire-{Guid.NewGuid():N}");
        using var host = await StartAsync(vhost, serializer);
        await using var connection = await Factory(vhost).CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var probe = (await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true)).QueueName;
        await channel.QueueBindAsync(probe, BarExchange, "");
        var bar = Bar("NVDA");

        await host.Services.GetRequiredService<IBus>().Publish(bar);
        var got = await GetAsync(channel, probe);
        await host.StopAsync();

        var headers = (got.BasicProperties.Headers ?? new Dictionary<string, object?>()).ToDictionary(h => h.Key, h => h.Value is byte[] b ? Encoding.UTF8.GetString(b) : h.Value?.ToString());
        var body = got.Body.ToArray();
        var expectedWire = BarWire.Of(bar, raw: serializer != "envelope");
        if (serializer == "envelope")
        {
            Assert.Equal("application/vnd.masstransit+json", got.BasicProperties.ContentType);
            using var envelope = JsonDocument.Parse(body);
            Assert.Equal("urn:message:DeepSeekWatch.Contracts:PriceBarObserved", envelope.RootElement.GetProperty("messageType")[0].GetString());
            Assert.Equal(bar, envelope.RootElement.GetProperty("message").Deserialize<PriceBarObserved>(JsonSerializerOptions.Web));
            Assert.DoesNotContain(MessageHeaders.MessageType, headers.Keys);
            // The ceiling's envelope differs only in its addresses and stamps (a tenth of the size, at most).
            Assert.True(expectedWire.Bytes >= body.Length * 0.9 && expectedWire.Bytes <= body.Length * 1.1, $"{expectedWire.Bytes} against {body.Length}: {Encoding.UTF8.GetString(body)}\n{Encoding.UTF8.GetString(expectedWire.Body)}");
        }
        else
        {
            // Raw: the bar's own JSON, and its type, ids and source in the AMQP headers.
            Assert.Equal("application/json", got.BasicProperties.ContentType);
            Assert.Equal(bar, JsonSerializer.Deserialize<PriceBarObserved>(body, JsonSerializerOptions.Web));
            Assert.Equal("urn:message:DeepSeekWatch.Contracts:PriceBarObserved", headers[MessageHeaders.MessageType]);
            Assert.True(Guid.TryParse(headers[MessageHeaders.MessageId], out _), string.Join(", ", headers.Keys));
            // The ceiling sends the same body and the same headers (values of the same kinds); RabbitMQ.Client adds its
            // publish sequence number to both.
            Assert.Equal(body, expectedWire.Body);
            Assert.Equal(headers.Keys.Order(StringComparer.Ordinal), expectedWire.Headers!.Keys.Append(SequenceHeader).Order(StringComparer.Ordinal));
        }
    }

    [Theory]
    [InlineData("raw")]
    [InlineData("envelope")]
    public async Task The_detector_reads_bars_in_either_form_whichever_it_writes(string serializer)
    {
        var vhost = _servers.CreateVirtualHost($"mixed-{Guid.NewGuid():N}");
        using var host = await StartAsync(vhost, serializer);
        await using var connection = await Factory(vhost).CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));

        // As another instance (or a plain client) with each setting would write them.
        var raw = Bar("AMD");
        var envelope = Bar("AVGO");
        foreach (var (bar, isRaw) in new[] { (raw, true), (envelope, false) })
        {
            var wire = BarWire.Of(bar, isRaw);
            await channel.BasicPublishAsync(BarExchange, "", mandatory: true, wire.Properties(), wire.Body);
        }

        var market = host.Services.GetRequiredService<MarketState>();
        await Chaos.ChaosServers.WaitUntilAsync(() => Task.FromResult(market.Get("AMD") is not null && market.Get("AVGO") is not null), Bound, "both bars consumed");
        Assert.Equal(raw.Close, market.Get("AMD")!.LastPrice);
        Assert.Equal(envelope.Close, market.Get("AVGO")!.LastPrice);
        await host.StopAsync();
    }

    private async Task<IHost> StartAsync(string vhost, string? serializer)
    {
        var settings = _servers.Production(vhost, $"t{Guid.NewGuid():N}:");
        settings["Scale:Checkpoint"] = "false";
        if (serializer is not null)
            settings["Bus:RabbitMq:Serializer"] = serializer;
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddDeepSeekWatchPipeline(builder.Configuration, new PipelineSettings { Notify = false });
        var host = builder.Build();
        // Start-up declares the topology (the bar exchange and the detector's queue) before it returns.
        await host.StartAsync();
        return host;
    }

    private ConnectionFactory Factory(string vhost) => new() { HostName = _servers.RabbitHost, Port = _servers.RabbitPort, VirtualHost = vhost };

    private static PriceBarObserved Bar(string symbol) => PerfRunner.SyntheticBars(15).First(b => b.Symbol == symbol);

    private static async Task<BasicGetResult> GetAsync(IChannel channel, string queue)
    {
        BasicGetResult? got = null;
        await Chaos.ChaosServers.WaitUntilAsync(async () => (got = await channel.BasicGetAsync(queue, autoAck: true)) is not null, Bound, "the bar on the probe queue");
        return got!;
    }
}
