using DeepSeekWatch.Tests.Support;

namespace DeepSeekWatch.Tests.Scale;

/// <summary><c>run --role</c> and the <c>Scale</c> section are checked at start-up: exit code 2 with the key on stderr.</summary>
public sealed class RoleAndScaleConfigTests
{
    // A guard, not a timing assertion: were validation to let the service start, `run` would never return.
    private static readonly TimeSpan Guard = TimeSpan.FromMinutes(2);

    private static Task<Cli.Result> Run(params string[] args) => Cli.RunAsync(args).WaitAsync(Guard);

    [Theory]
    [InlineData("detector")]
    [InlineData("pollers")]
    [InlineData("delivery")]
    [InlineData("api")]
    public async Task A_role_other_than_all_on_the_in_memory_transport_and_store_exits_2_naming_both_keys(string role)
    {
        var result = await Run("run", "--role", role, "--urls", "http://127.0.0.1:0", "--set", "Sources:Enabled=false");
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("Bus:Transport", result.Error, StringComparison.Ordinal);
        Assert.Contains("Store:Kind", result.Error, StringComparison.Ordinal);
        Assert.Contains(role, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_detector_role_with_rabbitmq_but_the_memory_store_exits_2_naming_only_the_store()
    {
        // Nothing is reached: the role is validated before the bus is built.
        var result = await Run("run", "--role", "detector", "--urls", "http://127.0.0.1:0", "--set", "Sources:Enabled=false",
            "--set", "Bus:Transport=rabbitmq", "--set", "Bus:RabbitMq:Host=127.0.0.1", "--set", "Bus:RabbitMq:Port=1");
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("Store:Kind", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Bus:Transport", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_role_is_a_usage_error()
    {
        var result = await Run("run", "--role", "bogus");
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("bogus", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Scale:Partitions=3", "Scale:Partitions", "rabbitmq")]
    [InlineData("Scale:Partitions=0", "Scale:Partitions", "between 1 and 256")]
    [InlineData("Scale:Partitions=257", "Scale:Partitions", "between 1 and 256")]
    [InlineData("Scale:LogLength=5", "Scale:LogLength", "between 1000 and 100000000")]
    [InlineData("Scale:LogLength=0", "Scale:LogLength", "between 1000 and 100000000")]
    public async Task Bad_scale_configuration_stops_start_up_naming_the_key(string setting, string key, string reason)
    {
        var outFile = Repo.TempFile("alerts.jsonl");
        var result = await Run("replay", Repo.SampleTape, "--max", "--quiet", "--out", outFile, "--set", setting);
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains(key, result.Error, StringComparison.Ordinal);
        Assert.Contains(reason, result.Error, StringComparison.Ordinal);
        Assert.True(!File.Exists(outFile) || File.ReadAllText(outFile).Length == 0, "no alerts are written when start-up fails");
    }

    [Theory]
    [InlineData("Scale:Partitions=1")]
    [InlineData("Scale:LogLength=1000")]
    [InlineData("Scale:Checkpoint=false")]
    public async Task Valid_scale_settings_on_the_in_memory_transport_replay_normally(string setting)
    {
        var alerts = await Cli.ReplayAsync(Repo.SampleTape, "--set", setting).WaitAsync(Guard);
        Assert.Contains(alerts, a => a.Symbol == "NVDA" && a.Session == new DateOnly(2025, 1, 27));
    }
}
