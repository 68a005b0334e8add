namespace DeepSeekWatch.Tests.Support;

/// <summary>
/// Tests that set process environment variables run alone: every in-process CLI run reads the environment
/// (<c>DSW_</c> prefix), so a variable set by one test would reach the commands of tests running beside it.
/// </summary>
[CollectionDefinition(nameof(EnvironmentCollection), DisableParallelization = true)]
public sealed class EnvironmentCollection;
