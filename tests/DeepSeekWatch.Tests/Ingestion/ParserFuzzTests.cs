using CsCheck;
using DeepSeekWatch.Ingestion.Providers;

namespace DeepSeekWatch.Tests.Ingestion;

/// <summary>
/// Property tests over random and mutated inputs for every parser: whatever the bytes, a parser returns a result
/// (bars, headlines or a rejection reason) and never throws. 105,000 cases in total.
/// Run alone with: <c>dotnet test tests/DeepSeekWatch.Tests --filter "FullyQualifiedName~ParserFuzz"</c>.
/// </summary>
public class ParserFuzzTests
{
    /// <summary>Pieces that upset parsers: structure, numbers at the edges of their types, dates, XML declarations and entities.</summary>
    private static readonly string[] Tokens =
    [
        "null", "\"NaN\"", "NaN", "-1", "0", "1e400", "-1e400", "99999999999999999999999999999999", "\"\"", "[]", "{}", "]", "}", "[", "{",
        ",", ":", "\"", "\\", "\\u0000", "true", "\"timestamp\":", "\"quote\":[{}]", "\"error\":{}", "<", ">", "&", "&amp;", "&#0;", "&xxe;",
        "<!DOCTYPE x [<!ENTITY xxe SYSTEM \"http://127.0.0.1:1/\">]>", "<![CDATA[", "]]>", "<item>", "</item>", "<pubDate>", "</pubDate>",
        "Mon, 31 Feb 2025 25:61:00 GMT", "9999-12-31", "0000-00-00", "\r\n", "\n", "Date,", ",,,,", "\uFEFF", "\uD800", "💥",
        "Note", "Information", "Error Message", "Time Series (5min)", "<entry>", "<feed xmlns=\"http://www.w3.org/2005/Atom\">",
    ];

    private static Gen<string> Inputs(params string[] recordedFiles)
    {
        var samples = recordedFiles.Select(Recorded.Text).ToArray();
        var mutation = Gen.Select(Gen.Int[0, 5], Gen.Int[0, int.MaxValue], Gen.Int[1, 64], Gen.Char, Gen.Int[0, Tokens.Length - 1]);
        var mutated = Gen.Select(Gen.Int[0, samples.Length - 1], mutation.Array[1, 5], (i, ops) =>
        {
            var s = samples[i];
            foreach (var (op, at, len, ch, token) in ops)
            {
                var p = s.Length == 0 ? 0 : at % (s.Length + 1);
                s = op switch
                {
                    0 => s[..p], // truncate
                    1 => s.Remove(p, Math.Min(len, s.Length - p)), // delete a run
                    2 => s.Insert(p, Tokens[token]), // insert a nasty token
                    3 => p < s.Length ? string.Concat(s.AsSpan(0, p), ch.ToString(), s.AsSpan(p + 1)) : s + ch, // replace one char
                    4 => s.Insert(p, s.Substring(p, Math.Min(len, s.Length - p))), // duplicate a slice
                    _ => s.Replace(Tokens[token], Tokens[(token + len) % Tokens.Length], StringComparison.Ordinal), // swap tokens
                };
            }
            return s;
        });
        return Gen.Frequency((1, Gen.String), (1, Gen.Select(Gen.Int[0, Tokens.Length - 1].Array[0, 40], ix => string.Concat(ix.Select(t => Tokens[t])))), (6, mutated));
    }

    [Fact]
    public void Yahoo_chart_parser_never_throws() =>
        Inputs("yahoo-chart-NVDA-5m.json", "yahoo-chart-IXIC-1d.json", "yahoo-chart-TSLA-1m.json", "yahoo-chart-empty-quote.json", "yahoo-chart-not-found.json", "yahoo-chart-NVDA-5m-invalid.json")
            .Sample(body =>
            {
                foreach (var interval in new[] { "5m", "1d" })
                {
                    var batch = YahooChartProvider.Parse(body, "application/json", interval);
                    Assert.True(batch.FailureReason is not null || batch.Bars.All(b => b.End > b.Start));
                }
            }, iter: 15_000);

    [Fact]
    public void Feed_parser_never_throws() =>
        Inputs("yahoo-rss-NVDA.xml", "google-news-DeepSeek.xml", "atom-feed.xml", "rss-invalid-dates.xml", "rss-xxe.xml")
            .Sample(body =>
            {
                var batch = SyndicationFeedSource.Parse(body, "application/xml", "fuzz", []);
                Assert.NotNull(batch.ItemRejections);
            }, iter: 30_000);

    [Fact]
    public void Stooq_parser_never_throws() =>
        Inputs("stooq-NVDA.csv", "stooq-php-warning.csv", "stooq-no-data.txt", "stooq-limit.txt", "stooq-interstitial.html")
            .Sample(body => Assert.NotNull(StooqProvider.Parse(body, "text/csv").ItemRejections), iter: 15_000);

    [Fact]
    public void Finnhub_parsers_never_throw()
    {
        Inputs("finnhub-quote-AAPL.json", "finnhub-quote-unknown.json", "finnhub-no-key.json")
            .Sample(body => Assert.NotNull(FinnhubQuoteProvider.ParseQuote(body, "application/json").ItemRejections), iter: 15_000);
        Inputs("finnhub-company-news-AAPL.json", "finnhub-no-key.json")
            .Sample(body => Assert.NotNull(FinnhubNewsSource.Parse(body, "application/json").ItemRejections), iter: 15_000);
    }

    [Fact]
    public void Alpha_Vantage_parser_never_throws() =>
        Inputs("alphavantage-intraday-IBM-5min.json", "alphavantage-note.json", "alphavantage-information.json", "alphavantage-error.json")
            .Sample(body =>
            {
                Assert.NotNull(AlphaVantageProvider.Parse(body, "application/json", "5m").ItemRejections);
                Assert.NotNull(AlphaVantageProvider.Parse(body, "application/json", "1d").ItemRejections);
            }, iter: 15_000);

    [Fact]
    public void Feed_date_parser_never_throws_and_only_returns_UTC() =>
        Gen.OneOf(Gen.String, Gen.Select(Gen.DateTimeOffset, d => d.ToString("r", System.Globalization.CultureInfo.InvariantCulture)), Gen.Select(Gen.DateTimeOffset, d => d.ToString("o", System.Globalization.CultureInfo.InvariantCulture)))
            .Sample(text =>
            {
                if (SyndicationFeedSource.TryParseDate(text, out var value))
                    Assert.Equal(TimeSpan.Zero, value.Offset);
            }, iter: 10_000);
}
