using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using DeepSeekWatch.Contracts;

namespace DeepSeekWatch.Alerts;

/// <summary>
/// The one JSON form of an alert (contracts.md §2), shared by <c>replay --out</c>, the alert store, the HTTP API and
/// webhook deliveries: camelCase, times as ISO-8601 UTC with <c>Z</c>, the session as <c>yyyy-MM-dd</c>, nulls written.
/// </summary>
public static class AlertJson
{
    // Readable output: apostrophes and non-ASCII letters in headlines stay as they are (the output is UTF-8 JSON, not HTML).
    private static readonly AlertJsonContext Context = new(new JsonSerializerOptions(AlertJsonContext.Default.Options)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    public static JsonSerializerOptions Options => Context.Options;

    public static string Serialize(Alert alert) => JsonSerializer.Serialize(alert, Context.Alert);

    public static byte[] SerializeToUtf8(Alert alert) => JsonSerializer.SerializeToUtf8Bytes(alert, Context.Alert);

    public static Alert Deserialize(string json) =>
        JsonSerializer.Deserialize(json, Context.Alert) ?? throw new JsonException("alert JSON is null");

    public static Alert Deserialize(ReadOnlySpan<byte> utf8) =>
        JsonSerializer.Deserialize(utf8, Context.Alert) ?? throw new JsonException("alert JSON is null");
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    Converters = [typeof(UtcDateTimeOffsetConverter), typeof(IsoDateOnlyConverter)])]
[JsonSerializable(typeof(Alert))]
[JsonSerializable(typeof(List<Alert>))]
internal sealed partial class AlertJsonContext : JsonSerializerContext;

/// <summary>Writes <see cref="DateTimeOffset"/> as UTC with <c>Z</c>; reads any ISO-8601 time with an offset.</summary>
public sealed class UtcDateTimeOffsetConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString();
        if (!Replay.TapeTime.TryParse(text, out var value))
            throw new JsonException($"'{text}' is not an ISO-8601 time with an offset");
        return value;
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(Replay.TapeTime.Format(value));
}

/// <summary>Writes and reads <see cref="DateOnly"/> as <c>yyyy-MM-dd</c>.</summary>
public sealed class IsoDateOnlyConverter : JsonConverter<DateOnly>
{
    public override DateOnly Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        DateOnly.ParseExact(reader.GetString()!, "yyyy-MM-dd", CultureInfo.InvariantCulture);

    public override void Write(Utf8JsonWriter writer, DateOnly value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
}
