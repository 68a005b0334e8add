using System.Text.Json;

namespace DeepSeekWatch.Tests.Perf;

/// <summary>The runtime settings the service's executable is built with (docs/performance.md, "Thread-pool spinning").</summary>
public sealed class RuntimeSettingsTests
{
    [Fact]
    public void The_service_is_built_with_thread_pool_workers_that_do_not_spin_before_they_sleep()
    {
        // The project reference copies the executable's runtime configuration beside the tests, as the build ships it.
        var file = Path.Combine(AppContext.BaseDirectory, "deepseekwatch.runtimeconfig.json");
        using var config = JsonDocument.Parse(File.ReadAllText(file));
        var properties = config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");

        Assert.Equal(0, properties.GetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit").GetInt32());
    }
}
