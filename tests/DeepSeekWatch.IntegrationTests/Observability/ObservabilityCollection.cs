namespace DeepSeekWatch.IntegrationTests.Observability;

/// <summary>
/// Tests that read a service's /metrics run alone: OpenTelemetry listens to meters by name, so another service host
/// in the same test process, when it is disposed, ends the shared "DeepSeekWatch" metric streams of this one too.
/// </summary>
[CollectionDefinition(nameof(ObservabilityCollection), DisableParallelization = true)]
public sealed class ObservabilityCollection;
