using DeepSeekWatch.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace DeepSeekWatch.Tests.Api;

/// <summary>The <c>run</c> service in process (embedded transport and memory store) on a free loopback port.</summary>
public sealed class ApiHost : IAsyncDisposable
{
    private ApiHost(WebApplication app)
    {
        App = app;
        var address = app.Urls.Single();
        Http = new HttpClient { BaseAddress = new Uri(address.TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(30) };
    }

    public WebApplication App { get; }

    public HttpClient Http { get; }

    public T Get<T>()
        where T : notnull => App.Services.GetRequiredService<T>();

    public static async Task<ApiHost> StartAsync(params string[] settings)
    {
        // No pollers: tests never reach past loopback.
        var parse = CommandLine.Build().Parse(["run", "--set", "Sources:Enabled=false", .. settings.SelectMany(s => new[] { "--set", s })]);
        Assert.Empty(parse.Errors);
        var app = RunCommand.Build(parse, "http://127.0.0.1:0");
        await app.StartAsync();
        return new ApiHost(app);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
