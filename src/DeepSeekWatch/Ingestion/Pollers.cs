using System.Diagnostics;
using DeepSeekWatch.Contracts;
using DeepSeekWatch.Detection.Markets;
using DeepSeekWatch.Ingestion.Providers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DeepSeekWatch.Ingestion;

/// <summary>One provider's poll cycle; a Quartz job (or <c>record --cycles</c>) runs it.</summary>
public interface IPoller
{
    /// <summary>The job name and metrics' provider tag, e.g. <c>prices-yahoo-chart</c>.</summary>
    string Name { get; }

    /// <summary>Runs one cycle. Provider failures are logged and counted, never thrown; only cancellation and sink failures throw.</summary>
    Task<PollResult> PollAsync(CancellationToken ct);
}

public static class PollOutcomes
{
    public const string Ok = "ok";
    public const string Partial = "partial";
    public const string Failed = "failed";
    public const string Skipped = "skipped";
}

public sealed record PollResult(string Outcome, int Published, int Rejected, int Duplicates, int Failures);

/// <summary>
/// Polls one price provider for every watched symbol and interval. Each (symbol, interval) resumes from the last bar
/// it published (backfill after a restart or an outage), so missed bars are published once, in order.
/// </summary>
public sealed partial class PricePoller(
    IPriceProvider provider,
    IReadOnlyList<string> symbols,
    IIngestionStateStore store,
    IObservationSink sink,
    IngestionMetrics metrics,
    IOptionsMonitor<SourcesOptions> options,
    TimeProvider time,
    ILogger<PricePoller> logger) : IPoller
{
    public string Name => $"prices-{provider.Name}";

    public IPriceProvider Provider => provider;

    /// <summary>How far back a provider can serve an interval (Yahoo keeps 1m bars for about a week).</summary>
    private static TimeSpan MaxReach(string interval) => interval switch
    {
        "1m" => TimeSpan.FromDays(7),
        "5m" or "15m" => TimeSpan.FromDays(59),
        "1h" => TimeSpan.FromDays(700),
        _ => TimeSpan.FromDays(3650),
    };

    /// <summary>Whether prices are polled now: always when market hours are not enforced; else in the enabled sessions plus a grace period.</summary>
    public static bool IsPollingTime(DateTimeOffset now, MarketHoursOptions hours)
    {
        if (!hours.Enforce)
            return true;
        var date = NyseCalendar.SessionDate(now);
        if (!NyseCalendar.IsTradingDay(date))
            return false;
        var start = hours.PreMarket ? NyseCalendar.PreMarketStart(date) : NyseCalendar.RegularOpen(date);
        var end = (hours.AfterHours ? NyseCalendar.AfterHoursEnd(date) : NyseCalendar.RegularClose(date)) + hours.CloseGrace;
        return now >= start && now < end;
    }

    public async Task<PollResult> PollAsync(CancellationToken ct)
    {
        var o = options.CurrentValue;
        var started = time.GetTimestamp();
        var now = time.GetUtcNow();
        if (!IsPollingTime(now, o.MarketHours))
        {
            metrics.Poll(provider.Name, PollOutcomes.Skipped, TimeSpan.Zero);
            LogSkipped(provider.Name, now);
            return new PollResult(PollOutcomes.Skipped, 0, 0, 0, 0);
        }
        int published = 0, rejected = 0, duplicates = 0, failures = 0, requests = 0;
        foreach (var interval in o.Prices.EffectiveIntervals.Where(provider.Supports))
        {
            foreach (var symbol in symbols)
            {
                requests++;
                var last = await store.GetLastBarStartAsync(symbol, interval, ct);
                var lookback = interval == "1d" ? TimeSpan.FromDays(Math.Max(10, o.Prices.InitialLookback.TotalDays)) : o.Prices.InitialLookback;
                var from = last ?? now - lookback;
                if (from < now - MaxReach(interval))
                    from = now - MaxReach(interval);
                var batch = await provider.FetchBarsAsync(symbol, interval, from, now, ct);
                if (batch.FailureReason is { } reason)
                {
                    failures++;
                    rejected++;
                    metrics.Rejected(provider.Name, reason);
                    LogFetchFailed(provider.Name, symbol, interval, reason, batch.Detail ?? "");
                    continue;
                }
                foreach (var r in batch.ItemRejections)
                {
                    rejected++;
                    metrics.Rejected(provider.Name, r);
                }
                if (batch.ItemRejections.Count > 0)
                    LogItemsRejected(provider.Name, symbol, interval, batch.ItemRejections.Count, string.Join(',', batch.ItemRejections.Distinct()));
                foreach (var bar in batch.Bars.OrderBy(b => b.Start))
                {
                    if (last is { } l && bar.Start <= l)
                        continue; // published by an earlier cycle
                    var problem = BarRules.Check(bar, now);
                    if (problem == BarRules.Incomplete)
                        continue; // still forming: a later cycle publishes it
                    if (problem is null && interval != "1d" && !InEnabledSession(bar.Start, o.MarketHours))
                        continue; // an extended session that is switched off
                    if (problem is not null)
                    {
                        rejected++;
                        metrics.Rejected(provider.Name, problem);
                        LogBarRejected(provider.Name, symbol, interval, bar.Start, problem);
                        continue;
                    }
                    var key = BarRules.DedupeKey(symbol, interval, bar.Start);
                    if (!await store.TryMarkSeenAsync(key, o.Dedupe.BarTtl, ct))
                    {
                        duplicates++;
                        metrics.Duplicate(provider.Name, "bar");
                        continue;
                    }
                    var message = new PriceBarObserved(
                        $"{provider.Name}:{symbol}:{interval}:{bar.Start.ToUnixTimeSeconds()}", provider.Name, symbol, interval,
                        bar.Start, bar.End, bar.Open!.Value, bar.High!.Value, bar.Low!.Value, bar.Close!.Value, bar.Volume ?? 0, Replay: false);
                    try
                    {
                        await sink.PublishAsync(message, ct);
                    }
                    catch
                    {
                        await store.ForgetAsync(key, CancellationToken.None);
                        throw;
                    }
                    await store.SetLastBarStartAsync(symbol, interval, bar.Start, ct);
                    published++;
                }
            }
        }
        metrics.Published(provider.Name, "bar", published);
        var outcome = failures == 0 ? PollOutcomes.Ok : failures < requests ? PollOutcomes.Partial : PollOutcomes.Failed;
        metrics.Poll(provider.Name, outcome, time.GetElapsedTime(started));
        LogPolled(provider.Name, outcome, published, rejected, duplicates);
        return new PollResult(outcome, published, rejected, duplicates, failures);
    }

    private static bool InEnabledSession(DateTimeOffset start, MarketHoursOptions hours) => NyseCalendar.Phase(start) switch
    {
        MarketPhase.Regular => true,
        MarketPhase.PreMarket => hours.PreMarket,
        MarketPhase.AfterHours => hours.AfterHours,
        _ => false,
    };

    [LoggerMessage(Level = LogLevel.Debug, Message = "Price poll {Provider} skipped: market closed at {Now}")]
    private partial void LogSkipped(string provider, DateTimeOffset now);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Price fetch {Provider} {Symbol} {Interval} rejected: {Reason} ({Detail})")]
    private partial void LogFetchFailed(string provider, string symbol, string interval, string reason, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Price fetch {Provider} {Symbol} {Interval}: {Count} bars rejected ({Reasons})")]
    private partial void LogItemsRejected(string provider, string symbol, string interval, int count, string reasons);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Bar {Provider} {Symbol} {Interval} {Start} rejected: {Reason}")]
    private partial void LogBarRejected(string provider, string symbol, string interval, DateTimeOffset start, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Price poll {Provider}: {Outcome}, {Published} published, {Rejected} rejected, {Duplicates} duplicates")]
    private partial void LogPolled(string provider, string outcome, int published, int rejected, int duplicates);
}

/// <summary>
/// Polls headline sources around the clock (news breaks on weekends), validates, de-duplicates across every source by
/// canonical URL and normalised title, and publishes new headlines oldest first.
/// </summary>
public sealed partial class HeadlinePoller(
    string name,
    IReadOnlyList<IHeadlineSource> sources,
    IIngestionStateStore store,
    IObservationSink sink,
    IngestionMetrics metrics,
    IOptionsMonitor<SourcesOptions> options,
    TimeProvider time,
    ILogger<HeadlinePoller> logger) : IPoller
{
    public string Name => name;

    public IReadOnlyList<IHeadlineSource> Sources => sources;

    public async Task<PollResult> PollAsync(CancellationToken ct)
    {
        var o = options.CurrentValue;
        var started = time.GetTimestamp();
        var now = time.GetUtcNow();
        int published = 0, rejected = 0, duplicates = 0, failures = 0;
        foreach (var source in sources)
        {
            var batch = await source.FetchAsync(now, ct);
            if (batch.FailureReason is { } reason)
            {
                failures++;
                rejected++;
                metrics.Rejected(source.Provider, reason);
                LogFetchFailed(source.Provider, source.LogName, reason, batch.Detail ?? "");
                continue;
            }
            foreach (var r in batch.ItemRejections)
            {
                rejected++;
                metrics.Rejected(source.Provider, r);
            }
            if (batch.ItemRejections.Count > 0)
                LogItemsRejected(source.Provider, source.LogName, batch.ItemRejections.Count, string.Join(',', batch.ItemRejections.Distinct()));
            var sourcePublished = 0;
            foreach (var item in batch.Items.OrderBy(i => i.PublishedAt ?? DateTimeOffset.MinValue))
            {
                var problem = Check(item, now, o.Headlines.ClockSkew);
                if (problem is not null)
                {
                    rejected++;
                    metrics.Rejected(source.Provider, problem);
                    LogHeadlineRejected(source.Provider, source.LogName, problem);
                    continue;
                }
                var url = HeadlineIdentity.CanonicalUrl(item.Url!);
                var publisher = string.IsNullOrWhiteSpace(item.Publisher) ? source.Provider : item.Publisher!;
                var urlKey = "headline-url:" + HeadlineIdentity.Hash(url);
                var titleKey = "headline-title:" + HeadlineIdentity.Hash(HeadlineIdentity.NormalisedTitle(item.Title!, publisher));
                var urlNew = await store.TryMarkSeenAsync(urlKey, o.Dedupe.HeadlineTtl, ct);
                var titleNew = await store.TryMarkSeenAsync(titleKey, o.Dedupe.HeadlineTtl, ct);
                if (!urlNew || !titleNew)
                {
                    duplicates++;
                    metrics.Duplicate(source.Provider, "headline");
                    continue;
                }
                var message = new HeadlineObserved(
                    "h-" + HeadlineIdentity.Hash(url), source.Name, item.Title!, item.Url!, publisher, item.PublishedAt!.Value,
                    item.Summary, item.Tickers, Replay: false);
                try
                {
                    await sink.PublishAsync(message, ct);
                }
                catch
                {
                    await store.ForgetAsync(urlKey, CancellationToken.None);
                    await store.ForgetAsync(titleKey, CancellationToken.None);
                    throw;
                }
                published++;
                sourcePublished++;
            }
            metrics.Published(source.Provider, "headline", sourcePublished);
        }
        var outcome = failures == 0 ? PollOutcomes.Ok : failures < sources.Count ? PollOutcomes.Partial : PollOutcomes.Failed;
        metrics.Poll(name, outcome, time.GetElapsedTime(started));
        LogPolled(name, outcome, published, rejected, duplicates);
        return new PollResult(outcome, published, rejected, duplicates, failures);
    }

    public static string? Check(CandidateHeadline item, DateTimeOffset now, TimeSpan skew)
    {
        if (string.IsNullOrWhiteSpace(item.Title))
            return RejectReasons.MissingField;
        if (!Uri.TryCreate(item.Url, UriKind.Absolute, out var u) || (u.Scheme != Uri.UriSchemeHttp && u.Scheme != Uri.UriSchemeHttps))
            return RejectReasons.InvalidUrl;
        if (item.PublishedAt is not { } at || at.Year < 1990)
            return RejectReasons.InvalidDate;
        if (at > now + skew)
            return RejectReasons.FutureDated;
        return null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Headline fetch {Provider} {Source} rejected: {Reason} ({Detail})")]
    private partial void LogFetchFailed(string provider, string source, string reason, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Headline fetch {Provider} {Source}: {Count} items rejected ({Reasons})")]
    private partial void LogItemsRejected(string provider, string source, int count, string reasons);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Headline from {Provider} {Source} rejected: {Reason}")]
    private partial void LogHeadlineRejected(string provider, string source, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Headline poll {Poller}: {Outcome}, {Published} published, {Rejected} rejected, {Duplicates} duplicates")]
    private partial void LogPolled(string poller, string outcome, int published, int rejected, int duplicates);
}
