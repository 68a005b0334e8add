using System.Buffers.Binary;
using DeepSeekWatch.Perf;
using DeepSeekWatch.Tests.Support;

namespace DeepSeekWatch.Tests.Perf;

/// <summary>The <c>perf</c> report's files: JSON without samples, the SVG and the ScottPlot PNG of the same curves.</summary>
public sealed class PerfReportTests
{
    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    [Fact]
    public void The_png_of_four_latency_distributions_is_a_png_of_the_requested_size()
    {
        var png = PerfReport.Png(Latencies(), "test chart", 640, 360);
        AssertPng(png, 640, 360);
    }

    [Fact]
    public void With_no_latency_measured_the_png_still_renders()
    {
        var png = PerfReport.Png([null, null, null, null], "in-process only", 800, 450);
        AssertPng(png, 800, 450);
    }

    [Fact]
    public void Write_puts_the_json_svg_and_png_where_asked_and_the_title_names_date_and_rates()
    {
        var json = Repo.TempFile("perf.json");
        var svg = Path.Combine(Path.GetDirectoryName(json)!, "charts", "latency.svg");
        var pngPath = Path.Combine(Path.GetDirectoryName(json)!, "charts", "latency.png");
        var result = Result(Latencies());

        Assert.Null(PerfReport.Write(result, json, svg, pngPath));

        Assert.DoesNotContain("\"sorted\": [\n", File.ReadAllText(json), StringComparison.Ordinal);
        Assert.StartsWith("<svg", File.ReadAllText(svg), StringComparison.Ordinal);
        AssertPng(File.ReadAllBytes(pngPath), PerfReport.PngWidth, PerfReport.PngHeight);
        Assert.Equal("DeepSeekWatch latency distribution (cumulative), 2026-11-28 18:37 UTC, offered 1000/s and 2059/s", PerfReport.Title(result));
        Assert.EndsWith("in-process run only", PerfReport.Title(Result([null, null, null, null])), StringComparison.Ordinal);
    }

    private static void AssertPng(byte[] png, int width, int height)
    {
        Assert.True(png.Length > 33, $"{png.Length} bytes");
        Assert.Equal(PngSignature, png[..8]);
        // The first chunk is IHDR: length 13, type, then width and height as big-endian 32-bit integers.
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(png, 12, 4));
        Assert.Equal(width, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16, 4)));
        Assert.Equal(height, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20, 4)));
    }

    /// <summary>Four synthetic distributions shaped like a run's (a few ms for bars, tens of ms for alerts).</summary>
    private static LatencySummary?[] Latencies()
    {
        static LatencySummary Summary(string name, double offered, int n, double scale)
        {
            var sorted = Enumerable.Range(1, n).Select(i => scale * Math.Exp(3.0 * i / n)).ToArray();
            double P(double q) => sorted[(int)Math.Min(n - 1, Math.Floor(q * n))];
            return new LatencySummary(name, offered, offered, n, P(0.5), P(0.9), P(0.99), sorted[^1], sorted);
        }
        return
        [
            Summary("latency at 1000/s: bar published -> consumed by the detector", 1000, 2000, 0.5),
            Summary("latency at 1000/s: bar published -> alert stored", 1000, 40, 5),
            Summary("latency at 2059/s (0.9 x end to end): bar published -> consumed by the detector", 2059, 3000, 0.7),
            Summary("latency at 2059/s (0.9 x end to end): bar published -> alert stored", 2059, 60, 4),
        ];
    }

    private static PerfResult Result(LatencySummary?[] l) => new(
        "test machine", new DateTimeOffset(2026, 11, 28, 18, 37, 29, TimeSpan.Zero), 1015, null, null, null,
        l[0], l[1], l[2], l[3], new Throughput("in-process", 300, 1, 300), null, null, null, []);
}
