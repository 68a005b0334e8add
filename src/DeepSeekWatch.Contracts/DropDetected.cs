namespace DeepSeekWatch.Contracts;

/// <summary>An abnormal drop of one symbol in one session, at the severity it reached.</summary>
/// <param name="Session">Trading date (America/New_York).</param>
/// <param name="At">Close time of the bar that showed the drop.</param>
/// <param name="AiNews">True when an AI headline is linked to the drop.</param>
public sealed record DropDetected(
    string AlertId,
    string Symbol,
    string Group,
    DateOnly Session,
    DateTimeOffset At,
    string Severity,
    double ReturnPct,
    double? AbnormalReturnPct,
    bool AiNews,
    bool Replay);
