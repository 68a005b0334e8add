using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace DeepSeekWatch.Tests.Ingestion;

/// <summary>
/// A Kestrel server on 127.0.0.1 with a random port, standing in for the providers: each route (path, optionally
/// with a query substring) answers with a handler the test sets; every request is recorded.
/// </summary>
public sealed class LoopbackServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Func<HttpContext, Task>> _routes = new();

    public ConcurrentQueue<string> Requests { get; } = new();

    public ConcurrentQueue<Dictionary<string, string>> RequestHeaders { get; } = new();

    public string BaseUrl { get; private set; } = "";

    private LoopbackServer()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.Run(async ctx =>
        {
            var target = ctx.Request.Path + ctx.Request.QueryString;
            Requests.Enqueue(target);
            RequestHeaders.Enqueue(ctx.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase));
            // The longest matching key wins, so "/path?s=NVDA" beats "/path".
            var route = _routes.Keys.Where(k => Matches(k, ctx.Request)).OrderByDescending(k => k.Length).FirstOrDefault();
            if (route is null)
            {
                ctx.Response.StatusCode = 404;
                await ctx.Response.WriteAsync("no route");
                return;
            }
            await _routes[route](ctx);
        });
    }

    private static bool Matches(string key, HttpRequest request)
    {
        var q = key.IndexOf('?', StringComparison.Ordinal);
        var path = q < 0 ? key : key[..q];
        if (!string.Equals(request.Path.Value, path, StringComparison.Ordinal))
            return false;
        return q < 0 || request.QueryString.Value?.Contains(key[(q + 1)..], StringComparison.Ordinal) == true;
    }

    public static async Task<LoopbackServer> StartAsync()
    {
        var server = new LoopbackServer();
        await server._app.StartAsync();
        server.BaseUrl = server._app.Services.GetService(typeof(IServer)) is IServer s
            ? s.Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/')
            : throw new InvalidOperationException("no server");
        return server;
    }

    public void Map(string route, Func<HttpContext, Task> handler) => _routes[route] = handler;

    public void MapFile(string route, string recordedFile, string contentType, int status = 200) =>
        Map(route, ctx => Respond(ctx, status, contentType, Recorded.Text(recordedFile)));

    public void MapText(string route, string body, string contentType, int status = 200) =>
        Map(route, ctx => Respond(ctx, status, contentType, body));

    /// <summary>Answers in turn with each handler; the last one repeats.</summary>
    public void MapSequence(string route, params Func<HttpContext, Task>[] handlers)
    {
        var calls = 0;
        Map(route, ctx => handlers[Math.Min(Interlocked.Increment(ref calls) - 1, handlers.Length - 1)](ctx));
    }

    public static async Task Respond(HttpContext ctx, int status, string contentType, string body)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = contentType;
        await ctx.Response.WriteAsync(body);
    }

    public int Count(string pathContains) => Requests.Count(r => r.Contains(pathContains, StringComparison.Ordinal));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>The recorded responses in tests/DeepSeekWatch.Tests/Ingestion/Recorded, read from the source tree.</summary>
public static class Recorded
{
    public static string Directory { get; } = Path.Combine(
        typeof(Recorded).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepoRoot").Value!,
        "tests", "DeepSeekWatch.Tests", "Ingestion", "Recorded");

    public static string Text(string name) => File.ReadAllText(Path.Combine(Directory, name));
}
