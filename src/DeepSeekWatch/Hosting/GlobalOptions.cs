using System.CommandLine;

namespace DeepSeekWatch.Hosting;

/// <summary>Options every command takes: the transport and store shortcuts, and configuration overrides.</summary>
internal static class GlobalOptions
{
    public static readonly Option<string?> Transport = new("--transport")
    {
        Description = "Message transport: inmemory (default) or rabbitmq. Shortcut for Bus:Transport.",
        Recursive = true,
    };

    public static readonly Option<string?> Store = new("--store")
    {
        Description = "Alert store: memory (default) or redis. Shortcut for Store:Kind.",
        Recursive = true,
    };

    public static readonly Option<string[]> Set = new("--set")
    {
        Description = "Configuration override KEY=VALUE (e.g. --set Bus:RabbitMq:Port=5673); repeatable.",
        Recursive = true,
        AllowMultipleArgumentsPerToken = false,
    };

    public static readonly Option<string?> ConfigFile = new("--config")
    {
        Description = "An extra JSON configuration file, read after appsettings.json and before the environment.",
        Recursive = true,
    };

    public static IEnumerable<Option> All => [Transport, Store, Set, ConfigFile];
}
