using Microsoft.Extensions.Logging;

namespace DeepSeekWatch.Delivery;

/// <summary>
/// Every delivery log line. Routes appear by <c>{Route}</c> name only: URLs (Slack's carry a secret), signing secrets
/// and exception messages (which may quote a URL) are never logged; a failure is described by status or error kind.
/// </summary>
internal static partial class DeliveryLog
{
    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Planned delivery {DeliveryId} of alert {AlertId} r{Revision} to route {Route}, due {DueAt}")]
    public static partial void Planned(ILogger logger, string deliveryId, string alertId, int revision, string route, DateTimeOffset dueAt);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Debug, Message = "Alert {AlertId} r{Revision} not delivered to route {Route}: {Reason}")]
    public static partial void Skipped(ILogger logger, string alertId, int revision, string route, string reason);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Information, Message = "Delivered {DeliveryId} (alert {AlertId} r{Revision}) to route {Route} on attempt {Attempt}: HTTP {StatusCode}")]
    public static partial void Delivered(ILogger logger, string deliveryId, string alertId, int revision, string route, int attempt, int statusCode);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Warning, Message = "Delivery {DeliveryId} to route {Route} failed on attempt {Attempt} ({Outcome}); next attempt at {NextAttemptAt}")]
    public static partial void WillRetry(ILogger logger, string deliveryId, string route, int attempt, string outcome, DateTimeOffset nextAttemptAt);

    [LoggerMessage(EventId = 6005, Level = LogLevel.Error, Message = "Delivery {DeliveryId} (alert {AlertId} r{Revision}) to route {Route} dead-lettered after {Attempts} attempt(s): {Reason}")]
    public static partial void DeadLettered(ILogger logger, string deliveryId, string alertId, int revision, string route, int attempts, string reason);

    [LoggerMessage(EventId = 6006, Level = LogLevel.Error, Message = "Route {Route} answered 410 Gone and is disabled until its URL is reconfigured")]
    public static partial void RouteDisabled(ILogger logger, string route);

    [LoggerMessage(EventId = 6007, Level = LogLevel.Information, Message = "Route {Route} was reconfigured after a 410 and is enabled again")]
    public static partial void RouteReenabled(ILogger logger, string route);

    [LoggerMessage(EventId = 6008, Level = LogLevel.Information, Message = "Re-driving dead letter {DeliveryId} (alert {AlertId} r{Revision}) to route {Route}")]
    public static partial void Redriven(ILogger logger, string deliveryId, string alertId, int revision, string route);

    [LoggerMessage(EventId = 6010, Level = LogLevel.Error, Message = "Delivery {DeliveryId} to route {Route} could not be handled ({ErrorType}); it will be claimed again when its lease ends")]
    public static partial void DeliveryFailed(ILogger logger, string deliveryId, string route, string errorType);

    [LoggerMessage(EventId = 6009, Level = LogLevel.Error, Message = "Delivery dispatcher pass failed ({ErrorType}); it will run again")]
    public static partial void DispatchFailed(ILogger logger, string errorType);
}
