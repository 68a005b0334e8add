using System.CommandLine;
using DeepSeekWatch.Api;
using DeepSeekWatch.Delivery;
using DeepSeekWatch.Ingestion;
using DeepSeekWatch.Pipeline;
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
        var role = new Option<string>("--role")
        {
            Description = "What this instance runs: all (default), pollers, detector (classifier, detector partitions, sector shocks, alert store writes), delivery (notifiers, /api/deliveries) or api (/api/alerts). Every role serves /health and /metrics. Roles other than all need Bus:Transport=rabbitmq and Store:Kind=redis.",
            DefaultValueFactory = _ => Roles.All,
        };
        role.AcceptOnlyFromAmong(Roles.Names);
        var cmd = new Command("run", "Runs the service: pollers, consumers, alert store, notifiers and the HTTP API.") { urls, role };
        cmd.SetAction((parse, ct) => RunAsync(parse, ct));
        return cmd;
    }

    public static async Task<int> RunAsync(ParseResult parse, CancellationToken ct)
    {
        var app = Build(parse, parse.GetValue<string?>("--urls"), parse.GetValue<string>("--role") ?? Roles.All);
        await app.RunAsync(ct);
        return CommandLine.ExitOk;
    }

    internal static WebApplication Build(ParseResult parse, string? urls, string role = Roles.All)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        AppConfiguration.Apply(builder.Configuration, parse, new Dictionary<string, string?> { ["Urls"] = DefaultUrls });
        if (urls is not null)
            builder.Configuration["Urls"] = urls;
        CommandHost.ConfigureLogging(builder.Logging, builder.Configuration, LogLevel.Information);
        Roles.Validate(role, builder.Configuration);
        var all = role == Roles.All;
        builder.Services.AddDeepSeekWatchPipeline(builder.Configuration, new PipelineSettings { Consumers = all || role == Roles.Detector, Notify = all || role == Roles.Delivery });
        // Sources:Enabled=false runs the service without pollers (fed by replays or another instance's pollers).
        // The live event clock ticks where the live events come from: with the pollers.
        if ((all || role == Roles.Pollers) && builder.Configuration.GetValue("Sources:Enabled", true))
        {
            builder.Services.AddIngestion(builder.Configuration);
            builder.Services.AddHostedService<ClockTicker>();
        }
        builder.Services.AddDeepSeekWatchObservability(builder.Configuration);
        builder.Services.AddHealthChecks().AddCheck<StoreHealthCheck>("alert-store", tags: ["ready"]);
        builder.Services.AddOpenApi();
        builder.Services.AddProblemDetails();
        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapOpenApi("/openapi/{documentName}.json");
        if (all || role == Roles.Api)
            app.MapDeepSeekWatchApi();
        if (all || role == Roles.Delivery)
            app.MapDeliveryEndpoints();
        app.MapDeepSeekWatchObservability();
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });
        return app;
    }
}

/// <summary>The roles of <c>run --role</c>: one binary deployed as separately scaled services (docs/scaling.md).</summary>
internal static class Roles
{
    public const string All = "all";
    public const string Pollers = "pollers";
    public const string Detector = "detector";
    public const string Delivery = "delivery";
    public const string Api = "api";

    public static readonly string[] Names = [All, Pollers, Detector, Delivery, Api];

    /// <summary>A role other than <c>all</c> shares work with other processes: only through RabbitMQ and Redis.</summary>
    public static void Validate(string role, IConfiguration configuration)
    {
        if (role == All)
            return;
        var errors = new List<string>();
        if (!string.Equals(configuration["Bus:Transport"], BusOptions.RabbitMqTransport, StringComparison.OrdinalIgnoreCase))
            errors.Add($"Bus:Transport: --role {role} needs rabbitmq (the in-memory transport does not reach the other roles)");
        if (!string.Equals(configuration["Store:Kind"], "redis", StringComparison.OrdinalIgnoreCase))
            errors.Add($"Store:Kind: --role {role} needs redis (a memory store is not shared with the other roles)");
        if (errors.Count > 0)
            throw new Microsoft.Extensions.Options.OptionsValidationException(role, typeof(string), errors);
    }
}
