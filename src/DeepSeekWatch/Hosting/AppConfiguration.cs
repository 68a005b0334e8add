using System.CommandLine;
using Microsoft.Extensions.Configuration;

namespace DeepSeekWatch.Hosting;

/// <summary>
/// Configuration layering shared by every command (contracts.md §3): appsettings.json (beside the executable, then
/// the working folder), an optional <c>--config</c> file, environment variables prefixed <c>DSW_</c> (<c>__</c> between
/// sections), then the command line: <c>--transport</c>, <c>--store</c> and <c>--set KEY=VALUE</c>.
/// </summary>
internal static class AppConfiguration
{
    public const string EnvironmentPrefix = "DSW_";

    public static void Apply(IConfigurationManager configuration, ParseResult parse, IDictionary<string, string?>? commandDefaults = null)
    {
        configuration.Sources.Clear();
        if (commandDefaults is not null)
            configuration.AddInMemoryCollection(commandDefaults);
        configuration.AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true, reloadOnChange: false);
        if (!string.Equals(Path.GetFullPath(Directory.GetCurrentDirectory()), Path.GetFullPath(AppContext.BaseDirectory).TrimEnd('/'), StringComparison.Ordinal))
            configuration.AddJsonFile(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json"), optional: true, reloadOnChange: false);
        if (parse.GetValue(GlobalOptions.ConfigFile) is { } file)
        {
            if (!File.Exists(file))
                throw new ConfigurationException("--config", $"file '{file}' does not exist");
            configuration.AddJsonFile(Path.GetFullPath(file), optional: false, reloadOnChange: false);
        }
        configuration.AddEnvironmentVariables(EnvironmentPrefix);
        configuration.AddInMemoryCollection(CommandLineOverrides(parse));
    }

    public static Dictionary<string, string?> CommandLineOverrides(ParseResult parse)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var pair in parse.GetValue(GlobalOptions.Set) ?? [])
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
                throw new ConfigurationException("--set", $"'{pair}' is not KEY=VALUE");
            values[pair[..eq].Trim()] = pair[(eq + 1)..];
        }
        if (parse.GetValue(GlobalOptions.Transport) is { } transport)
            values["Bus:Transport"] = transport;
        if (parse.GetValue(GlobalOptions.Store) is { } store)
            values["Store:Kind"] = store;
        return values;
    }
}

/// <summary>Bad configuration: the message starts with the key's name.</summary>
public sealed class ConfigurationException(string key, string problem) : Exception($"{key}: {problem}")
{
    public string Key { get; } = key;
}
