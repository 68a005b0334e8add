using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace DeepSeekWatch.Delivery;

/// <summary>A dead letter as the operator API shows it: no URL, no secret.</summary>
internal sealed record DeadLetterView(
    string DeliveryId,
    string Route,
    string RouteKind,
    string AlertId,
    int Revision,
    string WebhookId,
    int Attempts,
    string? LastOutcome,
    DateTimeOffset? LastAttemptAt,
    DateTimeOffset? DeadLetteredAt,
    string? Reason)
{
    public static DeadLetterView From(DeliveryRecord d) =>
        new(d.Id, d.Route, d.RouteKind, d.AlertId, d.Revision, d.WebhookId, d.Attempts, d.LastOutcome, d.LastAttemptAt, d.CompletedAt, d.DeadLetterReason);
}

internal sealed record RedriveResult(int Redriven);

internal sealed record ProblemText(string Error);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(List<DeadLetterView>))]
[JsonSerializable(typeof(DeadLetterView))]
[JsonSerializable(typeof(RedriveResult))]
[JsonSerializable(typeof(ProblemText))]
internal sealed partial class DeliveryApiJsonContext : JsonSerializerContext;

public static class DeliveryEndpoints
{
    /// <summary>
    /// Operator API for dead letters (the same operations as <c>deepseekwatch deliveries</c>):
    /// <c>GET /api/deliveries/dead-letters</c>, <c>POST /api/deliveries/dead-letters/{deliveryId}/redrive</c>
    /// (404 unknown, 409 not a dead letter) and <c>POST /api/deliveries/dead-letters/redrive</c> (all).
    /// </summary>
    public static IEndpointRouteBuilder MapDeliveryEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/deliveries/dead-letters");
        group.MapGet("", async (DeliveryOperations ops, CancellationToken ct) =>
            Results.Json((await ops.ListDeadLettersAsync(ct)).Select(DeadLetterView.From).ToList(), DeliveryApiJsonContext.Default.ListDeadLetterView));
        group.MapPost("/{deliveryId}/redrive", async (string deliveryId, DeliveryOperations ops, CancellationToken ct) =>
        {
            try
            {
                return Results.Json(DeadLetterView.From(await ops.RedriveAsync(deliveryId, ct)), DeliveryApiJsonContext.Default.DeadLetterView);
            }
            catch (KeyNotFoundException ex)
            {
                return Results.Json(new ProblemText(ex.Message), DeliveryApiJsonContext.Default.ProblemText, statusCode: StatusCodes.Status404NotFound);
            }
            catch (InvalidOperationException ex)
            {
                return Results.Json(new ProblemText(ex.Message), DeliveryApiJsonContext.Default.ProblemText, statusCode: StatusCodes.Status409Conflict);
            }
        });
        group.MapPost("/redrive", async (DeliveryOperations ops, CancellationToken ct) =>
            Results.Json(new RedriveResult(await ops.RedriveAllAsync(ct)), DeliveryApiJsonContext.Default.RedriveResult));
        return endpoints;
    }
}
