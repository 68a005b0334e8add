using System.CommandLine;
using DeepSeekWatch.Api;
using DeepSeekWatch.Delivery;
using DeepSeekWatch.Ingestion;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DeepSeekWatch.Hosting;

/// <summary><c>run</c> (the default command): the service — consumers, alert store, pollers, notifiers and the HTTP API.</summary>
internal static class RunCommand
{
    public const string DefaultUrls = "http://127.0.0.1:5080";

    public static Command Create()
    {
        var urls = new Option<string?>("--urls") { Description = $"Where the HTTP API listens (ASP.NET Core's Urls key; default {DefaultUrls})." };
        var cmd = new Command("run", "Runs the service: pollers, consumers, alert store, notifiers and the HTTP API.") { urls };
        cmd.SetAction((parse, ct) => RunAsync(parse, ct));
        return cmd;
    }

    public static async Task<int> RunAsync(ParseResult parse, CancellationToken ct)
    {
        var app = Build(parse, parse.GetValue<string?>("--urls"));
        await app.RunAsync(ct);
        return CommandLine.ExitOk;
    }

    internal static WebApplication Build(ParseResult parse, string? urls)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        AppConfiguration.Apply(builder.Configuration, parse, new Dictionary<string, string?> { ["Urls"] = DefaultUrls });
        if (urls is not null)
            builder.Configuration["Urls"] = urls;
        CommandHost.ConfigureLogging(builder.Logging, builder.Configuration, LogLevel.Information);
        builder.Services.AddDeepSeekWatchPipeline(builder.Configuration);
        // Sources:Enabled=false runs the service without pollers (fed by replays or another instance's pollers).
        if (builder.Configuration.GetValue("Sources:Enabled", true))
            builder.Services.AddIngestion(builder.Configuration);
        builder.Services.AddDeepSeekWatchObservability(builder.Configuration);
        builder.Services.AddHealthChecks().AddCheck<StoreHealthCheck>("alert-store", tags: ["ready"]);
        builder.Services.AddOpenApi();
        builder.Services.AddProblemDetails();
        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapDeepSeekWatchApi();
        app.MapDeliveryEndpoints();
        app.MapDeepSeekWatchObservability();
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });
        return app;
    }
}
