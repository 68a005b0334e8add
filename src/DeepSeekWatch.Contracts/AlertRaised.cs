namespace DeepSeekWatch.Contracts;

/// <summary>An alert was raised, or revised (same id, higher <see cref="Alert.Revision"/>).</summary>
public sealed record AlertRaised(Alert Alert);
