using System.CommandLine;

namespace DeepSeekWatch.Replay;

internal static class ImportCommand
{
    public static Command Create()
    {
        var cmd = new Command("import", "Builds a tape from CSV bars and headlines.");
        return cmd;
    }
}
