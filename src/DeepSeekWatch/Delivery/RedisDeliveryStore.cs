using System.Globalization;
using System.Text.Json;
using StackExchange.Redis;

namespace DeepSeekWatch.Delivery;

/// <summary>
/// The production store: everything under <c>Store:Redis:KeyPrefix</c> + <c>delivery:</c>. Pending deliveries are a
/// sorted set of due times (<c>due</c>) plus one JSON value per delivery (<c>item:{id}</c>); dead letters a sorted set by
/// time (<c>dead</c>); plus <c>plan:{route}:{alertId}</c>, <c>cooldown:{route}:{key}</c> and <c>disabled:{route}</c>.
/// Each decision is one Lua script, so it is atomic across instances. Semantics mirror <see cref="MemoryDeliveryStore"/>.
/// Times are passed in from the <see cref="TimeProvider"/>; Redis expiry is only used relatively, for garbage collection.
/// Keys are not hash-tagged: a single Redis (or a Sentinel-managed primary) is assumed, not a Cluster.
/// </summary>
internal sealed class RedisDeliveryStore(IConnectionMultiplexer redis, DeliveryOptions options) : IDeliveryStore
{
    private const string EnqueueScript = """
        if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
        redis.call('SET', KEYS[1], ARGV[1])
        redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
        return 1
        """;

    // Claimed deliveries stay in the due set, pushed to the end of the lease: a crashed claimer's work comes back.
    private const string ClaimScript = """
        local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
        local out = {}
        for _, id in ipairs(ids) do
          local json = redis.call('GET', ARGV[4] .. id)
          if json then
            redis.call('ZADD', KEYS[1], ARGV[2], id)
            table.insert(out, json)
          else
            redis.call('ZREM', KEYS[1], id)
          end
        end
        return out
        """;

    private const string SaveScript = """
        redis.call('SET', KEYS[1], ARGV[1])
        if ARGV[2] == 'pending' then
          redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
          redis.call('ZREM', KEYS[3], ARGV[4])
        elseif ARGV[2] == 'dead-lettered' then
          redis.call('ZREM', KEYS[2], ARGV[4])
          redis.call('ZADD', KEYS[3], ARGV[6], ARGV[4])
        else
          redis.call('ZREM', KEYS[2], ARGV[4])
          redis.call('ZREM', KEYS[3], ARGV[4])
          redis.call('EXPIRE', KEYS[1], ARGV[5])
        end
        return 1
        """;

    private const string AdvancePlanScript = """
        local cur = redis.call('GET', KEYS[1])
        local rev = 0
        local sent = 0
        if cur then
          local sep = string.find(cur, '|', 1, true)
          rev = tonumber(string.sub(cur, 1, sep - 1))
          sent = tonumber(string.sub(cur, sep + 1))
        end
        if rev >= tonumber(ARGV[1]) then return 0 end
        if ARGV[2] == '1' then sent = 1 end
        redis.call('SET', KEYS[1], ARGV[1] .. '|' .. sent, 'EX', ARGV[3])
        return 1
        """;

    private const string CooldownScript = """
        local held = redis.call('HMGET', KEYS[1], 'alertId', 'rank', 'until')
        if held[1] and held[2] and held[3] and tonumber(held[3]) > tonumber(ARGV[4])
           and held[1] ~= ARGV[1] and tonumber(ARGV[2]) <= tonumber(held[2]) then
          return 0
        end
        redis.call('HSET', KEYS[1], 'alertId', ARGV[1], 'rank', ARGV[2], 'until', ARGV[3])
        redis.call('PEXPIRE', KEYS[1], ARGV[5])
        return 1
        """;

    private string Prefix => options.RedisKeyPrefix + "delivery:";
    private RedisKey DueKey => Prefix + "due";
    private RedisKey DeadKey => Prefix + "dead";
    private string ItemPrefix => Prefix + "item:";
    private RedisKey ItemKey(string id) => ItemPrefix + id;
    private RedisKey PlanKey(string route, string alertId) => $"{Prefix}plan:{route}:{alertId}";
    private RedisKey CooldownKey(string route, string key) => $"{Prefix}cooldown:{route}:{key}";
    private RedisKey DisabledKey(string route) => $"{Prefix}disabled:{route}";
    private IDatabase Db => redis.GetDatabase();
    private long RetentionSeconds => (long)Math.Ceiling(options.Retention.TotalSeconds);

    private static long Ms(DateTimeOffset t) => t.ToUnixTimeMilliseconds();

