namespace DeepSeekWatch.Detection.Tests;

public sealed class PartitioningTests
{
    /// <summary>FNV-1a (32 bit) written from the specification, independently of the code under test.</summary>
    private static uint Fnv1a(string s)
    {
        const uint offsetBasis = 0x811C9DC5;
        const uint prime = 0x01000193;
        var hash = offsetBasis;
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(s))
            hash = unchecked((hash ^ b) * prime);
        return hash;
    }

    private static readonly string[] DefaultSymbols = WatchlistOptions.Defaults().Values.SelectMany(g => g.Symbols).Distinct().ToArray();

    [Fact]
    public void The_independent_FNV_1a_reproduces_the_published_test_vectors()
    {
        // Vectors of the FNV reference (draft-eastlake-fnv): "" -> 0x811c9dc5, "a" -> 0xe40c292c, "foobar" -> 0xbf9cf968.
        Assert.Equal(0x811C9DC5u, Fnv1a(""));
        Assert.Equal(0xE40C292Cu, Fnv1a("a"));
        Assert.Equal(0xBF9CF968u, Fnv1a("foobar"));
    }

    [Theory]
    // Pinned: computed once with a separate FNV-1a implementation (e.g. "a" = 0xe40c292c: % 3 = 1, % 5 = 0, % 16 = 12).
    [InlineData("a", 3, 1)]
    [InlineData("a", 5, 0)]
    [InlineData("a", 16, 12)]
    [InlineData("foobar", 16, 8)]
    [InlineData("NVDA", 3, 1)]
    [InlineData("NVDA", 5, 2)]
    [InlineData("NVDA", 16, 6)]
    [InlineData("AAPL", 16, 11)]
    [InlineData("SPY", 5, 4)]
    [InlineData("SPY", 16, 13)]
    [InlineData("AMD", 3, 0)]
    [InlineData("AVGO", 3, 2)]
    [InlineData("x", 1, 0)]
    public void A_symbol_always_goes_to_the_same_pinned_partition(string symbol, int partitions, int expected)
    {
        Assert.Equal(expected, Partitioning.PartitionOf(symbol, partitions));
        Assert.Equal(expected, Partitioning.PartitionOf(symbol, partitions));
        Assert.Equal((int)(Fnv1a(symbol) % (uint)partitions), expected);
    }

    [Fact]
    public void The_partition_is_FNV_1a_of_the_UTF8_bytes_modulo_K_and_in_range_for_K_1_to_16()
    {
        string[] symbols = [.. DefaultSymbols, "SPY", "QQQ", "BRK.B", "^GSPC", "ES=F", "", "Ünïcødé", "A", "ZZZZZZZZZZZZZZZZ"];
        for (var k = 1; k <= 16; k++)
        {
            foreach (var s in symbols)
            {
                var p = Partitioning.PartitionOf(s, k);
                Assert.InRange(p, 0, k - 1);
                Assert.Equal((int)(Fnv1a(s) % (uint)k), p);
            }
        }
    }

    [Fact]
    public void The_default_watchlist_spreads_over_three_partitions_with_every_partition_owning_symbols()
    {
        var byPartition = DefaultSymbols.GroupBy(s => Partitioning.PartitionOf(s, 3)).ToDictionary(g => g.Key, g => g.Order(StringComparer.Ordinal).ToArray());

        Assert.Equal([0, 1, 2], byPartition.Keys.Order());
        Assert.All(byPartition.Values, v => Assert.NotEmpty(v));
        // The distribution an independent FNV-1a gives (checked by hand against a separate implementation).
        Assert.Equal(["AMD", "AMZN", "ARM", "MU"], byPartition[0]);
        Assert.Equal(["AAPL", "ASML", "META", "MSFT", "NVDA", "TSLA"], byPartition[1]);
        Assert.Equal(["AVGO", "GOOGL", "INTC", "QCOM", "TSM"], byPartition[2]);
        // Every semiconductor partition owns at least one member of the group (so every partition reports progress for it).
        var semis = WatchlistOptions.Defaults()["semiconductors"].Symbols;
        Assert.Equal([0, 1, 2], semis.Select(s => Partitioning.PartitionOf(s, 3)).Distinct().Order());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    public void Fewer_than_one_partition_is_an_argument_error(int partitions)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Partitioning.PartitionOf("NVDA", partitions));
    }

    [Fact]
    public void A_detector_partition_owns_exactly_the_symbols_that_hash_to_it()
    {
        for (var k = 1; k <= 5; k++)
        {
            var partitions = Enumerable.Range(0, k).Select(i => DetectorPartition.Of(i, k)).ToArray();
            foreach (var s in DefaultSymbols)
                Assert.Equal([(int)(Fnv1a(s) % (uint)k)], partitions.Where(p => p.Owns(s)).Select(p => p.Index));
        }
    }
}
