namespace DeepSeekWatch.Detection;

/// <summary>The watched groups (configuration section <c>Watchlist</c>).</summary>
public sealed class WatchlistOptions
{
    public const string Section = "Watchlist";

    /// <summary><c>Watchlist:Groups:&lt;name&gt;</c>. Empty means <see cref="Defaults"/>.</summary>
    public Dictionary<string, WatchGroupOptions> Groups { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public static Dictionary<string, WatchGroupOptions> Defaults() => new(StringComparer.OrdinalIgnoreCase)
    {
        ["magnificent-seven"] = new() { Symbols = ["AAPL", "MSFT", "GOOGL", "AMZN", "META", "NVDA", "TSLA"], Benchmark = "SPY" },
        ["semiconductors"] = new() { Symbols = ["NVDA", "AVGO", "AMD", "QCOM", "ASML", "TSM", "MU", "INTC", "ARM"], Benchmark = "SPY" },
    };

    /// <summary>Problems, each starting with the configuration key it concerns.</summary>
    public IEnumerable<string> Validate()
    {
        if (Groups.Count == 0)
            yield return $"{Section}:Groups: at least one group is needed";
        foreach (var (name, group) in Groups)
        {
            var key = $"{Section}:Groups:{name}";
            if (group.Symbols.Count == 0)
                yield return $"{key}:Symbols: the group has no symbols";
            for (var i = 0; i < group.Symbols.Count; i++)
            {
                if (!IsSymbol(group.Symbols[i]))
                    yield return $"{key}:Symbols:{i}: '{group.Symbols[i]}' is not a ticker symbol";
            }
            if (!IsSymbol(group.Benchmark))
                yield return $"{key}:Benchmark: '{group.Benchmark}' is not a ticker symbol";
        }
    }

    private static bool IsSymbol(string? s) =>
        !string.IsNullOrWhiteSpace(s) && s.Length <= 16 && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '^' or '=');
}

public sealed class WatchGroupOptions
{
    public List<string> Symbols { get; set; } = [];

    public string Benchmark { get; set; } = "SPY";
}

/// <summary>The watchlist resolved for lookups: each symbol's groups in name order, and each group's benchmark.</summary>
public sealed class Watchlist
{
    private readonly Dictionary<string, string[]> _groupsBySymbol;

    public Watchlist(IReadOnlyDictionary<string, WatchGroupOptions> groups)
    {
        Groups = groups.OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new WatchGroup(g.Key, g.Value.Symbols.Select(s => s.Trim().ToUpperInvariant()).Distinct().ToArray(), g.Value.Benchmark.Trim().ToUpperInvariant()))
            .ToArray();
        _groupsBySymbol = Groups.SelectMany(g => g.Symbols.Select(s => (s, g.Name)))
            .GroupBy(x => x.s, x => x.Name)
            .ToDictionary(x => x.Key, x => x.ToArray(), StringComparer.Ordinal);
        _benchmarks = Groups.Select(g => g.Benchmark).ToHashSet(StringComparer.Ordinal);
    }

    private readonly HashSet<string> _benchmarks;

    /// <summary>True when some group measures its members against <paramref name="symbol"/>.</summary>
    public bool IsBenchmark(string symbol) => _benchmarks.Contains(symbol);

    public IReadOnlyList<WatchGroup> Groups { get; }

    public IEnumerable<string> AllSymbols => Groups.SelectMany(g => g.Symbols.Append(g.Benchmark)).Distinct();

    /// <summary>The groups a symbol belongs to, in name order; empty for a benchmark or an unwatched symbol.</summary>
    public IReadOnlyList<string> GroupsOf(string symbol) => _groupsBySymbol.TryGetValue(symbol, out var g) ? g : [];

    public WatchGroup? Group(string name) => Groups.FirstOrDefault(g => string.Equals(g.Name, name, StringComparison.OrdinalIgnoreCase));
}

public sealed record WatchGroup(string Name, IReadOnlyList<string> Symbols, string Benchmark);
