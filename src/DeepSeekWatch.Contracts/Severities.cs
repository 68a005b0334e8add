namespace DeepSeekWatch.Contracts;

/// <summary>The values of <see cref="Alert.Severity"/>, lowest first.</summary>
public static class Severities
{
    public const string Watch = "watch";
    public const string Warning = "warning";
    public const string Critical = "critical";

    public static readonly IReadOnlyList<string> All = [Watch, Warning, Critical];

}
