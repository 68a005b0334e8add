using System.Text.Json;
using DeepSeekWatch.Alerts;
using DeepSeekWatch.Contracts;

namespace DeepSeekWatch.Delivery;

/// <summary>
/// The body of a webhook delivery: one CloudEvents 1.0 event in structured JSON mode
/// (<c>application/cloudevents+json</c>) whose <c>data</c> is the alert in its one JSON form (<see cref="AlertJson"/>).
/// Written by hand with <see cref="Utf8JsonWriter"/> so the bytes signed are exactly the bytes sent.
/// </summary>
internal static class CloudEventEnvelope
{
    public const string ContentType = "application/cloudevents+json";
    public const string Source = "/deepseekwatch";

    /// <summary>Differs per revision, so a receiver de-duplicating on the event id still sees each update.</summary>
    public static string EventId(Alert alert) => $"{alert.AlertId}-r{alert.Revision}";

    public static byte[] Build(Alert alert)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("specversion", "1.0");
            writer.WriteString("id", EventId(alert));
            writer.WriteString("source", Source);
            writer.WriteString("type", TapeEventTypes.Alert);
            writer.WriteString("subject", alert.Symbol ?? alert.Group);
            writer.WriteString("time", Replay.TapeTime.Format(alert.At));
            writer.WriteString("datacontenttype", "application/json");
            writer.WritePropertyName("data");
            writer.WriteRawValue(AlertJson.SerializeToUtf8(alert), skipInputValidation: true);
            writer.WriteEndObject();
        }
        return buffer.ToArray();
    }
}
