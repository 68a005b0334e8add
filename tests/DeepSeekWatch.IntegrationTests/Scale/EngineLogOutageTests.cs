using DeepSeekWatch.Alerts;
using DeepSeekWatch.Detection;
using DeepSeekWatch.Detection.Reaction;
using DeepSeekWatch.Hosting;
using DeepSeekWatch.IntegrationTests.Observability;
using DeepSeekWatch.Pipeline;
using DeepSeekWatch.Replay;
using DeepSeekWatch.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace DeepSeekWatch.IntegrationTests.Scale;

/// <summary>
/// The detector's log when Redis stops (a real, private redis-server with its append-only file): the decision about the
/// event that could not be logged never leaves, the retry after Redis returns applies it once on an engine rebuilt from
/// the log, the alerts are those of a detector that
/// never saw an outage, and a new owner rebuilds the same state from what was logged.
/// </summary>
[Collection(nameof(ObservabilityCollection))]
public sealed class EngineLogOutageTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(1);

    private static DetectorEngine Production() => new(new ReactionDetector(new DetectionOptions(), new Watchlist(WatchlistOptions.Defaults()), Detection.Markets.NyseCalendar.SessionsBetween));

    [Fact]
    public async Task An_event_that_could_not_be_logged_is_applied_once_after_Redis_returns_and_loses_nothing()
    {
        var bars = TapeReader.ReadFile(Repo.SampleTape).Events.OfType<TapeEvent.Bar>().Select(b => (Id: Guid.NewGuid(), Bar: b.Value)).ToList();
        var expected = new List<string>();
        var plain = Production();
        foreach (var (_, bar) in bars)
            expected.AddRange(plain.Apply(bar).Alerts.Select(AlertJson.Serialize));
        Assert.NotEmpty(expected);

        var dir = PrivateProcess.TempDir("engine-log");
        var port = Servers.FreePort();
        var redis = await PrivateProcess.StartRedisAsync(port, dir);
        try
        {
            var options = ConfigurationOptions.Parse($"127.0.0.1:{port},connectTimeout=1000,syncTimeout=1000");
            options.AbortOnConnectFail = false;
            using var mux = await ConnectionMultiplexer.ConnectAsync(options);
            var log = new RedisEngineLog(mux, Options.Create(new StoreOptions { Redis = { KeyPrefix = "outage:" } }), Options.Create(new ScaleOptions()));
            var owner = new EngineSlot("detector", Production, log, NullLogger.Instance);
            var got = new List<string>();
            var half = bars.Count / 2;
            foreach (var (id, bar) in bars.Take(half))
                got.AddRange((await owner.HandleAsync(id, bar, CancellationToken.None)).Alerts.Select(AlertJson.Serialize));

            await redis.StopAsync();
            var (failedId, failedBar) = bars[half];
            var error = await Assert.ThrowsAnyAsync<Exception>(() => owner.HandleAsync(failedId, failedBar, CancellationToken.None).AsTask());
            Assert.True(error is RedisException or TimeoutException, error.ToString());

            await redis.DisposeAsync();
            redis = await PrivateProcess.StartRedisAsync(port, dir);
            // The bus's retry: the same message again until the log takes it.
            DetectionResult? retried = null;
            await PrivateProcess.WaitForAsync(async () =>
            {
                try
                {
                    retried = await owner.HandleAsync(failedId, failedBar, CancellationToken.None);
                    return true;
                }
                catch (Exception ex) when (ex is RedisException or TimeoutException)
                {
                    return false;
                }
            }, Bound, "the log to take the event after Redis returned");
            // Rebuilt from the log, which holds the first half and then the event once.
            Assert.Equal(half + 1, owner.Applied);
            Assert.Equal(2, owner.Restores);
            got.AddRange(retried!.Alerts.Select(AlertJson.Serialize));
            foreach (var (id, bar) in bars.Skip(half + 1))
                got.AddRange((await owner.HandleAsync(id, bar, CancellationToken.None)).Alerts.Select(AlertJson.Serialize));
            Assert.Equal(expected, got);

            // A new owner rebuilds from the log (which survived the restart) and answers a redelivery as the first did.
            var successor = new EngineSlot("detector", Production, log, NullLogger.Instance);
            var (lastId, lastBar) = bars[^1];
            var again = await successor.HandleAsync(lastId, lastBar, CancellationToken.None);
            Assert.Equal(bars.Count, successor.Applied);
            Assert.Equal(
                (await owner.HandleAsync(lastId, lastBar, CancellationToken.None)).Alerts.Select(AlertJson.Serialize),
                again.Alerts.Select(AlertJson.Serialize));
        }
        finally
        {
            await redis.DisposeAsync();
        }
    }
}
