using System.Collections.Concurrent;
using StackExchange.Redis;

namespace DeepSeekWatch.Ingestion;

/// <summary>
/// What ingestion remembers across polls and restarts: which bars and headlines were already published (with a TTL),
/// and the start of the last bar published per (symbol, interval), from which backfill resumes.
/// </summary>
public interface IIngestionStateStore
{
    /// <summary>Marks <paramref name="key"/> as seen for <paramref name="ttl"/>; true when it was not seen before.</summary>
    Task<bool> TryMarkSeenAsync(string key, TimeSpan ttl, CancellationToken ct);

    /// <summary>Forgets a key marked by <see cref="TryMarkSeenAsync"/> (when publishing it failed).</summary>
    Task ForgetAsync(string key, CancellationToken ct);

    Task<DateTimeOffset?> GetLastBarStartAsync(string symbol, string interval, CancellationToken ct);

    /// <summary>Records the last published bar start; never moves backwards.</summary>
    Task SetLastBarStartAsync(string symbol, string interval, DateTimeOffset start, CancellationToken ct);
}

/// <summary>In-process state with TTLs measured on the injected <see cref="TimeProvider"/>.</summary>
public sealed class InMemoryIngestionStateStore(TimeProvider time) : IIngestionStateStore
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _seen = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _last = new(StringComparer.Ordinal);
    private int _writes;

    public Task<bool> TryMarkSeenAsync(string key, TimeSpan ttl, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if ((Interlocked.Increment(ref _writes) & 0x3FF) == 0)
            Sweep(now);
        var expires = now + ttl;
        while (true)
        {
            if (_seen.TryAdd(key, expires))
                return Task.FromResult(true);
            if (_seen.TryGetValue(key, out var existing))
            {
                if (existing > now)
                    return Task.FromResult(false);
                if (_seen.TryUpdate(key, expires, existing))
                    return Task.FromResult(true);
            }
        }
    }

    public Task ForgetAsync(string key, CancellationToken ct)
    {
        _seen.TryRemove(key, out _);
        return Task.CompletedTask;
    }

    public Task<DateTimeOffset?> GetLastBarStartAsync(string symbol, string interval, CancellationToken ct) =>
        Task.FromResult(_last.TryGetValue(LastKey(symbol, interval), out var v) ? v : (DateTimeOffset?)null);

    public Task SetLastBarStartAsync(string symbol, string interval, DateTimeOffset start, CancellationToken ct)
    {
        _last.AddOrUpdate(LastKey(symbol, interval), start, (_, old) => start > old ? start : old);
        return Task.CompletedTask;
    }

    private static string LastKey(string symbol, string interval) => $"{symbol}|{interval}";

    private void Sweep(DateTimeOffset now)
    {
        foreach (var pair in _seen)
            if (pair.Value <= now)
                _seen.TryRemove(pair);
    }
}

/// <summary>
/// Redis state: seen keys are <c>SET key 1 NX EX ttl</c>; last bar starts are plain strings of Unix milliseconds,
/// raised only by a small Lua script so the value never moves backwards. Keys: <c>{Store:Redis:KeyPrefix}ingest:...</c>.
/// </summary>
public sealed class RedisIngestionStateStore(IConnectionMultiplexer redis, string keyPrefix) : IIngestionStateStore
{
    private const string RaiseScript = """
        local cur = redis.call('GET', KEYS[1])
        if (not cur) or (tonumber(cur) < tonumber(ARGV[1])) then redis.call('SET', KEYS[1], ARGV[1]) end
        return 1
        """;

    public string SeenKey(string key) => $"{keyPrefix}ingest:seen:{key}";

    public string LastKey(string symbol, string interval) => $"{keyPrefix}ingest:last:{symbol}:{interval}";

    public Task<bool> TryMarkSeenAsync(string key, TimeSpan ttl, CancellationToken ct) =>
        redis.GetDatabase().StringSetAsync(SeenKey(key), "1", ttl, When.NotExists);

    public Task ForgetAsync(string key, CancellationToken ct) => redis.GetDatabase().KeyDeleteAsync(SeenKey(key));

    public async Task<DateTimeOffset?> GetLastBarStartAsync(string symbol, string interval, CancellationToken ct)
    {
        var value = await redis.GetDatabase().StringGetAsync(LastKey(symbol, interval));
        return value.HasValue && long.TryParse(value.ToString(), out var ms) ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
    }

    public Task SetLastBarStartAsync(string symbol, string interval, DateTimeOffset start, CancellationToken ct) =>
        redis.GetDatabase().ScriptEvaluateAsync(RaiseScript, [LastKey(symbol, interval)], [start.ToUnixTimeMilliseconds()]);
}
