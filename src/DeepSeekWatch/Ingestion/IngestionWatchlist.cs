using Microsoft.Extensions.Configuration;

namespace DeepSeekWatch.Ingestion;

/// <summary>
/// The symbols ingestion polls: every group's symbols and benchmark from <c>Watchlist:Groups</c> (read directly until
/// the watchlist options exist), the standing benchmarks SPY, QQQ, SOXX, SMH, and <c>Sources:Prices:ExtraSymbols</c>;
/// or exactly <c>Sources:Prices:Symbols</c> when that is set.
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
        var symbols = new List<string>();
        var groups = configuration.GetSection("Watchlist:Groups").GetChildren().ToList();
        if (groups.Count == 0)
        {
            foreach (var (list, benchmark) in DefaultGroups.Values)
            {
                symbols.AddRange(list);
                symbols.Add(benchmark);
            }
        }
        else
        {
            foreach (var g in groups)
            {
                var listed = g.GetSection("Symbols");
                // Accept both an array and a comma-separated string.
                symbols.AddRange(listed.Value is { } csv ? csv.Split(',') : listed.GetChildren().Select(c => c.Value ?? ""));
                if (g["Benchmark"] is { } b)
                    symbols.Add(b);
            }
        }
        symbols.AddRange(StandingBenchmarks);
        var extra = configuration.GetSection("Sources:Prices:ExtraSymbols");
        symbols.AddRange(extra.Value is { } e ? e.Split(',') : extra.GetChildren().Select(c => c.Value ?? ""));
        return symbols.Select(s => s.Trim().ToUpperInvariant()).Where(s => s.Length > 0).Distinct(StringComparer.Ordinal).ToList();
    }
}
