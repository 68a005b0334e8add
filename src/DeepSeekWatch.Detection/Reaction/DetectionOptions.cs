namespace DeepSeekWatch.Detection.Reaction;

/// <summary>Settings of the reaction detector (configuration section <c>Detection</c>); every key is validated at start-up.</summary>
public sealed class DetectionOptions
{
    public const string Section = "Detection";

    /// <summary><c>Detection:LookBack</c>: how long before a drop an AI headline may be published to be linked (72 h: weekend news counts on Monday).</summary>
    public TimeSpan LookBack { get; set; } = TimeSpan.FromHours(72);

    /// <summary><c>Detection:VolatilitySessions</c>: daily returns in the rolling standard deviation behind the z-score; no z-score before that many.</summary>
    public int VolatilitySessions { get; set; } = 20;

    /// <summary><c>Detection:BetaSessions</c>: daily return pairs in the rolling beta against the benchmark; no abnormal return before that many.</summary>
    public int BetaSessions { get; set; } = 60;

    /// <summary><c>Detection:MaxGapSessions</c>: a previous close more than this many weekdays back is a gap (halt, missing data), not a reference.</summary>
    public int MaxGapSessions { get; set; } = 4;

    /// <summary><c>Detection:BenchmarkWait</c>: how long (on the event clock) a decision waits for the benchmark's bar of the same time before it is made without it.</summary>
    public TimeSpan BenchmarkWait { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary><c>Detection:ShortHorizonMinutes</c>: windows of the short-horizon returns of intraday bars.</summary>
    public List<int> ShortHorizonMinutes { get; set; } = [];

    /// <summary><c>Detection:ShortHorizonWatchPct</c>: a short-horizon fall at or below this (percent) is a <c>watch</c> even when the session return is not.</summary>
    public double ShortHorizonWatchPct { get; set; } = -3;

    /// <summary><c>Detection:MaxHeadlinesPerAlert</c>.</summary>
    public int MaxHeadlinesPerAlert { get; set; } = 10;

    /// <summary><c>Detection:Thresholds</c>: the default thresholds; <c>Detection:GroupThresholds:&lt;group&gt;</c> overrides them per group.</summary>
    public ThresholdSet Thresholds { get; set; } = new();

    public Dictionary<string, ThresholdSet> GroupThresholds { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary><c>Detection:SectorShock:MinMembers</c> and <c>:MinFraction</c>: a sector shock needs this many members, or this fraction of the group, whichever is fewer.</summary>
    public SectorShockOptions SectorShock { get; set; } = new();

    public static readonly IReadOnlyList<int> DefaultShortHorizonMinutes = [5, 15, 30];

    public IReadOnlyList<int> Horizons => ShortHorizonMinutes.Count > 0 ? ShortHorizonMinutes : DefaultShortHorizonMinutes;

    public ThresholdSet ThresholdsFor(string group) => GroupThresholds.TryGetValue(group, out var t) ? t : Thresholds;

    public IEnumerable<string> Validate()
    {
        if (LookBack <= TimeSpan.Zero || LookBack > TimeSpan.FromDays(30))
            yield return $"{Section}:LookBack: {LookBack} must be between 0 and 30 days";
        if (VolatilitySessions is < 5 or > 1000)
            yield return $"{Section}:VolatilitySessions: {VolatilitySessions} must be between 5 and 1000";
        if (BetaSessions is < 10 or > 1000)
            yield return $"{Section}:BetaSessions: {BetaSessions} must be between 10 and 1000";
        if (MaxGapSessions is < 1 or > 30)
            yield return $"{Section}:MaxGapSessions: {MaxGapSessions} must be between 1 and 30";
        if (BenchmarkWait < TimeSpan.Zero || BenchmarkWait > TimeSpan.FromDays(1))
            yield return $"{Section}:BenchmarkWait: {BenchmarkWait} must be between 0 and 1 day";
        for (var i = 0; i < ShortHorizonMinutes.Count; i++)
        {
            if (ShortHorizonMinutes[i] is < 1 or > 390)
                yield return $"{Section}:ShortHorizonMinutes:{i}: {ShortHorizonMinutes[i]} must be between 1 and 390";
        }
        if (!double.IsFinite(ShortHorizonWatchPct) || ShortHorizonWatchPct >= 0)
            yield return $"{Section}:ShortHorizonWatchPct: {ShortHorizonWatchPct} must be a negative percentage";
        if (MaxHeadlinesPerAlert is < 1 or > 100)
            yield return $"{Section}:MaxHeadlinesPerAlert: {MaxHeadlinesPerAlert} must be between 1 and 100";
        foreach (var e in Thresholds.Validate($"{Section}:Thresholds"))
            yield return e;
        foreach (var (group, t) in GroupThresholds)
        {
            foreach (var e in t.Validate($"{Section}:GroupThresholds:{group}"))
                yield return e;
        }
        if (SectorShock.MinMembers is < 2 or > 100)
            yield return $"{Section}:SectorShock:MinMembers: {SectorShock.MinMembers} must be between 2 and 100";
        if (!(SectorShock.MinFraction is > 0 and <= 1))
            yield return $"{Section}:SectorShock:MinFraction: {SectorShock.MinFraction} must be in (0, 1]";
    }
}

/// <summary>
/// Thresholds of one group. A level fires when the session return is at or below its <c>ReturnPct</c> and each of
/// z-score and abnormal return, where known (after warm-up), is at or below its own threshold too — so a stock that
/// falls only with the market, or only as much as it usually moves, is not flagged.
/// </summary>
public sealed class ThresholdSet
{
    public Level Watch { get; set; } = new() { ReturnPct = -3, ZScore = -2, AbnormalPct = -2.5 };

    public Level Warning { get; set; } = new() { ReturnPct = -5, ZScore = -2.75, AbnormalPct = -4 };

    public Level Critical { get; set; } = new() { ReturnPct = -8, ZScore = -3.5, AbnormalPct = -6 };

    public Level this[int rank] => rank switch { 0 => Watch, 1 => Warning, _ => Critical };

    public IEnumerable<string> Validate(string key)
    {
        foreach (var (name, level) in new[] { ("Watch", Watch), ("Warning", Warning), ("Critical", Critical) })
        {
            if (!(double.IsFinite(level.ReturnPct) && level.ReturnPct < 0 && level.ReturnPct > -100))
                yield return $"{key}:{name}:ReturnPct: {level.ReturnPct} must be a negative percentage above -100";
            if (!(double.IsFinite(level.ZScore) && level.ZScore < 0))
                yield return $"{key}:{name}:ZScore: {level.ZScore} must be negative";
            if (!(double.IsFinite(level.AbnormalPct) && level.AbnormalPct < 0 && level.AbnormalPct > -100))
                yield return $"{key}:{name}:AbnormalPct: {level.AbnormalPct} must be a negative percentage above -100";
        }
        if (!(Watch.ReturnPct >= Warning.ReturnPct && Warning.ReturnPct >= Critical.ReturnPct))
            yield return $"{key}: ReturnPct must not rise from Watch to Warning to Critical";
    }
}

public sealed class Level
{
    public double ReturnPct { get; set; }

    public double ZScore { get; set; }

    public double AbnormalPct { get; set; }
}

public sealed class SectorShockOptions
{
    public int MinMembers { get; set; } = 3;

    public double MinFraction { get; set; } = 0.5;

    /// <summary>How many members of a group of <paramref name="size"/> make a shock: "at least MinMembers, or MinFraction of the group".</summary>
    public int Needed(int size) => Math.Max(2, Math.Min(MinMembers, (int)Math.Ceiling(size * MinFraction)));
}
