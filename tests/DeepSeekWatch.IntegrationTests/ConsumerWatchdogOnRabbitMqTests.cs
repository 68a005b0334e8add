using System.Text;
using DeepSeekWatch.Hosting;
using DeepSeekWatch.IntegrationTests.Chaos;
using DeepSeekWatch.Pipeline;
using DeepSeekWatch.Replay;
using DeepSeekWatch.Tests.Delivery;
using DeepSeekWatch.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using Xunit.Abstractions;

namespace DeepSeekWatch.IntegrationTests;

/// <summary>
/// The consumer watchdog (docs/reliability.md, Finding 7) on the real broker: what its probe reads, and a real
/// MassTransit bus restarted mid-replay losing and duplicating nothing.
/// </summary>
[Collection(nameof(ServersCollection))]
public sealed class ConsumerWatchdogOnRabbitMqTests(ITestOutputHelper output)
{
    private readonly Servers _servers = Servers.Instance;

    private RabbitMqQueueProbe Probe(string vhost, CapturingLoggerProvider? logs = null, string password = "guest")
    {
        var options = Options.Create(new BusOptions
        {
            Transport = BusOptions.RabbitMqTransport,
            RabbitMq = { Host = _servers.RabbitHost, Port = _servers.RabbitPort, VirtualHost = vhost, Password = password },
        });
        var factory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(logs ?? new CapturingLoggerProvider()));
        return new RabbitMqQueueProbe(options, factory.CreateLogger<RabbitMqQueueProbe>());
    }

    [Fact]
    public async Task The_probe_reads_ready_messages_and_consumers_from_the_broker_and_survives_a_missing_queue()
    {
        var vhost = _servers.CreateVirtualHost($"probe-{Guid.NewGuid():N}");
        var factory = new ConnectionFactory { HostName = _servers.RabbitHost, Port = _servers.RabbitPort, VirtualHost = vhost };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        await channel.QueueDeclareAsync("watched", durable: true, exclusive: false, autoDelete: false);
        for (var i = 0; i < 3; i++)
            await channel.BasicPublishAsync("", "watched", mandatory: true, new BasicProperties { Persistent = true }, Encoding.UTF8.GetBytes($"m{i}"));
        var logs = new CapturingLoggerProvider();
        await using var probe = Probe(vhost, logs);

        Assert.Equal(new QueueState(3, 0), await probe.ProbeAsync("watched", CancellationToken.None));
        // A missing queue closes the probe's channel, not its connection: the next question is answered, and the
        // probe is not reported blind.
        Assert.Null(await probe.ProbeAsync("no-such-queue", CancellationToken.None));
        Assert.DoesNotContain(logs.Entries, e => e.StartsWith("Warning", StringComparison.Ordinal));

        await using var consuming = await connection.CreateChannelAsync();
        await consuming.BasicQosAsync(0, 1, false);
        var delivered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var consumer = new RabbitMQ.Client.Events.AsyncEventingBasicConsumer(consuming);
        consumer.ReceivedAsync += (_, _) =>
        {
            delivered.TrySetResult();
            return Task.CompletedTask;
        };
        await consuming.BasicConsumeAsync("watched", autoAck: false, consumer);
        await delivered.Task.WaitAsync(TimeSpan.FromSeconds(30));

        // One message is with the consumer (unacknowledged), two are ready; the consumer is counted.
        Assert.Equal(new QueueState(2, 1), await probe.ProbeAsync("watched", CancellationToken.None));
    }

    [Fact]
    public async Task A_probe_refused_by_the_broker_answers_nothing_warns_once_and_never_logs_the_password()
    {
        var vhost = _servers.CreateVirtualHost($"probe-{Guid.NewGuid():N}");
        var logs = new CapturingLoggerProvider();
        const string password = "s3cret-Probe-Password";
        await using var probe = Probe(vhost, logs, password);

        Assert.Null(await probe.ProbeAsync("anything", CancellationToken.None));
        Assert.Null(await probe.ProbeAsync("anything", CancellationToken.None));

        // Blind without a connection: said once as a warning, not at every check.
        Assert.Single(logs.Entries, e => e.StartsWith("Warning", StringComparison.Ordinal) && e.Contains("cannot ask the broker", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Entries, e => e.Contains(password, StringComparison.Ordinal));
    }

    /// <summary>
    /// MassTransit's lost consumer cannot be caused on purpose, so the broker's answer is: from the detector's 200th bar,
    /// the probe reports the alert store's queue as holding messages with no consumer, until the bus is restarted. The
    /// watchdog restarts the real bus mid-replay; the replay finishes on the restarted bus (a replay whose publishes
    /// were cut is run again, as an operator does) and the store holds exactly the expected alerts.
    /// </summary>
    [Fact]
    public async Task A_queue_without_its_consumer_gets_the_real_bus_restarted_mid_replay_losing_and_duplicating_no_alert()
    {
        var expected = await Cli.ReplayAsync(Repo.SampleTape);
        var vhost = _servers.CreateVirtualHost($"watchdog-{Guid.NewGuid():N}");
        var prefix = $"w{Guid.NewGuid():N}:";
        var settings = _servers.Production(vhost, prefix);
        settings["Bus:RabbitMq:ConsumerCheckInterval"] = "00:00:00.200";
        settings["Bus:RabbitMq:ConsumerCheckGrace"] = "00:00:01";
        var blind = new Blindfold();
        var logs = new CapturingLoggerProvider();
        IReadOnlyList<string> queues;
        ReplayOutcome first;
        using (var host = ChaosTests.BuildReplayHost(settings, s =>
        {
            s.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning).AddProvider(logs));
            s.AddSingleton<IQueueProbe>(sp => new BlindfoldedProbe(ActivatorUtilities.CreateInstance<RabbitMqQueueProbe>(sp), blind));
            s.AddSingleton<IWatchedBus>(sp => new LiftingBus(ActivatorUtilities.CreateInstance<MassTransitWatchedBus>(sp), blind));
            s.AddSingleton<DetectionEngineFactory>(_ => _ => new ChaosTests.AtBar(
                new Detection.Reaction.ReactionDetector(new Detection.Reaction.DetectionOptions(), new Detection.Watchlist(Detection.WatchlistOptions.Defaults()), Detection.Markets.NyseCalendar.SessionsBetween),
                200, () => blind.On = true));
        }))
        {
            await host.StartAsync();
            // At a million times the tape's pace (about 13 s) the restart, a second or so after the 200th bar, lands mid-replay.
            first = await host.Services.GetRequiredService<ReplayRunner>().RunAsync(TapeReader.ReadFile(Repo.SampleTape).Events, new ReplayPace(1_000_000), TimeSpan.FromMinutes(2), null, CancellationToken.None);
            var watchdog = host.Services.GetRequiredService<ConsumerWatchdog>();
            output.WriteLine($"first replay: {first.Alerts.Count} alerts, {first.Faulted} faulted; restarts {watchdog.Restarts}; bus restarted while blind: {blind.Lifted}");
            foreach (var entry in logs.Entries.Where(e => e.Contains("consumer check", StringComparison.Ordinal)))
                output.WriteLine("  " + entry.Split(" | ")[0]);
            Assert.True(blind.Lifted, "the bus was not restarted");
            Assert.True(watchdog.Restarts >= 1);
            Assert.Contains(logs.Entries, e => e.StartsWith("Error", StringComparison.Ordinal) && e.Contains("deepseekwatch-alert-store", StringComparison.Ordinal));

            // After the restart MassTransit consumes every queue again, as the broker sees it.
            queues = [.. host.Services.GetRequiredService<IWatchedBus>().Endpoints().Select(e => e.Queue)];
            Assert.Contains("deepseekwatch-alert-store", queues);
            await using var probe = Probe(vhost);
            await ChaosServers.WaitUntilAsync(async () =>
            {
                foreach (var queue in queues)
                {
                    if (await probe.ProbeAsync(queue, CancellationToken.None) is not { Messages: 0, Consumers: >= 1 })
                        return false;
                }
                return true;
            }, TimeSpan.FromMinutes(2), "every queue drained with its consumer back");
            await host.StopAsync();
        }
        if (first.Faulted > 0)
        {
            using var again = ChaosTests.BuildReplayHost(settings);
            await again.StartAsync();
            var second = await again.Services.GetRequiredService<ReplayRunner>().RunAsync(TapeReader.ReadFile(Repo.SampleTape).Events, ReplayPace.Max, TimeSpan.FromMinutes(2), null, CancellationToken.None);
            await again.StopAsync();
            Assert.Equal(0, second.Faulted);
        }

        var verdict = await AlertSetChecker.CheckRedisAsync(_servers.RedisConfiguration, prefix, expected);
        output.WriteLine(verdict.ToString());
        Assert.True(verdict.Clean, verdict.ToString());
    }

    /// <summary>
    /// An endpoint MassTransit cannot bring up on a broker that answers: its queue exists with arguments MassTransit's
    /// declare does not match (the broker refuses the declare every time), holding a message, no consumer on it. The real
    /// bus reports the endpoint down; the watchdog, asking the real broker, restarts the bus after the grace and says why.
    /// </summary>
    [Fact]
    public async Task An_endpoint_the_real_bus_reports_down_while_the_broker_answers_gets_the_bus_restarted_after_the_grace()
    {
        var vhost = _servers.CreateVirtualHost($"watchdog-down-{Guid.NewGuid():N}");
        var settings = _servers.Production(vhost, $"w{Guid.NewGuid():N}:");
        settings["Bus:RabbitMq:ConsumerCheckInterval"] = "00:00:00.200";
        settings["Bus:RabbitMq:ConsumerCheckGrace"] = "00:00:01";
        const string queue = "dsw-watchdog-down";
        var factory = new ConnectionFactory { HostName = _servers.RabbitHost, Port = _servers.RabbitPort, VirtualHost = vhost };
        await using (var connection = await factory.CreateConnectionAsync())
        await using (var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true)))
        {
            await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, arguments: new Dictionary<string, object?> { ["x-max-length"] = 1_000 });
            await channel.BasicPublishAsync("", queue, mandatory: true, new BasicProperties { Persistent = true }, Encoding.UTF8.GetBytes("{}"));
        }
        var logs = new CapturingLoggerProvider();
        using var host = ChaosTests.BuildReplayHost(settings, s => s.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning).AddProvider(logs)));
        await host.StartAsync();
        var watchdog = host.Services.GetRequiredService<ConsumerWatchdog>();
        var watched = host.Services.GetRequiredService<IWatchedBus>();
        Assert.Equal(0, watchdog.Restarts);

        host.Services.GetRequiredService<MassTransit.IBusControl>().ConnectReceiveEndpoint(queue, e => MassTransit.HandlerExtensions.Handler<Contracts.ClockAdvanced>(e, _ => Task.CompletedTask));

        await ChaosServers.WaitUntilAsync(() => Task.FromResult(watched.Endpoints().Any(e => e.Queue == queue && !e.Ready)), TimeSpan.FromMinutes(1), "the real bus reports the endpoint down");
        await ChaosServers.WaitUntilAsync(() => Task.FromResult(watchdog.Restarts >= 1), TimeSpan.FromMinutes(1), "the watchdog restarts the bus");
        var line = Assert.Single(logs.Entries.Where(e => e.StartsWith("Error", StringComparison.Ordinal) && e.Contains("restarting the bus", StringComparison.Ordinal)).Take(1));
        output.WriteLine(line.Split(" | ")[0]);
        Assert.Contains($"MassTransit reports these endpoints down and has not brought them back while the broker answers: {queue}: 1 message(s) ready, no consumer for ", line, StringComparison.Ordinal);
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await host.StopAsync(stop.Token);
    }

    private sealed class Blindfold
    {
        public volatile bool On;
        public volatile bool Lifted;
    }

    /// <summary>While the blindfold is on, the alert store's queue reads as holding messages with no consumer.</summary>
    private sealed class BlindfoldedProbe(IQueueProbe inner, Blindfold blind) : IQueueProbe
    {
        public async Task<QueueState?> ProbeAsync(string queue, CancellationToken cancellationToken)
        {
            var state = await inner.ProbeAsync(queue, cancellationToken);
            return blind.On && queue == "deepseekwatch-alert-store" && state is { } s ? new QueueState(Math.Max(1, s.Messages), 0) : state;
        }
    }

    /// <summary>The real restart, which takes the blindfold off.</summary>
    private sealed class LiftingBus(IWatchedBus inner, Blindfold blind) : IWatchedBus
    {
        public IReadOnlyList<WatchedEndpoint> Endpoints() => inner.Endpoints();

        public async Task RestartAsync(CancellationToken cancellationToken)
        {
            if (blind.On)
            {
                blind.On = false;
                blind.Lifted = true;
            }
            await inner.RestartAsync(cancellationToken);
        }
    }
}
