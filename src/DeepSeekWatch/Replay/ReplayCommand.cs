using System.CommandLine;

namespace DeepSeekWatch.Replay;

internal static class ReplayCommand
{
    public static Command Create()
    {
        var cmd = new Command("replay", "Feeds a tape through the pipeline on a virtual clock.");
        return cmd;
    }
}
