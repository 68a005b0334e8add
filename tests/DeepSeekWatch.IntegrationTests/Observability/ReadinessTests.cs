using System.Net;

namespace DeepSeekWatch.IntegrationTests.Observability;

/// <summary>Readiness follows the store: it turns unhealthy when Redis stops and healthy again when it returns.</summary>
[Collection(nameof(ObservabilityCollection))]
public sealed class ReadinessTests
{
    [Fact]
    public async Task Readiness_turns_unhealthy_when_Redis_stops_and_healthy_again_when_it_returns()
    {
        var dir = PrivateProcess.TempDir("redis");
        var port = Servers.FreePort();
        var redis = await PrivateProcess.StartRedisAsync(port, dir, password: "s3cret-test-pw");
        await using var service = await ServiceUnderTest.StartAsync(new Dictionary<string, string>
        {
            ["Store:Kind"] = "redis",
            ["Store:Redis:Configuration"] = $"127.0.0.1:{port},password=s3cret-test-pw,connectTimeout=1000,syncTimeout=1000",
        });
        try
        {
            await WaitForStatusAsync(service.Http, HttpStatusCode.OK);
            Assert.Equal(HttpStatusCode.OK, (await service.Http.GetAsync(new Uri("health/live", UriKind.Relative))).StatusCode);

            await redis.StopAsync();
            var body = await WaitForStatusAsync(service.Http, HttpStatusCode.ServiceUnavailable);
            Assert.DoesNotContain("s3cret-test-pw", body, StringComparison.Ordinal);
            // Liveness does not depend on the store: the process is fine, only not ready.
            Assert.Equal(HttpStatusCode.OK, (await service.Http.GetAsync(new Uri("health/live", UriKind.Relative))).StatusCode);

            await redis.DisposeAsync();
            redis = await PrivateProcess.StartRedisAsync(port, dir, password: "s3cret-test-pw");
            await WaitForStatusAsync(service.Http, HttpStatusCode.OK);
        }
        finally
        {
            await redis.DisposeAsync();
        }
    }

    private static async Task<string> WaitForStatusAsync(HttpClient http, HttpStatusCode expected)
    {
        var last = "";
        await PrivateProcess.WaitForAsync(async () =>
        {
            using var response = await http.GetAsync(new Uri("health/ready", UriKind.Relative));
            last = await response.Content.ReadAsStringAsync();
            return response.StatusCode == expected;
        }, TimeSpan.FromSeconds(60), $"/health/ready answering {(int)expected}");
        return last;
    }
}
