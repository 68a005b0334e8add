using Microsoft.Extensions.Options;

namespace DeepSeekWatch.Hosting;

/// <summary>Configuration section <c>Bus</c>: which transport carries the pipeline's messages.</summary>
public sealed class BusOptions
{
    public const string Section = "Bus";
    public const string InMemory = "inmemory";
    public const string RabbitMqTransport = "rabbitmq";

    /// <summary><c>Bus:Transport</c>: <c>inmemory</c> (default) or <c>rabbitmq</c>.</summary>
    public string Transport { get; set; } = InMemory;

    /// <summary><c>Bus:EndpointPrefix</c>: prefix of every receive endpoint (queue) name.</summary>
    public string EndpointPrefix { get; set; } = "deepseekwatch-";

    /// <summary>
    /// <c>Bus:DetectorConcurrency</c>: deliveries the detector endpoint takes at once on RabbitMQ; the detector still
    /// handles them one at a time in the queue's order (<c>DeliverySequencer</c>), what overlaps is the bus's own work per
    /// message, each message's engine-log append, store write and output confirms. Unset: <see cref="WithEngineLog"/>
    /// (16) when the detector keeps its engine log in Redis (<c>run</c> with <c>Scale:Checkpoint</c>), whose appends then
    /// overlap; otherwise <see cref="WithoutEngineLog"/> (1), as more was no faster on two cores (docs/performance.md).
    /// The in-memory transport always takes one at a time.
    /// </summary>
    public int? DetectorConcurrency { get; set; }

    public const int WithEngineLog = 16;
    public const int WithoutEngineLog = 1;

    /// <summary><c>Bus:StartTimeout</c>: how long start-up waits for the bus (and its topology) before failing.</summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(60);

    public RabbitMqOptions RabbitMq { get; set; } = new();

    public bool IsRabbitMq => string.Equals(Transport, RabbitMqTransport, StringComparison.OrdinalIgnoreCase);
}

/// <summary>Configuration section <c>Bus:RabbitMq</c>.</summary>
public sealed class RabbitMqOptions
{
    public string Host { get; set; } = "127.0.0.1";

    public int Port { get; set; } = 5672;

    public string VirtualHost { get; set; } = "/";

    public string Username { get; set; } = "guest";

    public string Password { get; set; } = "guest";

    /// <summary><c>Bus:RabbitMq:QuorumQueues</c>: declare receive endpoints as durable quorum queues (default true).</summary>
    public bool QuorumQueues { get; set; } = true;

    /// <summary><c>Bus:RabbitMq:PrefetchCount</c>: unacknowledged messages per endpoint (default 64), except the detector's.</summary>
    public int PrefetchCount { get; set; } = 64;

    /// <summary>
    /// <c>Bus:RabbitMq:DetectorPrefetchCount</c>: unacknowledged messages on the detector's queues (the one detector
    /// endpoint, or each partition's and the sector-shock aggregator's), default 256. Each has a single active consumer
    /// that takes one message at a time, and a quorum queue gives a consumer its next message only once an earlier
    /// acknowledgement is committed, so a wider window keeps it fed (docs/performance.md, "Results with the detector's
    /// prefetch").
    /// </summary>
    public int DetectorPrefetchCount { get; set; } = 256;

    public const string RawSerializer = "raw";
    public const string EnvelopeSerializer = "envelope";

    /// <summary>
    /// <c>Bus:RabbitMq:Serializer</c>: how messages are written to the broker. <c>raw</c> (default): the message's own
    /// JSON as the body (<c>application/json</c>), its type, ids and source in AMQP headers (<c>MT-MessageType</c>,
    /// <c>MessageId</c>, ...); about a fifth less CPU per bar end to end than <c>envelope</c>, MassTransit's JSON envelope
    /// (<c>application/vnd.masstransit+json</c>, docs/performance.md "Results with raw JSON on the bus"). Both are
    /// always read (the raw form needs its <c>MT-MessageType</c> header), so instances with either setting share a
    /// broker; a build from before this setting reads only <c>envelope</c>: keep <c>envelope</c> until every instance
    /// is upgraded.
    /// </summary>
    public string Serializer { get; set; } = RawSerializer;

