using DeepSeekWatch.Alerts;
using DeepSeekWatch.Contracts;
using StackExchange.Redis;

namespace DeepSeekWatch.IntegrationTests.Chaos;

/// <summary>One write the store announced on its stream: an alert id and the revision written.</summary>
public sealed record StoredWrite(string AlertId, int Revision);

/// <summary>
/// What a chaos run did to the alerts, counted against the expected set (the alerts of the same tape replayed on the
/// embedded pair with no faults), the way RabbitMQ's Jepsen checker counts lost and duplicated messages:
/// <list type="bullet">
/// <item><b>Lost</b>: an expected alert that is missing from the store, or stored in another form (an older revision,
/// other content).</item>
/// <item><b>Duplicated</b>: one alert revision written more than once (two stream entries for the same id and revision:
/// a redelivered message that the idempotent upsert failed to absorb).</item>
/// <item><b>Unexpected</b>: a stored alert that the expected set does not hold.</item>
/// </list>
/// </summary>
public sealed record ChaosVerdict(IReadOnlyList<string> Lost, IReadOnlyList<string> Duplicated, IReadOnlyList<string> Unexpected, int Expected, int Stored)
{
    /// <summary>For lost alerts that are stored in another form: which fields differ (for the failure message).</summary>
    public IReadOnlyList<string> Differences { get; init; } = [];

    public bool Clean => Lost.Count == 0 && Duplicated.Count == 0 && Unexpected.Count == 0;

    public override string ToString() =>
        $"expected {Expected}, stored {Stored}; lost {Lost.Count}, duplicated {Duplicated.Count}, unexpected {Unexpected.Count}" +
        (Clean ? "" : $"\n lost: {string.Join(", ", Lost.Take(10))}\n differences: {string.Join("; ", Differences.Take(5))}\n duplicated: {string.Join(", ", Duplicated.Take(10))}\n unexpected: {string.Join(", ", Unexpected.Take(10))}");
}

public static class AlertSetChecker
{
    /// <summary>Compares the stored alerts and the store's write log with the expected alerts (latest revision each).</summary>
    public static ChaosVerdict Check(IReadOnlyCollection<Alert> expected, IReadOnlyCollection<Alert> stored, IReadOnlyCollection<StoredWrite> writes)
    {
        var want = expected.ToDictionary(a => a.AlertId, AlertJson.Serialize, StringComparer.Ordinal);
        var have = new Dictionary<string, string>(StringComparer.Ordinal);
        var duplicated = new List<string>();
        foreach (var a in stored)
        {
            if (!have.TryAdd(a.AlertId, AlertJson.Serialize(a)))
                duplicated.Add($"{a.AlertId} (stored twice)");
        }
        duplicated.AddRange(writes.GroupBy(w => w).Where(g => g.Count() > 1).Select(g => $"{g.Key.AlertId}#{g.Key.Revision} (written {g.Count()} times)"));
        var lost = want.Where(kv => !have.TryGetValue(kv.Key, out var json) || json != kv.Value).Select(kv => kv.Key).Order(StringComparer.Ordinal).ToList();
        var unexpected = have.Keys.Where(id => !want.ContainsKey(id)).Order(StringComparer.Ordinal).ToList();
        var differences = lost.Where(have.ContainsKey).Select(id => $"{id}: {Diff(want[id], have[id])}").ToList();
        return new ChaosVerdict(lost, duplicated, unexpected, want.Count, have.Count) { Differences = differences };
    }

    private static string Diff(string expectedJson, string storedJson)
    {
        using var e = System.Text.Json.JsonDocument.Parse(expectedJson);
        using var s = System.Text.Json.JsonDocument.Parse(storedJson);
        var stored = s.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetRawText(), StringComparer.Ordinal);
        return string.Join(", ", e.RootElement.EnumerateObject()
            .Where(p => !stored.TryGetValue(p.Name, out var v) || v != p.Value.GetRawText())
            .Select(p => $"{p.Name} expected {Trim(p.Value.GetRawText())} stored {Trim(stored.GetValueOrDefault(p.Name, "(none)"))}"));
    }

    private static string Trim(string s) => s.Length <= 120 ? s : s[..120] + "...";

    /// <summary>Reads every alert under <paramref name="prefix"/> and the store's write stream, then checks them.</summary>
    public static async Task<ChaosVerdict> CheckRedisAsync(string redisConfiguration, string prefix, IReadOnlyCollection<Alert> expected)
    {
        using var redis = await ConnectionMultiplexer.ConnectAsync(redisConfiguration);
        var db = redis.GetDatabase();
        var server = redis.GetServer(redis.GetEndPoints()[0]);
        var stored = new List<Alert>();
        await foreach (var key in server.KeysAsync(pattern: $"{prefix}alert:*", pageSize: 500))
        {
            if (await db.HashGetAsync(key, "json") is { HasValue: true } json)
                stored.Add(AlertJson.Deserialize(json.ToString()));
        }
        var writes = new List<StoredWrite>();
        foreach (var entry in await db.StreamRangeAsync($"{prefix}alerts:stream"))
        {
            var id = entry["alertId"];
            var revision = entry["revision"];
            if (id.HasValue && revision.HasValue)
                writes.Add(new StoredWrite(id.ToString(), (int)revision));
        }
        return Check(expected, stored, writes);
    }
}
