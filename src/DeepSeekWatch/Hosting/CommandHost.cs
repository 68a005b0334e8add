using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace DeepSeekWatch.Hosting;

/// <summary>Builds the generic host a command runs in: the shared configuration layering, logs on standard error.</summary>
internal static class CommandHost
{
    public static HostApplicationBuilder CreateBuilder(ParseResult parse, LogLevel defaultLevel = LogLevel.Warning, IDictionary<string, string?>? commandDefaults = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, Args = [] });
        AppConfiguration.Apply(builder.Configuration, parse, commandDefaults);
        ConfigureLogging(builder.Logging, builder.Configuration, defaultLevel);
        return builder;
    }

    public static void ConfigureLogging(ILoggingBuilder logging, IConfiguration configuration, LogLevel defaultLevel)
    {
        logging.ClearProviders();
        logging.SetMinimumLevel(defaultLevel);
        logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);
        logging.AddConfiguration(configuration.GetSection("Logging"));
        // Results go to standard output; logs never mix with them.
        logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
            o.ColorBehavior = LoggerColorBehavior.Disabled;
        });
        logging.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
    }
}
