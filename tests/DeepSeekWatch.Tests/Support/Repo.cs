using System.Reflection;

namespace DeepSeekWatch.Tests.Support;

/// <summary>Paths of the repository under test and of the shared reference folder beside it.</summary>
public static class Repo
{
    public static string Root { get; } = typeof(Repo).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "RepoRoot").Value!;

    public static string Shared => Path.GetFullPath(Path.Combine(Root, "..", "shared"));

    public static string SampleTape => Path.Combine(Root, "samples", "deepseek-2025-01.jsonl");

    public static string TempFile(string name)
    {
        var dir = Path.Combine(Path.GetTempPath(), "dsw-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return Path.Combine(dir, name);
    }
}
