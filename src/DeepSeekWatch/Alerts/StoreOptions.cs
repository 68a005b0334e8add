using Microsoft.Extensions.Options;

namespace DeepSeekWatch.Alerts;

/// <summary>Configuration section <c>Store</c>: where alerts (and other durable state) are kept.</summary>
public sealed class StoreOptions
{
    public const string Section = "Store";
    public const string Memory = "memory";
    public const string RedisKind = "redis";

    /// <summary><c>Store:Kind</c>: <c>memory</c> (default) or <c>redis</c>.</summary>
    public string Kind { get; set; } = Memory;

    /// <summary><c>Store:Retention</c>: how long an alert is kept after it was last written (default 30 days).</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);

    /// <summary><c>Store:StreamMaxLength</c>: approximate cap of the alert stream read by Grafana and live readers.</summary>
    public int StreamMaxLength { get; set; } = 10_000;

    public RedisStoreOptions Redis { get; set; } = new();

    public bool IsRedis => string.Equals(Kind, RedisKind, StringComparison.OrdinalIgnoreCase);
}

/// <summary>Configuration section <c>Store:Redis</c>.</summary>
public sealed class RedisStoreOptions
{
    /// <summary><c>Store:Redis:Configuration</c>: a StackExchange.Redis configuration string (may hold a password: never logged).</summary>
    public string Configuration { get; set; } = "127.0.0.1:6379";

    /// <summary><c>Store:Redis:KeyPrefix</c>: prefix of every key (default <c>dsw:</c>), so deployments and tests can share a server.</summary>
    public string KeyPrefix { get; set; } = "dsw:";
}

internal sealed class StoreOptionsValidator : IValidateOptions<StoreOptions>
{
    public ValidateOptionsResult Validate(string? name, StoreOptions o)
    {
        var errors = new List<string>();
        if (!string.Equals(o.Kind, StoreOptions.Memory, StringComparison.OrdinalIgnoreCase) && !o.IsRedis)
            errors.Add($"Store:Kind: '{o.Kind}' is not one of memory, redis");
        if (o.Retention <= TimeSpan.Zero)
            errors.Add($"Store:Retention: {o.Retention} must be positive");
        if (o.StreamMaxLength < 1)
            errors.Add($"Store:StreamMaxLength: {o.StreamMaxLength} must be at least 1");
        if (o.IsRedis)
        {
            if (string.IsNullOrWhiteSpace(o.Redis.Configuration))
                errors.Add("Store:Redis:Configuration: is empty");
            else
            {
                try
                {
                    StackExchange.Redis.ConfigurationOptions.Parse(o.Redis.Configuration);
                }
                catch (ArgumentException)
                {
                    // The string may hold a password: say that it is malformed, not what it is.
                    errors.Add("Store:Redis:Configuration: is not a valid StackExchange.Redis configuration string");
                }
            }
            if (string.IsNullOrEmpty(o.Redis.KeyPrefix))
                errors.Add("Store:Redis:KeyPrefix: is empty");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
