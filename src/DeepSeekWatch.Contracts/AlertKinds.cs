namespace DeepSeekWatch.Contracts;

/// <summary>The values of <see cref="Alert.Kind"/>.</summary>
public static class AlertKinds
{
    public const string AiNewsDrop = "ai-news-drop";
    public const string Drop = "drop";
    public const string SectorShock = "sector-shock";

    public static readonly IReadOnlyList<string> All = [AiNewsDrop, Drop, SectorShock];
}
