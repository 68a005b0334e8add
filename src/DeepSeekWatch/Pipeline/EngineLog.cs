using System.Text.Json;
using DeepSeekWatch.Alerts;
using DeepSeekWatch.Contracts;
using DeepSeekWatch.Hosting;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace DeepSeekWatch.Pipeline;

/// <summary>One event of a stateful engine's input log: its position, the bus message id it came with, and the event.</summary>
public sealed record EngineLogEntry(string Id, Guid MessageId, object Message);

/// <summary>
/// The durable input log of a stateful engine (a detector partition, the sector-shock aggregator): every event the engine
/// consumed, in order, so a new owner rebuilds the same state by feeding them again. Appends are fenced: one succeeds only
/// if the log still ends where the appender last saw it, so an owner that lost its partition without knowing cannot
/// write after its successor.
/// </summary>
public interface IEngineLog
{
    bool Enabled { get; }

    Task<IReadOnlyList<EngineLogEntry>> ReadAsync(string engine, CancellationToken cancellationToken);

    /// <summary>Appends after <paramref name="expectedLast"/>; returns the new last id, or null when the log has moved on (fenced).</summary>
    Task<string?> AppendAsync(string engine, string expectedLast, Guid messageId, object message, CancellationToken cancellationToken);
}

/// <summary>No log: the engine's state lives in this process only (the embedded pair, and every replay).</summary>
public sealed class NoEngineLog : IEngineLog
{
    public static readonly NoEngineLog Instance = new();

    public bool Enabled => false;

    public Task<IReadOnlyList<EngineLogEntry>> ReadAsync(string engine, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<EngineLogEntry>>([]);

    public Task<string?> AppendAsync(string engine, string expectedLast, Guid messageId, object message, CancellationToken cancellationToken) => Task.FromResult<string?>(expectedLast);
}

/// <summary>The engine log as one Redis stream per engine (<c>{prefix}engine:{name}:log</c>), capped at <c>Scale:LogLength</c>.</summary>
public sealed class RedisEngineLog(IConnectionMultiplexer redis, IOptions<StoreOptions> store, IOptions<ScaleOptions> scale) : IEngineLog
{
    public const string Empty = "0-0";
    private const int Page = 5_000;

    // Appends only when the stream still ends at ARGV[1]: the fence between an old and a new owner of a partition.
    private static readonly LuaScript Append = LuaScript.Prepare("""
        local last = redis.call('XREVRANGE', @key, '+', '-', 'COUNT', 1)
        local lastId = '0-0'
        if #last > 0 then lastId = last[1][1] end
        if lastId ~= @expected then return {0, lastId} end
        local id = redis.call('XADD', @key, 'MAXLEN', '~', @maxlen, '*', 'm', @message, 't', @type, 'd', @data)
        return {1, id}
        """);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public bool Enabled => true;

    private string Key(string engine) => $"{store.Value.Redis.KeyPrefix}engine:{engine}:log";

    public async Task<IReadOnlyList<EngineLogEntry>> ReadAsync(string engine, CancellationToken cancellationToken)
    {
        var db = redis.GetDatabase();
        var entries = new List<EngineLogEntry>();
        RedisValue from = "-";
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var page = await db.StreamRangeAsync(Key(engine), from, "+", Page);
            foreach (var e in page)
            {
                var values = e.Values.ToDictionary(v => v.Name.ToString(), v => v.Value);
                entries.Add(new EngineLogEntry(e.Id!, Guid.Parse(values["m"].ToString()), Decode(values["t"].ToString(), values["d"].ToString())));
            }
            if (page.Length < Page)
                return entries;
            from = "(" + page[^1].Id;
        }
    }

    public async Task<string?> AppendAsync(string engine, string expectedLast, Guid messageId, object message, CancellationToken cancellationToken)
    {
        var (type, data) = Encode(message);
        var result = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(Append, new
        {
            key = (RedisKey)Key(engine),
            expected = expectedLast,
            maxlen = scale.Value.LogLength,
            message = messageId.ToString("N"),
            type,
            data,
        }))!;
        return (int)result[0] == 1 ? result[1].ToString() : null;
    }

    internal static (string Type, string Data) Encode(object message) => message switch
    {
        PriceBarObserved m => ("bar", JsonSerializer.Serialize(m, Json)),
        AiHeadlineDetected m => ("headline", JsonSerializer.Serialize(m, Json)),
        ClockAdvanced m => ("clock", JsonSerializer.Serialize(m, Json)),
        GroupMemberChanged m => ("member", JsonSerializer.Serialize(m, Json)),
        GroupProgress m => ("progress", JsonSerializer.Serialize(m, Json)),
        _ => throw new ArgumentException($"no log encoding for {message.GetType().Name}", nameof(message)),
    };

    internal static object Decode(string type, string data) => type switch
    {
        "bar" => JsonSerializer.Deserialize<PriceBarObserved>(data, Json)!,
        "headline" => JsonSerializer.Deserialize<AiHeadlineDetected>(data, Json)!,
        "clock" => JsonSerializer.Deserialize<ClockAdvanced>(data, Json)!,
        "member" => JsonSerializer.Deserialize<GroupMemberChanged>(data, Json)!,
        "progress" => JsonSerializer.Deserialize<GroupProgress>(data, Json)!,
        _ => throw new InvalidDataException($"engine log entry of unknown type '{type}'"),
    };
}
