namespace DeepSeekWatch.Detection.Spine;

/// <summary>Settings of the first detector (configuration section <c>Detection</c>).</summary>
public sealed class SpineDetectionOptions
{
    public const string Section = "Detection";

    /// <summary><c>Detection:LookBack</c>: how far before a drop an AI headline may have been published (default 72 h, so weekend news counts on Monday).</summary>
    public TimeSpan LookBack { get; set; } = TimeSpan.FromHours(72);

    /// <summary><c>Detection:DropThresholdsPct:Watch|Warning|Critical</c>: session return (in percent, negative) at or below which each severity fires.</summary>
    public DropThresholds DropThresholdsPct { get; set; } = new();

    /// <summary><c>Detection:AiTerms</c>: the small AI term list of the first classifier (case-insensitive, whole words).</summary>
    public List<string> AiTerms { get; set; } = [];

    /// <summary><c>Detection:MaxHeadlinesPerAlert</c>.</summary>
    public int MaxHeadlinesPerAlert { get; set; } = 10;

    public static readonly IReadOnlyList<string> DefaultAiTerms =
    [
        "DeepSeek", "open-source model", "open-source AI", "open-weight", "reasoning model", "AI model", "R1", "large language model",
        "LLM", "OpenAI", "ChatGPT", "Stargate", "AI spending", "AI capex", "AI chip", "AI chips", "GPU", "GPUs", "data center", "data-center",
        "artificial intelligence", "AI infrastructure", "export controls", "H20", "H800",
    ];

    public IEnumerable<string> Validate()
    {
        if (LookBack <= TimeSpan.Zero || LookBack > TimeSpan.FromDays(30))
            yield return $"{Section}:LookBack: {LookBack} must be between 0 and 30 days";
        var t = DropThresholdsPct;
        foreach (var (name, value) in new[] { ("Watch", t.Watch), ("Warning", t.Warning), ("Critical", t.Critical) })
        {
            if (!double.IsFinite(value) || value >= 0 || value <= -100)
                yield return $"{Section}:DropThresholdsPct:{name}: {value} must be a negative percentage above -100";
        }
        if (!(t.Watch > t.Warning && t.Warning > t.Critical))
            yield return $"{Section}:DropThresholdsPct: Watch ({t.Watch}) > Warning ({t.Warning}) > Critical ({t.Critical}) must hold";
        if (MaxHeadlinesPerAlert is < 1 or > 100)
            yield return $"{Section}:MaxHeadlinesPerAlert: {MaxHeadlinesPerAlert} must be between 1 and 100";
        for (var i = 0; i < AiTerms.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(AiTerms[i]))
                yield return $"{Section}:AiTerms:{i}: a term cannot be empty";
        }
    }
}

public sealed class DropThresholds
{
    public double Watch { get; set; } = -3;

    public double Warning { get; set; } = -5;

    public double Critical { get; set; } = -8;
}
