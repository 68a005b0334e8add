namespace DeepSeekWatch.Tests;

public class SmokeTests
{
    [Fact]
    public void Contracts_assembly_has_no_dependencies_beyond_the_runtime()
    {
        var refs = typeof(DeepSeekWatch.Contracts.Alert).Assembly.GetReferencedAssemblies();
        Assert.All(refs, r => Assert.True(r.Name!.StartsWith("System", StringComparison.Ordinal), r.Name));
    }
}
