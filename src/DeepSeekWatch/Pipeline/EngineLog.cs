using System.Text.Json;
using DeepSeekWatch.Alerts;
using DeepSeekWatch.Contracts;
using DeepSeekWatch.Hosting;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace DeepSeekWatch.Pipeline;

/// <summary>One event of a stateful engine's input log: its position, the bus message id it came with, and the event.</summary>
public sealed record EngineLogEntry(string Id, Guid MessageId, object Message);

/// <summary>An event to append to an engine's log: the bus message id it came with, and the event.</summary>
public readonly record struct EngineEvent(Guid MessageId, object Message);

/// <summary>
/// The durable input log of a stateful engine (a detector partition, the sector-shock aggregator): every event the engine
/// consumed, in order, so a new owner rebuilds the same state by feeding them again. Each engine has one owner at a time:
/// <see cref="ClaimAsync"/> makes the caller the owner, and from then on appends by any earlier owner are refused, so an
/// owner that lost its partition without knowing cannot write after its successor. An append is also refused unless the
/// log still ends with the message the appender last appended (or read), so appends can be sent one after another
/// without waiting for each reply: if one of them does not land, none after it does, and the log never has a gap.
/// </summary>
public interface IEngineLog
{
    bool Enabled { get; }

    /// <summary>Makes <paramref name="owner"/> the engine's only writer (earlier owners' appends are refused from now on).</summary>
    Task ClaimAsync(string engine, string owner, CancellationToken cancellationToken);

    Task<IReadOnlyList<EngineLogEntry>> ReadAsync(string engine, CancellationToken cancellationToken);

    /// <summary>
    /// Appends the events, in order, all or none: when <paramref name="owner"/> still owns the engine and the log's last
    /// entry is the message <paramref name="expectedLast"/> (null: the log is empty); returns false when refused (fenced).
    /// </summary>
    Task<bool> AppendAsync(string engine, string owner, Guid? expectedLast, IReadOnlyList<EngineEvent> events, CancellationToken cancellationToken);
}

/// <summary>No log: the engine's state lives in this process only (the embedded pair, and every replay).</summary>
public sealed class NoEngineLog : IEngineLog
{
    public static readonly NoEngineLog Instance = new();

    public bool Enabled => false;

    public Task ClaimAsync(string engine, string owner, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<IReadOnlyList<EngineLogEntry>> ReadAsync(string engine, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<EngineLogEntry>>([]);

    public Task<bool> AppendAsync(string engine, string owner, Guid? expectedLast, IReadOnlyList<EngineEvent> events, CancellationToken cancellationToken) => Task.FromResult(true);
}

/// <summary>
/// The engine log as one Redis stream per engine (<c>{prefix}engine:{name}:log</c>, capped at <c>Scale:LogLength</c>)
/// and its owner's token (<c>{prefix}engine:{name}:owner</c>).
/// </summary>
public sealed class RedisEngineLog(IConnectionMultiplexer redis, IOptions<StoreOptions> store, IOptions<ScaleOptions> scale) : IEngineLog
{
    private const int Page = 5_000;

    // Appends only for the current owner, and only when the stream still ends with the message the owner expects: the
    // fence between an old and a new owner, and between an append that was lost and the ones sent after it.
    // KEYS: the stream, the owner key; ARGV: owner token, expected last message id ('' for none), MAXLEN, then
    // (message id, type, data) for each event.
    private const string Append = """
        if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
        local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
        local lastMessage = ''
        if #last > 0 then
          local fields = last[1][2]
          for i = 1, #fields, 2 do
            if fields[i] == 'm' then lastMessage = fields[i + 1] end
          end
        end
        if lastMessage ~= ARGV[2] then return -1 end
        for i = 4, #ARGV, 3 do
          redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*', 'm', ARGV[i], 't', ARGV[i + 1], 'd', ARGV[i + 2])
        end
        return 1
        """;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public bool Enabled => true;

    private string Key(string engine) => $"{store.Value.Redis.KeyPrefix}engine:{engine}:log";

    private string OwnerKey(string engine) => $"{store.Value.Redis.KeyPrefix}engine:{engine}:owner";

    public Task ClaimAsync(string engine, string owner, CancellationToken cancellationToken) =>
        redis.GetDatabase().StringSetAsync(OwnerKey(engine), owner);

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

    public async Task<bool> AppendAsync(string engine, string owner, Guid? expectedLast, IReadOnlyList<EngineEvent> events, CancellationToken cancellationToken)
    {
        var args = new RedisValue[3 + 3 * events.Count];
        args[0] = owner;
        args[1] = expectedLast is { } last ? last.ToString("N") : "";
        args[2] = scale.Value.LogLength;
        for (var i = 0; i < events.Count; i++)
        {
            var (type, data) = Encode(events[i].Message);
            args[3 + 3 * i] = events[i].MessageId.ToString("N");
            args[4 + 3 * i] = type;
            args[5 + 3 * i] = data;
        }
        var result = await redis.GetDatabase().ScriptEvaluateAsync(Append, [Key(engine), OwnerKey(engine)], args);
        return (int)result == 1;
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
