using System.Diagnostics;
using System.Globalization;

namespace DeepSeekWatch.Perf;

/// <summary>Stopwatch timestamps of one bar at the detector: its consumer finished, MassTransit received it; and how long the consumer took.</summary>
internal readonly record struct BarTimes(long Consumed, long Received, double ConsumeMs);

/// <summary>
/// A stretch of a latency run in which bars took longer than the threshold from publish to consumed, and where their
/// time went: before MassTransit took the delivery (publish, broker, socket, and the client's prefetch buffer, where a
/// delivery waits while the one before it is consumed: the detector takes one at a time), or after (MassTransit's
/// receive pipe and the consumer itself).
/// </summary>
internal sealed record StallEpisode(double AtSeconds, double SpanMs, int Bars, double WorstMs, double WorstToReceivedMs, double WorstReceivedToConsumedMs, double LongestConsumeMs);

internal static class Stalls
{
    /// <summary>Slow bars closer than this (by publish time) belong to one episode.</summary>
    private static readonly TimeSpan Gap = TimeSpan.FromMilliseconds(250);

    /// <summary>The episodes of bars slower than <paramref name="thresholdMs"/>, worst first; bars without both timestamps are left out.</summary>
    public static IReadOnlyList<StallEpisode> Find(IReadOnlyDictionary<string, long> published, IReadOnlyDictionary<string, BarTimes> consumed, double thresholdMs)
    {
        var bars = published
            .Where(p => consumed.ContainsKey(p.Key))
            .Select(p => (Published: p.Value, Times: consumed[p.Key]))
            .OrderBy(b => b.Published)
            .ToList();
        if (bars.Count == 0)
            return [];
        var start = bars[0].Published;
        var gap = (long)(Gap.TotalSeconds * Stopwatch.Frequency);
        var episodes = new List<StallEpisode>();
        List<(long Published, BarTimes Times)>? current = null;
        foreach (var bar in bars)
        {
            if (Ms(bar.Published, bar.Times.Consumed) <= thresholdMs)
                continue;
            if (current is not null && bar.Published - current[^1].Published > gap)
            {
                episodes.Add(Episode(current, start));
                current = null;
            }
            (current ??= []).Add(bar);
        }
        if (current is not null)
            episodes.Add(Episode(current, start));
        return episodes.OrderByDescending(e => e.WorstMs).ToList();
    }

    /// <summary>One line for the run's notes: how many slow bars, and the three worst episodes.</summary>
    public static string? Describe(string name, IReadOnlyDictionary<string, long> published, IReadOnlyDictionary<string, BarTimes> consumed, double thresholdMs)
    {
        if (published.Count == 0 || consumed.Count == 0)
            return null;
        var episodes = Find(published, consumed, thresholdMs);
        var threshold = thresholdMs.ToString("0.#", CultureInfo.InvariantCulture);
        if (episodes.Count == 0)
            return $"{name}: no bar took over {threshold} ms from publish to consumed";
        var worst = string.Join("; ", episodes.Take(3).Select(e => string.Create(CultureInfo.InvariantCulture,
            $"at +{e.AtSeconds:F1} s for {e.SpanMs:F0} ms, {e.Bars} bars, worst {e.WorstMs:F1} ms (publish -> taken by MassTransit {e.WorstToReceivedMs:F1} ms, then -> consumed {e.WorstReceivedToConsumedMs:F1} ms), longest consume in it {e.LongestConsumeMs:F1} ms")));
        return $"{name}: {episodes.Sum(e => e.Bars)} bars over {threshold} ms from publish to consumed, in {episodes.Count} episode(s); worst: {worst}";
    }

    /// <summary>
    /// How long the detector's consumer itself took over the run's bars, in all and in the consumes over 1 ms (in
    /// practice the bars that raise an alert: they wait for the store write and the outputs' broker confirms), against
    /// the run's length: with one delivery at a time, a long consume holds every bar behind it.
    /// </summary>
    public static string? ConsumeTime(string name, IReadOnlyDictionary<string, BarTimes> consumed, double runSeconds)
    {
        if (consumed.Count == 0)
            return null;
        var total = consumed.Values.Sum(t => t.ConsumeMs);
        var slow = consumed.Values.Where(t => t.ConsumeMs > 1).ToList();
        return string.Create(CultureInfo.InvariantCulture,
            $"{name}: the detector's consumer took {total / 1000:F2} s over {consumed.Count:N0} bars in a {runSeconds:F2} s run; {slow.Count:N0} consumes over 1 ms took {slow.Sum(t => t.ConsumeMs) / 1000:F2} s of it (longest {(slow.Count > 0 ? slow.Max(t => t.ConsumeMs) : 0):F1} ms)");
    }

    private static StallEpisode Episode(List<(long Published, BarTimes Times)> bars, long start)
    {
        var worst = bars.MaxBy(b => b.Times.Consumed - b.Published);
        return new StallEpisode(
            Ms(start, bars[0].Published) / 1000,
            Ms(bars[0].Published, bars[^1].Published),
            bars.Count,
            Ms(worst.Published, worst.Times.Consumed),
            Ms(worst.Published, worst.Times.Received),
            Ms(worst.Times.Received, worst.Times.Consumed),
            bars.Max(b => b.Times.ConsumeMs));
    }

    private static double Ms(long from, long to) => (to - from) * 1000.0 / Stopwatch.Frequency;
}
