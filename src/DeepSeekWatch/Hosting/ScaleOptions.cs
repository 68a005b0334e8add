using Microsoft.Extensions.Options;

namespace DeepSeekWatch.Hosting;

/// <summary>Configuration section <c>Scale</c>: partitioned detection and the detector's checkpoint (docs/scaling.md).</summary>
public sealed class ScaleOptions
{
    public const string Section = "Scale";

    /// <summary>
    /// <c>Scale:Partitions</c>: K, the detector partition queues bars are routed to by a stable hash of the symbol (default
    /// 1: one detector queue). More than 1 needs <c>Bus:Transport=rabbitmq</c>; every process of a deployment must use the same K.
    /// </summary>
    public int Partitions { get; set; } = 1;

    /// <summary>
    /// <c>Scale:Checkpoint</c>: keep each detector partition's input log in Redis so that a new owner of the partition (a
    /// standby taking over, a restarted process) rebuilds its state before consuming (default true; needs
    /// <c>Store:Kind=redis</c>, otherwise there is nothing to keep it in). <c>replay</c> never uses it: a replay starts fresh.
    /// </summary>
    public bool Checkpoint { get; set; } = true;

    /// <summary><c>Scale:LogLength</c>: events kept per partition log (approximately; oldest trimmed first). Default 200000.</summary>
    public int LogLength { get; set; } = 200_000;
}

internal sealed class ScaleOptionsValidator(IOptions<BusOptions> bus) : IValidateOptions<ScaleOptions>
{
    public ValidateOptionsResult Validate(string? name, ScaleOptions o)
    {
        var errors = new List<string>();
        if (o.Partitions is < 1 or > 256)
            errors.Add($"Scale:Partitions: {o.Partitions} must be between 1 and 256");
        else if (o.Partitions > 1 && !bus.Value.IsRabbitMq)
            errors.Add($"Scale:Partitions: {o.Partitions} partitions need Bus:Transport=rabbitmq (the in-memory transport runs one detector)");
        if (o.LogLength is < 1_000 or > 100_000_000)
            errors.Add($"Scale:LogLength: {o.LogLength} must be between 1000 and 100000000");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