    /// <summary>
    /// <c>Bus:RabbitMq:ConsumerCheckInterval</c>: how often the consumer watchdog asks the broker about each queue
    /// MassTransit reports it consumes (default 10 s; <c>00:00:00</c> turns the watchdog off). See
    /// <see cref="DeepSeekWatch.Pipeline.ConsumerWatchdog"/> and docs/reliability.md, Finding 7.
    /// </summary>
    public TimeSpan ConsumerCheckInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// <c>Bus:RabbitMq:ConsumerCheckGrace</c>: how long a queue may hold ready messages with no consumer on it while
    /// MassTransit reports its endpoint ready before the watchdog restarts the bus (default 30 s).
    /// </summary>
    public TimeSpan ConsumerCheckGrace { get; set; } = TimeSpan.FromSeconds(30);

    public bool IsRawSerializer => string.Equals(Serializer, RawSerializer, StringComparison.OrdinalIgnoreCase);
}

internal sealed class BusOptionsValidator : IValidateOptions<BusOptions>
{
    public ValidateOptionsResult Validate(string? name, BusOptions o)
    {
        var errors = new List<string>();
        if (!string.Equals(o.Transport, BusOptions.InMemory, StringComparison.OrdinalIgnoreCase) && !o.IsRabbitMq)
            errors.Add($"Bus:Transport: '{o.Transport}' is not one of inmemory, rabbitmq");
        if (o.DetectorConcurrency is < 1 or > 256)
            errors.Add($"Bus:DetectorConcurrency: {o.DetectorConcurrency} must be between 1 and 256");
        if (o.StartTimeout <= TimeSpan.Zero)
            errors.Add($"Bus:StartTimeout: {o.StartTimeout} must be positive");
        if (string.IsNullOrWhiteSpace(o.EndpointPrefix) || o.EndpointPrefix.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
            errors.Add($"Bus:EndpointPrefix: '{o.EndpointPrefix}' may hold only letters, digits, '-', '_' and '.'");
        if (o.IsRabbitMq)
        {
            var r = o.RabbitMq;
            if (string.IsNullOrWhiteSpace(r.Host))
                errors.Add("Bus:RabbitMq:Host: is empty");
            if (r.Port is < 1 or > 65535)
                errors.Add($"Bus:RabbitMq:Port: {r.Port} is not a port number");
            if (string.IsNullOrWhiteSpace(r.VirtualHost))
                errors.Add("Bus:RabbitMq:VirtualHost: is empty");
            if (string.IsNullOrEmpty(r.Username))
                errors.Add("Bus:RabbitMq:Username: is empty");
            if (r.PrefetchCount is < 1 or > 10_000)
                errors.Add($"Bus:RabbitMq:PrefetchCount: {r.PrefetchCount} must be between 1 and 10000");
            if (r.DetectorPrefetchCount is < 1 or > 10_000)
                errors.Add($"Bus:RabbitMq:DetectorPrefetchCount: {r.DetectorPrefetchCount} must be between 1 and 10000");
            if (!r.IsRawSerializer && !string.Equals(r.Serializer, RabbitMqOptions.EnvelopeSerializer, StringComparison.OrdinalIgnoreCase))
                errors.Add($"Bus:RabbitMq:Serializer: '{r.Serializer}' is not one of raw, envelope");
            if (r.ConsumerCheckInterval < TimeSpan.Zero)
                errors.Add($"Bus:RabbitMq:ConsumerCheckInterval: {r.ConsumerCheckInterval} must not be negative (00:00:00 turns the check off)");
            if (r.ConsumerCheckGrace <= TimeSpan.Zero)
                errors.Add($"Bus:RabbitMq:ConsumerCheckGrace: {r.ConsumerCheckGrace} must be positive");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
