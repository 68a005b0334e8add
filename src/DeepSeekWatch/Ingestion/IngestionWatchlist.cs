using Microsoft.Extensions.Configuration;

namespace DeepSeekWatch.Ingestion;

/// <summary>
/// The symbols ingestion polls, in the order it polls them: every group's benchmark from <c>Watchlist:Groups</c> (read
/// directly until the watchlist options exist) and the standing benchmarks SPY, QQQ, SOXX, SMH, then every group's
/// symbols, then <c>Sources:Prices:ExtraSymbols</c>; or exactly <c>Sources:Prices:Symbols</c>, in its order, when that is set.
/// </summary>
public static class IngestionWatchlist
{
    public static readonly IReadOnlyDictionary<string, (string[] Symbols, string Benchmark)> DefaultGroups =
        new Dictionary<string, (string[], string)>
        {
            ["magnificent-seven"] = (["AAPL", "MSFT", "GOOGL", "AMZN", "META", "NVDA", "TSLA"], "SPY"),
            ["semiconductors"] = (["NVDA", "AVGO", "AMD", "QCOM", "ASML", "TSM", "MU", "INTC", "ARM"], "SPY"),
        };

    public static readonly string[] StandingBenchmarks = ["SPY", "QQQ", "SOXX", "SMH"];

    public static IReadOnlyList<string> Symbols(IConfiguration configuration)
    {
        // An explicit list replaces the watchlist entirely (small deployments, tests, scripts).
        var explicitList = configuration.GetSection("Sources:Prices:Symbols");
        var explicitSymbols = explicitList.Value is { } text ? text.Split(',') : explicitList.GetChildren().Select(c => c.Value ?? "").ToArray();
        if (explicitSymbols.Any(s => !string.IsNullOrWhiteSpace(s)))
            return explicitSymbols.Select(s => s.Trim().ToUpperInvariant()).Where(s => s.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        // Benchmarks first: a member's drop is judged against its benchmark's bar of the same session, so a cycle that
        // fetches the benchmark before the members lets each member's bar be decided the moment it arrives (fetching
        // it last made every member's alert wait for the rest of the cycle).
        var benchmarks = new List<string>();
        var members = new List<string>();
        var groups = configuration.GetSection("Watchlist:Groups").GetChildren().ToList();
        if (groups.Count == 0)
        {
            foreach (var (list, benchmark) in DefaultGroups.Values)
            {
                members.AddRange(list);
                benchmarks.Add(benchmark);
            }
        }
        else
        {
            foreach (var g in groups)
            {
                var listed = g.GetSection("Symbols");
                // Accept both an array and a comma-separated string.
                members.AddRange(listed.Value is { } csv ? csv.Split(',') : listed.GetChildren().Select(c => c.Value ?? ""));
                if (g["Benchmark"] is { } b)
                    benchmarks.Add(b);
            }
        }
        var symbols = new List<string>(benchmarks);
        symbols.AddRange(StandingBenchmarks);
        symbols.AddRange(members);
        var extra = configuration.GetSection("Sources:Prices:ExtraSymbols");
        symbols.AddRange(extra.Value is { } e ? e.Split(',') : extra.GetChildren().Select(c => c.Value ?? ""));
        return symbols.Select(s => s.Trim().ToUpperInvariant()).Where(s => s.Length > 0).Distinct(StringComparer.Ordinal).ToList();
    }
}
