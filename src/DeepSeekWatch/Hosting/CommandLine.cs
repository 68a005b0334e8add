using System.CommandLine;
using DeepSeekWatch.Replay;

namespace DeepSeekWatch.Hosting;

/// <summary>
/// The <c>deepseekwatch</c> command line (contracts.md §3). Each command lives beside its feature and exposes
/// <c>static Command Create()</c>; this class only assembles them and applies the shared error convention:
/// bad arguments print a one-line error and the usage, exit code 2.
/// </summary>
internal static class CommandLine
{
    public const int ExitOk = 0;
    public const int ExitFailure = 1;
    public const int ExitUsage = 2;

    public static RootCommand Build()
    {
        var root = new RootCommand("DeepSeekWatch: watches the Magnificent Seven and the chip stocks for AI-news-driven drops.");
        foreach (var option in GlobalOptions.All)
            root.Options.Add(option);
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(ReplayCommand.Create());
        root.Subcommands.Add(ImportCommand.Create());
        root.Subcommands.Add(ReportCommand.Create());
        root.Subcommands.Add(Analysis.IndicatorsCommand.Create());
        root.Subcommands.Add(Delivery.DeliveriesCommand.Create());
        root.Subcommands.Add(Ingestion.RecordCommand.Create());
        root.Subcommands.Add(Perf.PerfCommand.Create());
        return root;
    }

    public static async Task<int> RunAsync(string[] args, TextWriter? output = null, TextWriter? error = null)
    {
        output ??= Console.Out;
        error ??= Console.Error;
        var root = Build();
        // `run` is the default command.
        if (args.Length == 0 || (args[0].StartsWith('-') && args[0] is not ("--help" or "-h" or "-?" or "--version")))
            args = ["run", .. args];
        ParseResult parse;
        try
        {
            parse = root.Parse(args);
        }
        catch (InvalidOperationException ex)
        {
            // A command's validator read an option the parser could not convert (e.g. one given twice): a usage error too.
            error.WriteLine($"error: {ex.Message}");
            error.WriteLine($"usage: {Usage(root.Subcommands.FirstOrDefault(c => c.Name == args[0]) ?? root)}");
            return ExitUsage;
        }
        if (parse.Errors.Count > 0)
        {
            error.WriteLine($"error: {parse.Errors[0].Message}");
            error.WriteLine($"usage: {Usage(parse.CommandResult.Command)}");
            return ExitUsage;
        }
        var config = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
        try
        {
            return await parse.InvokeAsync(config);
        }
        catch (Exception ex) when (StartupProblem(ex) is { } problem)
        {
            error.WriteLine($"error: {problem}");
            return ExitUsage;
        }
    }

    /// <summary>Bad configuration found at start-up, as one line naming the key; null for any other failure.</summary>
    internal static string? StartupProblem(Exception ex) => ex switch
    {
        Microsoft.Extensions.Options.OptionsValidationException o => "configuration: " + string.Join("; ", o.Failures),
        ConfigurationException c => "configuration: " + c.Message,
        InvalidOperationException i when i.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal) => "configuration: " + i.Message,
        // Several sections wrong at once (ValidateOnStart throws one exception per options type): name every key.
        AggregateException a when a.InnerExceptions.Count > 0 && a.InnerExceptions.All(e => StartupProblem(e) is not null) =>
            "configuration: " + string.Join("; ", a.InnerExceptions.Select(e => StartupProblem(e)!["configuration: ".Length..])),
        _ => null,
    };

    private static string Usage(Command command)
    {
        var names = new List<string>();
        for (Command? c = command; c is not null; c = c.Parents.OfType<Command>().FirstOrDefault())
            names.Insert(0, c is RootCommand ? "deepseekwatch" : c.Name);
        var args = string.Join(' ', command.Arguments.Select(a => $"<{a.Name}>"));
        return $"{string.Join(' ', names)} {args} [options]  (see --help)".Replace("  ", " ", StringComparison.Ordinal);
    }
}
