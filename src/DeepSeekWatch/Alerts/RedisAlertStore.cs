using System.Globalization;
using DeepSeekWatch.Contracts;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace DeepSeekWatch.Alerts;

/// <summary>
/// The production alert store. One hash per alert keyed by id, written by a Lua script that keeps the higher revision
/// (so a write is idempotent and atomic), time-ordered sorted-set indexes (global, per symbol, per group, per kind),
/// a capped stream for Grafana and live readers, and a pub/sub announcement. Retention is a TTL on each alert's hash;
/// index entries whose alert has expired are dropped when a query meets them.
/// </summary>
public sealed class RedisAlertStore(IConnectionMultiplexer redis, IOptions<StoreOptions> options) : IAlertStore
{
    // KEYS: 1 alert hash, 2 by-time, 3 by-group, 4..6 by-kind (one per kind), 7..n-1 by-symbol, n stream.
    // ARGV: 1 id, 2 revision, 3 json, 4 at (ms), 5 ttl (ms), 6 symbol, 7 group, 8 kind, 9 index of the kind key,
    //       10 stream max length, 11 severity, 12 session, 13 returnPct, 14 abnormalReturnPct, 15 channel.
    private const string UpsertScript = """
        local cur = redis.call('HGET', KEYS[1], 'revision')
        if cur and tonumber(cur) >= tonumber(ARGV[2]) then return 0 end
        redis.call('HSET', KEYS[1], 'json', ARGV[3], 'revision', ARGV[2], 'at', ARGV[4], 'kind', ARGV[8])
        redis.call('PEXPIRE', KEYS[1], ARGV[5])
        redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
        redis.call('ZADD', KEYS[3], ARGV[4], ARGV[1])
        for i = 4, 6 do redis.call('ZREM', KEYS[i], ARGV[1]) end
        redis.call('ZADD', KEYS[tonumber(ARGV[9])], ARGV[4], ARGV[1])
        for i = 7, #KEYS - 1 do redis.call('ZADD', KEYS[i], ARGV[4], ARGV[1]) end
        redis.call('XADD', KEYS[#KEYS], 'MAXLEN', '~', ARGV[10], '*',
            'alertId', ARGV[1], 'revision', ARGV[2], 'kind', ARGV[8], 'symbol', ARGV[6], 'group', ARGV[7],
            'severity', ARGV[11], 'session', ARGV[12], 'returnPct', ARGV[13], 'abnormalReturnPct', ARGV[14], 'json', ARGV[3])
        redis.call('PUBLISH', ARGV[15], ARGV[3])
        if cur then return 2 end
        return 1
        """;

    private readonly RedisKeys _keys = new(options.Value.Redis.KeyPrefix);

    private IDatabase Db => redis.GetDatabase();

    public async Task<AlertWriteOutcome> UpsertAsync(Alert alert, CancellationToken cancellationToken = default)
    {
        var o = options.Value;
        var json = AlertJson.Serialize(alert);
        var keys = new List<RedisKey> { _keys.Alert(alert.AlertId), _keys.ByTime, _keys.ByGroup(alert.Group) };
        keys.AddRange(AlertKinds.All.Select(k => (RedisKey)_keys.ByKind(k)));
        var kindIndex = 4 + IndexOfKind(alert.Kind);
        foreach (var symbol in SymbolsOf(alert))
            keys.Add(_keys.BySymbol(symbol));
        keys.Add(_keys.Stream);
        RedisValue[] args =
        [
            alert.AlertId,
            alert.Revision,
            json,
            alert.At.ToUnixTimeMilliseconds(),
            (long)o.Retention.TotalMilliseconds,
            alert.Symbol ?? "",
            alert.Group,
            alert.Kind,
            kindIndex,
            o.StreamMaxLength,
            alert.Severity,
            alert.Session.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            Number(alert.ReturnPct),
            Number(alert.AbnormalReturnPct),
            _keys.Channel,
        ];
        var result = (long)await Db.ScriptEvaluateAsync(UpsertScript, [.. keys], args);
        return result switch
        {
            1 => AlertWriteOutcome.Inserted,
            2 => AlertWriteOutcome.Revised,
            _ => AlertWriteOutcome.Unchanged,
        };
    }

    public async Task<Alert?> GetAsync(string alertId, CancellationToken cancellationToken = default)
    {
        var json = await Db.HashGetAsync(_keys.Alert(alertId), "json");
        return json.IsNullOrEmpty ? null : AlertJson.Deserialize((string)json!);
    }

    public async Task<IReadOnlyList<Alert>> QueryAsync(AlertQuery query, CancellationToken cancellationToken = default)
    {
        var db = Db;
        RedisKey index = query.Symbol is not null ? _keys.BySymbol(query.Symbol)
            : query.Group is not null ? _keys.ByGroup(query.Group)
            : query.Kind is not null ? _keys.ByKind(query.Kind)
            : _keys.ByTime;
        var min = query.Since is { } since ? since.ToUnixTimeMilliseconds() : double.NegativeInfinity;
        var page = Math.Clamp(query.Limit * 2, 16, 1000);
        var result = new List<Alert>(Math.Min(query.Limit, 1000));
        for (long skip = 0; result.Count < query.Limit; skip += page)
        {
            var ids = await db.SortedSetRangeByScoreAsync(index, min, double.PositiveInfinity, Exclude.None, Order.Descending, skip, page);
            if (ids.Length == 0)
                break;
            var batch = db.CreateBatch();
            var reads = ids.Select(id => batch.HashGetAsync(_keys.Alert(id!), "json")).ToArray();
            batch.Execute();
            var jsons = await Task.WhenAll(reads);
            var expired = new List<RedisValue>();
            for (var i = 0; i < ids.Length && result.Count < query.Limit; i++)
            {
                if (jsons[i].IsNullOrEmpty)
                {
                    expired.Add(ids[i]);
                    continue;
                }
                var alert = AlertJson.Deserialize((string)jsons[i]!);
                if (AlertFilter.Matches(alert, query))
                    result.Add(alert);
            }
            if (expired.Count > 0)
                await db.SortedSetRemoveAsync(index, [.. expired]);
            if (ids.Length < page)
                break;
        }
        return result;
    }

    public async Task<IReadOnlyList<Alert>> ReadStreamAsync(int count, CancellationToken cancellationToken = default)
    {
        var entries = await Db.StreamRangeAsync(_keys.Stream, "-", "+", count, Order.Descending);
        return entries.Reverse().Select(e => AlertJson.Deserialize((string)e["json"]!)).ToList();
    }

    public async Task<bool> PingAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await Db.PingAsync();
            return true;
        }
        catch (RedisException)
        {
            return false;
        }
    }

    private static int IndexOfKind(string kind)
    {
        for (var i = 0; i < AlertKinds.All.Count; i++)
        {
            if (AlertKinds.All[i] == kind)
                return i;
        }
        throw new ArgumentException($"alert kind '{kind}' is not one of {string.Join(", ", AlertKinds.All)}", nameof(kind));
    }

    private static IEnumerable<string> SymbolsOf(Alert alert) =>
        (alert.Symbol is null ? alert.Members : alert.Members.Prepend(alert.Symbol)).Distinct(StringComparer.OrdinalIgnoreCase);

    private static RedisValue Number(double? value) => value is { } v ? v.ToString("R", CultureInfo.InvariantCulture) : "";
}
