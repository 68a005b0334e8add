using System.Text;
using System.Text.Json;
using DeepSeekWatch.Contracts;
using DeepSeekWatch.Pipeline;
using MassTransit;
using MassTransit.Metadata;
using MassTransit.Serialization;
using RabbitMQ.Client;

namespace DeepSeekWatch.Perf;

/// <summary>
/// A bar as MassTransit puts it on the wire with the configured <c>Bus:RabbitMq:Serializer</c>, for the ceiling's plain
/// client to send messages of the same shape: with <c>raw</c> the bar's JSON as the body and MassTransit's transport
/// headers (ids, message type, source address, host) beside it; with <c>envelope</c> the JSON envelope holding all of
/// those as the body. <see cref="Bytes"/> is the body plus the headers' names and values.
/// </summary>
internal sealed record BarWire(byte[] Body, string ContentType, IDictionary<string, object?>? Headers)
{
    private const string SourceAddress = "rabbitmq://127.0.0.1/broker/host_deepseekwatch_bus_abcdefghijklmnopqrstuvwxyz?temporary=true";
    private const string MessageType = "urn:message:DeepSeekWatch.Contracts:PriceBarObserved";

    public int Bytes => Body.Length + (Headers?.Sum(h => Encoding.UTF8.GetByteCount(h.Key) + (h.Value is byte[] b ? b.Length : Encoding.UTF8.GetByteCount(h.Value?.ToString() ?? ""))) ?? 0);

    public static BarWire Of(PriceBarObserved bar, bool raw) => raw ? Raw(bar) : Envelope(bar);

    /// <summary>
    /// New persistent properties carrying this shape (the body is sent as it is): one per publish, since RabbitMQ.Client
    /// adds its publish sequence number (<c>x-dotnet-pub-seq-no</c>) to the headers of a confirmed publish, as it does
    /// to MassTransit's.
    /// </summary>
    public BasicProperties Properties() => new() { Persistent = true, ContentType = ContentType, MessageId = Guid.NewGuid().ToString(), Headers = Headers is null ? null : new Dictionary<string, object?>(Headers) };

    private static BarWire Raw(PriceBarObserved bar) => new(
        JsonSerializer.SerializeToUtf8Bytes(bar, SystemTextJsonMessageSerializer.Options),
        "application/json",
        new Dictionary<string, object?>
        {
            [MessageHeaders.MessageId] = Guid.NewGuid().ToString(),
            [MessageHeaders.ConversationId] = Guid.NewGuid().ToString(),
            [MessageHeaders.MessageType] = MessageType,
            [MessageHeaders.SourceAddress] = SourceAddress,
            [MessageHeaders.Host.Info] = JsonSerializer.Serialize(HostMetadataCache.Host),
            [PipelineActivity.RunHeader] = Guid.NewGuid().ToString("N"),
        });

    private static BarWire Envelope(PriceBarObserved bar) => new(JsonSerializer.SerializeToUtf8Bytes(new
    {
        messageId = Guid.NewGuid(),
        requestId = (Guid?)null,
        correlationId = (Guid?)null,
        conversationId = Guid.NewGuid(),
        initiatorId = (Guid?)null,
        sourceAddress = SourceAddress,
        destinationAddress = "rabbitmq://127.0.0.1/broker/DeepSeekWatch.Contracts:PriceBarObserved",
        responseAddress = (string?)null,
        faultAddress = (string?)null,
        messageType = new[] { MessageType },
        message = bar,
        expirationTime = (DateTime?)null,
        sentTime = DateTime.UtcNow,
        headers = new Dictionary<string, string> { [PipelineActivity.RunHeader] = Guid.NewGuid().ToString("N") },
        host = HostMetadataCache.Host,
    }, SystemTextJsonMessageSerializer.Options), "application/vnd.masstransit+json", null);
}
