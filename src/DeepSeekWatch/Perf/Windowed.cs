using System.Diagnostics;

namespace DeepSeekWatch.Perf;

/// <summary>
/// The publish loop of every perf run: the ceiling's plain-client publisher and each pipeline run keep the same number
/// of publishes in flight, so their rates compare.
/// </summary>
internal static class Windowed
{
    /// <summary>Publishes awaiting their confirm at once.</summary>
    public const int Size = 256;

    /// <summary>Waits until item <paramref name="i"/> is due at <paramref name="rate"/> per second since <paramref name="since"/> started (no wait under a millisecond, or when behind).</summary>
    public static async ValueTask PaceAsync(int i, int rate, Stopwatch since, CancellationToken ct)
    {
        var wait = TimeSpan.FromSeconds((double)i / rate) - since.Elapsed;
        if (wait > TimeSpan.FromMilliseconds(1))
            await Task.Delay(wait, ct);
    }

    /// <summary>
    /// Calls <paramref name="publish"/> for 0 .. <paramref name="count"/> − 1 with at most <see cref="Size"/> in flight;
    /// <paramref name="before"/> (pacing, timestamps) runs for each item once a slot is free, before its publish.
    /// </summary>
    public static async Task PublishAsync(int count, Func<int, CancellationToken, ValueTask>? before, Func<int, Task> publish, CancellationToken ct)
    {
        using var window = new SemaphoreSlim(Size);
        var tasks = new List<Task>(count);
        for (var i = 0; i < count; i++)
        {
            await window.WaitAsync(ct);
            if (before is not null)
                await before(i, ct);
            tasks.Add(One(i));
        }
        await Task.WhenAll(tasks);

        async Task One(int i)
        {
            try
            {
                await publish(i);
            }
            finally
            {
                window.Release();
            }
        }
    }
}
