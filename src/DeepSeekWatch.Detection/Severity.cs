using DeepSeekWatch.Contracts;

namespace DeepSeekWatch.Detection;

/// <summary>Ordering of the severity strings of <see cref="Severities"/>.</summary>
public static class SeverityRank
{
    /// <summary>0 for watch, 1 for warning, 2 for critical, -1 for anything else.</summary>
    public static int Of(string? severity) => severity switch
    {
        Severities.Watch => 0,
        Severities.Warning => 1,
        Severities.Critical => 2,
        _ => -1,
    };

    public static string Name(int rank) => Severities.All[rank];
}
