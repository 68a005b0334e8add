using System.IO.Compression;
using System.Text;
using DeepSeekWatch.Contracts;
using DeepSeekWatch.Replay;

namespace DeepSeekWatch.Tests.Replay;

public class TapeReaderTests
{
    private const string Bar = """{"specversion":"1.0","id":"b1","source":"test","type":"deepseekwatch.price.bar.v1","time":"2025-01-27T21:00:00Z","subject":"NVDA","datacontenttype":"application/json","data":{"symbol":"NVDA","interval":"1d","start":"2025-01-27T14:30:00Z","open":124.8,"high":128.4,"low":116.7,"close":118.42,"volume":818830900}}""";
    private const string Headline = """{"specversion":"1.0","id":"h1","source":"test","type":"deepseekwatch.news.headline.v1","time":"2025-01-27T14:00:00Z","datacontenttype":"application/json","data":{"title":"DeepSeek rattles big tech","url":"https://example.com/a","publisher":"Fortune","publishedAt":"2025-01-27T14:00:00Z","tickers":["nvda"]}}""";

    private static TapeContents Read(string text, bool strict = false) => TapeReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(text)), strict);

    [Fact]
    public void A_valid_bar_and_headline_are_read_with_every_field()
    {
        var tape = Read(Bar + "\n" + Headline + "\n");
        Assert.Empty(tape.Problems);
        Assert.Equal(2, tape.Events.Count);
        var h = Assert.IsType<TapeEvent.Headline>(tape.Events[0]).Value;
        Assert.Equal("DeepSeek rattles big tech", h.Title);
        Assert.Equal(["NVDA"], h.Tickers);
        var b = Assert.IsType<TapeEvent.Bar>(tape.Events[1]).Value;
        Assert.Equal(("NVDA", "1d", 118.42m, 818830900L), (b.Symbol, b.Interval, b.Close, b.Volume));
        Assert.Equal(DateTimeOffset.Parse("2025-01-27T21:00:00Z"), b.End);
        Assert.Equal(DateTimeOffset.Parse("2025-01-27T14:30:00Z"), b.Start);
    }

    public static TheoryData<string, string, string> BadLines => new()
    {
        { "not json", "{not json", "not valid JSON" },
        { "not an object", "[1,2]", "not a JSON object" },
        { "no specversion", Bar.Replace("\"specversion\":\"1.0\",", ""), "specversion" },
        { "wrong specversion", Bar.Replace("\"specversion\":\"1.0\"", "\"specversion\":\"0.3\""), "specversion" },
        { "no id", Bar.Replace("\"id\":\"b1\",", ""), "'id'" },
        { "no source", Bar.Replace("\"source\":\"test\",", ""), "'source'" },
        { "no type", Bar.Replace("\"type\":\"deepseekwatch.price.bar.v1\",", ""), "'type'" },
        { "no time", Bar.Replace("\"time\":\"2025-01-27T21:00:00Z\",", ""), "'time'" },
        { "time without offset", Bar.Replace("2025-01-27T21:00:00Z", "2025-01-27T21:00:00"), "offset" },
        { "no data", Headline[..Headline.IndexOf(",\"data\"", StringComparison.Ordinal)] + "}", "'data'" },
        { "no symbol", Bar.Replace("\"symbol\":\"NVDA\",", ""), "'symbol'" },
        { "bad interval", Bar.Replace("\"interval\":\"1d\"", "\"interval\":\"2d\""), "interval" },
        { "zero price", Bar.Replace("\"open\":124.8", "\"open\":0"), "positive" },
        { "negative price", Bar.Replace("\"close\":118.42", "\"close\":-1"), "positive" },
        { "NaN price", Bar.Replace("\"close\":118.42", "\"close\":\"NaN\""), "finite" },
        { "infinite price", Bar.Replace("\"high\":128.4", "\"high\":1e400"), "finite" },
        { "missing price", Bar.Replace("\"low\":116.7,", ""), "'low'" },
        { "high below low", Bar.Replace("\"high\":128.4", "\"high\":110"), "below" },
        { "negative volume", Bar.Replace("818830900", "-5"), "negative" },
        { "fractional volume", Bar.Replace("818830900", "1.5"), "whole" },
        { "close before start", Bar.Replace("\"start\":\"2025-01-27T14:30:00Z\"", "\"start\":\"2025-01-28T14:30:00Z\""), "not after" },
        { "headline without title", Headline.Replace("\"title\":\"DeepSeek rattles big tech\",", ""), "'title'" },
        { "headline with bad date", Headline.Replace("\"publishedAt\":\"2025-01-27T14:00:00Z\"", "\"publishedAt\":\"yesterday\""), "publishedAt" },
        { "tickers not an array", Headline.Replace("[\"nvda\"]", "\"nvda\""), "tickers" },
    };

    [Theory]
    [MemberData(nameof(BadLines))]
    public void A_bad_line_is_skipped_with_its_line_number_and_reading_goes_on(string _, string bad, string reason)
    {
        var tape = Read(string.Join('\n', Headline, bad, Bar));
        var problem = Assert.Single(tape.Problems);
        Assert.Equal(2, problem.LineNumber);
        Assert.Contains(reason, problem.Reason, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(2, tape.Events.Count);
    }

    [Theory]
    [MemberData(nameof(BadLines))]
    public void Strict_reading_stops_at_the_first_bad_line_naming_it(string _, string bad, string reason)
    {
        var ex = Assert.Throws<TapeFormatException>(() => Read(string.Join('\n', Headline, Bar, bad, Bar), strict: true));
        Assert.Equal(3, ex.Problem.LineNumber);
        Assert.Contains("line 3", ex.Message, StringComparison.Ordinal);
        Assert.Contains(reason, ex.Problem.Reason, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Unknown_event_types_are_counted_by_type_and_skipped()
    {
        var other = Bar.Replace("deepseekwatch.price.bar.v1", "deepseekwatch.options.quote.v1");
        var tape = Read(string.Join('\n', other, Bar, other, Headline.Replace("deepseekwatch.news.headline.v1", "com.example.x")));
        Assert.Empty(tape.Problems);
        Assert.Single(tape.Events);
        Assert.Equal(2, tape.UnknownTypes["deepseekwatch.options.quote.v1"]);
        Assert.Equal(1, tape.UnknownTypes["com.example.x"]);
        Assert.Equal(3, tape.UnknownCount);
    }

    [Fact]
    public void Small_disorder_is_sorted_stably_by_time()
    {
        var late = Bar.Replace("\"id\":\"b1\"", "\"id\":\"b0\"").Replace("\"time\":\"2025-01-27T21:00:00Z\"", "\"time\":\"2025-01-27T20:00:00Z\"");
        var same = Bar.Replace("\"id\":\"b1\"", "\"id\":\"b2\"");
        var tape = Read(string.Join('\n', Bar, same, late, Headline));
        Assert.Equal(["h1", "b0", "b1", "b2"], tape.Events.Select(e => e is TapeEvent.Bar b ? b.Value.EventId : ((TapeEvent.Headline)e).Value.EventId));
    }

    [Fact]
    public void A_gzipped_tape_is_read_whatever_its_name()
    {
        var path = Support.Repo.TempFile("tape.jsonl");
        using (var gz = new GZipStream(File.Create(path), CompressionLevel.Fastest))
            gz.Write(Encoding.UTF8.GetBytes(Bar + "\n" + Headline + "\n"));
        var tape = TapeReader.ReadFile(path);
        Assert.Equal(2, tape.Events.Count);
    }

    [Fact]
    public void Blank_lines_are_ignored_and_not_reported()
    {
        var tape = Read("\n" + Bar + "\n\n   \n" + Headline);
        Assert.Empty(tape.Problems);
        Assert.Equal(2, tape.Events.Count);
    }

    [Fact]
    public void What_the_writer_writes_the_reader_reads_back_equal()
    {
        var tape = Read(Bar + "\n" + Headline.Replace("\"tickers\"", "\"summary\":\"It's \\\"big\\\" — 英伟达\",\"tickers\""));
        var path = Support.Repo.TempFile("roundtrip.jsonl.gz");
        using (var writer = TapeWriter.Create(path))
        {
            foreach (var e in tape.Events)
                writer.Write(e);
        }
        var again = TapeReader.ReadFile(path);
        Assert.Equal(tape.Events.Select(Value), again.Events.Select(Value));

        static object Value(TapeEvent e) => e switch
        {
            TapeEvent.Bar b => b.Value,
            TapeEvent.Headline h => h.Value with { Tickers = [] } is var x ? (x, string.Join(",", h.Value.Tickers)) : null!,
            _ => throw new InvalidOperationException(),
        };
    }
}

public class TapeWriterTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_writer_asked_to_leave_the_stream_open_does(bool gzip)
    {
        var stream = new MemoryStream();
        using (var writer = new TapeWriter(stream, gzip, leaveOpen: true))
            writer.Write(new DeepSeekWatch.Contracts.HeadlineObserved("h1", "t", "DeepSeek", "https://example.com", "X", DateTimeOffset.UnixEpoch.AddYears(55), null, [], false));
        Assert.True(stream.CanRead);
        stream.Position = 0;
        Assert.Single(TapeReader.Read(stream).Events);
    }

    [Fact]
    public void A_writer_that_owns_the_stream_closes_it()
    {
        var stream = new MemoryStream();
        using (new TapeWriter(stream, gzip: false, leaveOpen: false))
        {
        }
        Assert.False(stream.CanRead);
    }
}
