using DeepSeekWatch.Alerts;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace DeepSeekWatch.Api;

/// <summary>Readiness of the alert store: Redis answers a PING (the memory store always does).</summary>
public sealed class StoreHealthCheck(IAlertStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(2));
        try
        {
            return await store.PingAsync(cts.Token) ? HealthCheckResult.Healthy("alert store answers") : HealthCheckResult.Unhealthy("alert store does not answer");
        }
        catch (Exception ex) when (ex is OperationCanceledException or StackExchange.Redis.RedisException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("alert store does not answer: " + ex.GetType().Name);
        }
    }
}
