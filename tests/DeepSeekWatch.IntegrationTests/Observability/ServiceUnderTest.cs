using DeepSeekWatch.Hosting;
using Microsoft.AspNetCore.Builder;

namespace DeepSeekWatch.IntegrationTests.Observability;

/// <summary>The <c>run</c> service in process on a free loopback port, built by <see cref="RunCommand.Build"/> from command-line settings.</summary>
public sealed class ServiceUnderTest : IAsyncDisposable
{
    private ServiceUnderTest(WebApplication app, Uri address)
    {
        App = app;
        Address = address;
        Http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public WebApplication App { get; }

    public Uri Address { get; }

    public HttpClient Http { get; }

    public static async Task<ServiceUnderTest> StartAsync(IReadOnlyDictionary<string, string> settings, string role = "all")
    {
        var port = Servers.FreePort();
        // No pollers: tests never reach past loopback.
        string[] args = ["run", "--set", "Sources:Enabled=false", .. settings.SelectMany(kv => new[] { "--set", $"{kv.Key}={kv.Value}" })];
        var parse = CommandLine.Build().Parse(args);
        Assert.Empty(parse.Errors);
        var app = RunCommand.Build(parse, $"http://127.0.0.1:{port}", role);
        await app.StartAsync();
        return new ServiceUnderTest(app, new Uri($"http://127.0.0.1:{port}/"));
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