    private static string Serialize(DeliveryRecord d) => JsonSerializer.Serialize(d, DeliveryJsonContext.Default.DeliveryRecord);

    private static DeliveryRecord Deserialize(string json) =>
        JsonSerializer.Deserialize(json, DeliveryJsonContext.Default.DeliveryRecord) ?? throw new JsonException("delivery JSON is null");

    public async Task<PlanState?> GetPlanStateAsync(string route, string alertId, CancellationToken cancellationToken = default)
    {
        var value = await Db.StringGetAsync(PlanKey(route, alertId));
        if (value.IsNullOrEmpty)
            return null;
        var text = value.ToString();
        var sep = text.IndexOf('|', StringComparison.Ordinal);
        return new PlanState(int.Parse(text[..sep], CultureInfo.InvariantCulture), text[(sep + 1)..] == "1");
    }

    public async Task<bool> TryAdvancePlanAsync(string route, string alertId, int revision, bool sent, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var result = await Db.ScriptEvaluateAsync(AdvancePlanScript, [PlanKey(route, alertId)], [revision, sent ? "1" : "0", RetentionSeconds]);
        return (long)result == 1;
    }

    public async Task<bool> TryTakeCooldownAsync(string route, string cooldownKey, CooldownEntry entry, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var ttl = Math.Max(1, Ms(entry.Until) - Ms(now));
        var result = await Db.ScriptEvaluateAsync(CooldownScript, [CooldownKey(route, cooldownKey)],
            [entry.AlertId, entry.SeverityRank, Ms(entry.Until), Ms(now), ttl]);
        return (long)result == 1;
    }

    public async Task<bool> EnqueueAsync(DeliveryRecord delivery, CancellationToken cancellationToken = default)
    {
        var result = await Db.ScriptEvaluateAsync(EnqueueScript, [ItemKey(delivery.Id), DueKey], [Serialize(delivery), Ms(delivery.DueAt), delivery.Id]);
        return (long)result == 1;
    }

    public async Task<IReadOnlyList<DeliveryRecord>> ClaimDueAsync(DateTimeOffset now, TimeSpan lease, int max, CancellationToken cancellationToken = default)
    {
        var result = await Db.ScriptEvaluateAsync(ClaimScript, [DueKey], [Ms(now), Ms(now + lease), max, ItemPrefix]);
        var items = (RedisResult[]?)result ?? [];
        return items.Select(r => Deserialize(r.ToString())).ToList();
    }

    public Task SaveAsync(DeliveryRecord delivery, CancellationToken cancellationToken = default) =>
        Db.ScriptEvaluateAsync(SaveScript, [ItemKey(delivery.Id), DueKey, DeadKey],
            [Serialize(delivery), delivery.State, Ms(delivery.DueAt), delivery.Id, RetentionSeconds, Ms(delivery.CompletedAt ?? delivery.DueAt)]);

    public async Task<DeliveryRecord?> GetAsync(string deliveryId, CancellationToken cancellationToken = default)
    {
        var value = await Db.StringGetAsync(ItemKey(deliveryId));
        return value.IsNullOrEmpty ? null : Deserialize(value.ToString());
    }

    public Task<IReadOnlyList<DeliveryRecord>> ListDeadLettersAsync(int max, CancellationToken cancellationToken = default) => ListAsync(DeadKey, max);

    public Task<IReadOnlyList<DeliveryRecord>> ListPendingAsync(int max, CancellationToken cancellationToken = default) => ListAsync(DueKey, max);

    private async Task<IReadOnlyList<DeliveryRecord>> ListAsync(RedisKey set, int max)
    {
        var ids = await Db.SortedSetRangeByRankAsync(set, 0, max - 1);
        if (ids.Length == 0)
            return [];
        var values = await Db.StringGetAsync(ids.Select(id => ItemKey(id.ToString())).ToArray());
        return values.Where(v => !v.IsNullOrEmpty).Select(v => Deserialize(v.ToString())).ToList();
    }

    public async Task<string?> GetDisabledFingerprintAsync(string route, CancellationToken cancellationToken = default)
    {
        var value = await Db.StringGetAsync(DisabledKey(route));
        return value.IsNullOrEmpty ? null : value.ToString();
    }

    public Task SetDisabledAsync(string route, string? fingerprint, CancellationToken cancellationToken = default) =>
        fingerprint is null ? Db.KeyDeleteAsync(DisabledKey(route)) : Db.StringSetAsync(DisabledKey(route), fingerprint);
}
