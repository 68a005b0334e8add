namespace DeepSeekWatch.Hosting;

internal static class CommandLine
{
    public static Task<int> RunAsync(string[] args) => Task.FromResult(args.Length);
}
