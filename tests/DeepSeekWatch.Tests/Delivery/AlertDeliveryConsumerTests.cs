using DeepSeekWatch.Contracts;
using DeepSeekWatch.Delivery;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace DeepSeekWatch.Tests.Delivery;

public sealed class AlertDeliveryConsumerTests
{
    private static ServiceProvider Build(TestReceiver receiver, FakeTimeProvider time, bool withConsumers = true)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Notifications:Webhooks:0:Name"] = "all",
            ["Notifications:Webhooks:0:Url"] = receiver.BaseUrl + "/all",
            ["Notifications:Webhooks:0:Secret"] = StandardWebhooksSpec.NewSecret(5),
            ["Notifications:Webhooks:1:Name"] = "chips-critical",
            ["Notifications:Webhooks:1:Url"] = receiver.BaseUrl + "/chips",
            ["Notifications:Webhooks:1:Secret"] = StandardWebhooksSpec.NewSecret(6),
            ["Notifications:Webhooks:1:Groups:0"] = "semiconductors",
            ["Notifications:Webhooks:1:MinSeverity"] = "critical",
        }).Build();
        return new ServiceCollection()
            .AddSingleton<TimeProvider>(time)
            .AddLogging()
            .AddDelivery(configuration)
            .AddMassTransitTestHarness(x =>
            {
                if (withConsumers)
                    x.AddDeliveryConsumers();
            })
            .BuildServiceProvider(true);
    }

    [Fact]
    public async Task Replayed_alerts_published_on_the_bus_reach_each_matching_route_once_marked_as_replay()
    {
        await using var receiver = await TestReceiver.StartAsync();
        var time = new FakeTimeProvider(DeliveryHarness.Start);
        await using var provider = Build(receiver, time);
        var harness = provider.GetRequiredService<ITestHarness>();
        await harness.Start();
        Alert[] alerts =
        [
            Alerts.Drop("NVDA", Severities.Critical, replay: true),
            Alerts.Drop("AAPL", Severities.Warning, group: "magnificent-seven", replay: true),
            Alerts.SectorShock("NVDA", "AVGO") with { Replay = true },
        ];

        foreach (var alert in alerts.Concat(alerts)) // a replay run twice, or a redelivery, changes nothing
            await harness.Bus.Publish(new AlertRaised(alert));
        var consumer = harness.GetConsumerHarness<AlertDeliveryConsumer>();
        Assert.True(await consumer.Consumed.Any<AlertRaised>());
        await harness.InactivityTask.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(6, consumer.Consumed.Select<AlertRaised>().Count());
        var dispatcher = provider.GetRequiredService<DeliveryDispatcher>();
        await dispatcher.DispatchDueAsync();

        var received = receiver.Requests.Select(r => (r.Path, Id: System.Text.Json.JsonDocument.Parse(r.Body).RootElement.GetProperty("id").GetString()!)).ToList();
        Assert.Equal(3, received.Count(r => r.Path == "/all"));
        Assert.Equal(2, received.Count(r => r.Path == "/chips"));
        Assert.Equal(received.Count, received.Distinct().Count());
        Assert.All(receiver.Requests, r => Assert.Contains("\"replay\":true", r.BodyText, StringComparison.Ordinal));
        var context = consumer.Consumed.Select<AlertRaised>().First().Context;
        Assert.Contains(AlertDeliveryConsumerDefinition.QueueName, context.ReceiveContext.InputAddress.AbsolutePath, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_the_delivery_consumers_registered_nothing_is_delivered()
    {
        await using var receiver = await TestReceiver.StartAsync();
        var time = new FakeTimeProvider(DeliveryHarness.Start);
        await using var provider = Build(receiver, time, withConsumers: false);
        var harness = provider.GetRequiredService<ITestHarness>();
        await harness.Start();

        await harness.Bus.Publish(new AlertRaised(Alerts.Drop(replay: true)));
        Assert.True(await harness.Published.Any<AlertRaised>());
        await harness.InactivityTask.WaitAsync(TimeSpan.FromSeconds(30));
        await provider.GetRequiredService<DeliveryDispatcher>().DispatchDueAsync();

        Assert.Empty(receiver.Requests);
        Assert.Empty(await provider.GetRequiredService<IDeliveryStore>().ListPendingAsync(10));
    }
}
