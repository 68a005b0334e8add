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
        root.Subcommands.Add(ReplayCommand.Create());
        root.Subcommands.Add(ImportCommand.Create());
        root.Subcommands.Add(Delivery.DeliveriesCommand.Create());
        return root;
    }

    public static async Task<int> RunAsync(string[] args, TextWriter? output = null, TextWriter? error = null)
    {
        output ??= Console.Out;
        error ??= Console.Error;
        var root = Build();
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            error.WriteLine($"error: {parse.Errors[0].Message}");
            error.WriteLine($"usage: {Usage(parse.CommandResult.Command)}");
            return ExitUsage;
        }
        var config = new InvocationConfiguration { Output = output, Error = error };
        return await parse.InvokeAsync(config);
    }

    private static string Usage(Command command)
    {
        var names = new List<string>();
        for (Command? c = command; c is not null; c = c.Parents.OfType<Command>().FirstOrDefault())
            names.Insert(0, c is RootCommand ? "deepseekwatch" : c.Name);
        var args = string.Join(' ', command.Arguments.Select(a => $"<{a.Name}>"));
        return $"{string.Join(' ', names)} {args} [options]  (see --help)".Replace("  ", " ", StringComparison.Ordinal);
    }
}
