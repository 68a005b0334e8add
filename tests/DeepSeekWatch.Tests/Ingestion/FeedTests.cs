using DeepSeekWatch.Ingestion;
using DeepSeekWatch.Ingestion.Providers;

namespace DeepSeekWatch.Tests.Ingestion;

public sealed class FeedTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2025, 1, 27, 22, 0, 0, TimeSpan.Zero);
    private LoopbackServer _server = null!;

    public async Task InitializeAsync() => _server = await LoopbackServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private Dictionary<string, string?> DefaultFeeds()
    {
        var s = IngestionTestHost.FastDefaults(_server.BaseUrl);
        s["Sources:Prices:Provider"] = "none";
        s["Sources:Prices:Symbols:0"] = "NVDA";
        s["Sources:Headlines:YahooSymbolFeeds"] = "true";
        s["Sources:Headlines:GoogleNews"] = "true";
        s["Sources:Headlines:GoogleNewsQueries:0"] = "DeepSeek";
        return s;
    }

    private Dictionary<string, string?> OneFeed(string path)
    {
        var s = IngestionTestHost.FastDefaults(_server.BaseUrl);
        s["Sources:Prices:Provider"] = "none";
        s["Sources:Headlines:Feeds:0:Name"] = "Test feed";
        s["Sources:Headlines:Feeds:0:Url"] = _server.BaseUrl + path;
        return s;
    }

    [Fact]
    public async Task Yahoo_and_Google_News_feeds_publish_each_story_once_across_both()
    {
        _server.MapFile("/rss/2.0/headline", "yahoo-rss-NVDA.xml", "application/xml");
        _server.MapFile("/rss/search", "google-news-DeepSeek.xml", "application/rss+xml; charset=utf-8");
        await using var host = new IngestionTestHost(DefaultFeeds(), Now);

        var result = await host.PollAsync(IngestionServiceCollectionExtensions.HeadlinesRss);

        var published = host.Sink.Headlines.ToList();
        // Yahoo's "...'AI's Sputnik moment'" and Google's "...‘AI’s Sputnik moment’ - Fortune" are the same story.
        Assert.Equal(3, published.Count);
        Assert.Equal(1, result.Duplicates);
        Assert.Single(published, h => h.Title.Contains("Sputnik", StringComparison.Ordinal));
        // Each feed's new items go out oldest first (the Yahoo feed lists its newest item first).
        foreach (var feed in published.GroupBy(h => h.Source))
            Assert.Equal(feed.Select(h => h.PublishedAt).Order(), feed.Select(h => h.PublishedAt));

        var nvidia = published.Single(h => h.Title.StartsWith("Nvidia calls", StringComparison.Ordinal));
        Assert.Equal(new DateTimeOffset(2025, 1, 27, 20, 5, 0, TimeSpan.Zero), nvidia.PublishedAt);
        Assert.Equal("Yahoo Finance", nvidia.Publisher);
        Assert.Equal(["NVDA"], nvidia.Tickers);
        Assert.StartsWith("rss:" + _server.BaseUrl + "/rss/2.0/headline?s=NVDA", nvidia.Source, StringComparison.Ordinal);

        var reuters = published.Single(h => h.Publisher == "Reuters");
        Assert.Equal("Nvidia shares sink as Chinese AI app DeepSeek spooks US markets", reuters.Title);
        Assert.Equal("https://news.google.com/rss/articles/CBMiSYNTHETIC0002?oc=5", reuters.Url);
        Assert.Equal(new DateTimeOffset(2025, 1, 27, 12, 30, 0, TimeSpan.Zero), reuters.PublishedAt);
        Assert.DoesNotContain("<", reuters.Summary ?? "", StringComparison.Ordinal);
        Assert.Contains(_server.Requests, r => r.StartsWith("/rss/search?q=DeepSeek", StringComparison.Ordinal));
        Assert.Equal(3, host.Metrics.Sum("dsw.ingestion.items.published", ("kind", "headline")));
        Assert.Equal(1, host.Metrics.Sum("dsw.ingestion.items.duplicate", ("kind", "headline")));
    }

    [Fact]
    public async Task Headlines_are_polled_around_the_clock_and_a_second_cycle_publishes_nothing_again()
    {
        _server.MapFile("/rss/2.0/headline", "yahoo-rss-NVDA.xml", "application/xml");
        _server.MapFile("/rss/search", "google-news-DeepSeek.xml", "application/rss+xml");
        var settings = DefaultFeeds();
        settings["Sources:MarketHours:Enforce"] = "true";
        // Saturday night in New York: no session, but news breaks on weekends.
        await using var host = new IngestionTestHost(settings, new DateTimeOffset(2025, 2, 2, 3, 0, 0, TimeSpan.Zero));

        await host.PollAsync(IngestionServiceCollectionExtensions.HeadlinesRss);
        host.Clock.Advance(TimeSpan.FromMinutes(1));
        var second = await host.PollAsync(IngestionServiceCollectionExtensions.HeadlinesRss);

        Assert.Equal(3, host.Sink.Headlines.Count);
        Assert.Equal(0, second.Published);
        Assert.Equal(4, second.Duplicates);
    }

    [Fact]
    public async Task An_Atom_feed_is_read_with_its_offsets_converted_to_UTC()
    {
        _server.MapFile("/atom", "atom-feed.xml", "application/atom+xml");
        await using var host = new IngestionTestHost(OneFeed("/atom"), Now);

        await host.PollAsync(IngestionServiceCollectionExtensions.HeadlinesRss);

        var h = Assert.Single(host.Sink.Headlines);
        Assert.Equal("Chip stocks slide as DeepSeek rattles AI spending bets", h.Title);
        Assert.Equal(new DateTimeOffset(2025, 1, 27, 15, 45, 0, TimeSpan.Zero), h.PublishedAt);
        Assert.Equal(TimeSpan.Zero, h.PublishedAt.Offset);
        Assert.Equal("Example Markets Desk", h.Publisher);
        Assert.Equal("Semiconductor shares fell sharply on Monday.", h.Summary);
    }

    [Fact]
    public async Task Items_with_invalid_or_future_dates_or_no_link_are_rejected_and_the_rest_published()
    {
        _server.MapFile("/dates", "rss-invalid-dates.xml", "application/rss+xml");
        await using var host = new IngestionTestHost(OneFeed("/dates"), Now);

        var result = await host.PollAsync(IngestionServiceCollectionExtensions.HeadlinesRss);

        Assert.Equal("Valid date story", Assert.Single(host.Sink.Headlines).Title);
        Assert.Equal(2, host.Metrics.Rejected(RejectReasons.InvalidDate));
        Assert.Equal(1, host.Metrics.Rejected(RejectReasons.FutureDated));
        Assert.Equal(1, host.Metrics.Rejected(RejectReasons.InvalidUrl));
        Assert.Equal(4, result.Rejected);
        Assert.Equal(PollOutcomes.Ok, result.Outcome);
    }

    [Fact]
    public async Task An_external_entity_is_never_fetched_and_the_feed_is_rejected()
    {
        var fetched = 0;
        _server.Map("/secret", ctx =>
        {
            Interlocked.Increment(ref fetched);
            return LoopbackServer.Respond(ctx, 200, "text/plain", "TOP-SECRET-CONTENT");
        });
        _server.MapText("/evil", Recorded.Text("rss-xxe.xml").Replace("{{ENTITY_URL}}", _server.BaseUrl + "/secret", StringComparison.Ordinal), "application/rss+xml");
        await using var host = new IngestionTestHost(OneFeed("/evil"), Now);

        var result = await host.PollAsync(IngestionServiceCollectionExtensions.HeadlinesRss);

        Assert.Equal(PollOutcomes.Failed, result.Outcome);
        Assert.Empty(host.Sink.Headlines);
        Assert.Equal(1, host.Metrics.Rejected(RejectReasons.MalformedXml));
        Assert.Equal(0, fetched);
        Assert.DoesNotContain(_server.Requests, r => r.StartsWith("/secret", StringComparison.Ordinal));
        Assert.DoesNotContain(host.Logs.Entries, e => e.Message.Contains("TOP-SECRET", StringComparison.Ordinal));
    }

    public static TheoryData<string, string> FeedFailures => new()
    {
        { "malformed", RejectReasons.MalformedXml },
        { "html-200", RejectReasons.HtmlPage },
        { "429", RejectReasons.RateLimited },
        { "500", RejectReasons.ServerError },
        { "not-a-feed", RejectReasons.MalformedXml },
        { "empty-body", RejectReasons.MalformedXml },
    };

    [Theory]
    [MemberData(nameof(FeedFailures))]
    public async Task A_broken_feed_is_logged_and_counted_and_the_next_cycle_reads_it_again(string mode, string reason)
    {
        Func<Microsoft.AspNetCore.Http.HttpContext, Task> broken = mode switch
        {
            "malformed" => ctx => LoopbackServer.Respond(ctx, 200, "application/rss+xml", Recorded.Text("rss-malformed.xml")),
            "html-200" => ctx => LoopbackServer.Respond(ctx, 200, "text/html", Recorded.Text("html-error-page.html")),
            "429" => ctx =>
            {
                ctx.Response.Headers.RetryAfter = "300";
                return LoopbackServer.Respond(ctx, 429, "text/plain", "Too Many Requests\r\n");
            },
            "500" => ctx => LoopbackServer.Respond(ctx, 500, "text/plain", "oops"),
            "not-a-feed" => ctx => LoopbackServer.Respond(ctx, 200, "application/xml", "<?xml version=\"1.0\"?><note><to>x</to></note>"),
            "empty-body" => ctx => LoopbackServer.Respond(ctx, 200, "application/xml", ""),
            _ => throw new ArgumentOutOfRangeException(nameof(mode)),
        };
        _server.MapSequence("/feed", broken, broken, broken, ctx => LoopbackServer.Respond(ctx, 200, "application/xml", Recorded.Text("yahoo-rss-NVDA.xml")));
        await using var host = new IngestionTestHost(OneFeed("/feed"), Now);

        var failed = await host.PollAsync(IngestionServiceCollectionExtensions.HeadlinesRss);
        Assert.Equal(PollOutcomes.Failed, failed.Outcome);
        Assert.True(host.Metrics.Rejected(reason) == 1, string.Join(" | ", host.Warnings));
        Assert.Contains(host.Warnings, w => w.Contains(reason, StringComparison.Ordinal));

        _server.MapFile("/feed", "yahoo-rss-NVDA.xml", "application/xml");
        var next = await host.PollAsync(IngestionServiceCollectionExtensions.HeadlinesRss);
        Assert.Equal(PollOutcomes.Ok, next.Outcome);
        Assert.Equal(2, host.Sink.Headlines.Count);
    }

    [Fact]
    public async Task A_private_feed_key_in_the_url_never_reaches_the_logs()
    {
        _server.MapText("/private", "Service Unavailable", "text/plain", 503);
        await using var host = new IngestionTestHost(OneFeed("/private?key=feed-secret-789"), Now);

        await host.PollAsync(IngestionServiceCollectionExtensions.HeadlinesRss);

        Assert.Contains(host.Warnings, w => w.Contains("/private", StringComparison.Ordinal));
        Assert.DoesNotContain(host.Logs.Entries, e => e.Message.Contains("feed-secret-789", StringComparison.Ordinal));
    }

    [Fact]
    public void An_empty_channel_is_an_empty_success()
    {
        var batch = SyndicationFeedSource.Parse("<rss version=\"2.0\"><channel><title>t</title><link>https://x.example/</link><description>d</description></channel></rss>", "application/xml", "x", []);
        Assert.Null(batch.FailureReason);
        Assert.Empty(batch.Items);
    }

    [Fact]
    public void The_legacy_unknown_symbol_item_is_rejected_as_not_found()
    {
        var batch = SyndicationFeedSource.Parse(
            "<rss version=\"2.0\"><channel><title>t</title><link>https://x.example/</link><description>d</description><item><title>Yahoo! Finance: RSS feed not found</title><link>https://finance.yahoo.com/</link><pubDate>Mon, 27 Jan 2025 14:00:00 GMT</pubDate></item></channel></rss>",
            "application/xml", "x", []);
        Assert.Empty(batch.Items);
        Assert.Equal([RejectReasons.NotFound], batch.ItemRejections);
    }

    [Theory]
    [InlineData("Mon, 27 Jan 2025 14:00:00 GMT", "2025-01-27T14:00:00Z")]
    [InlineData("Mon, 27 Jan 2025 20:05:00 +0000", "2025-01-27T20:05:00Z")]
    [InlineData("27 Jan 2025 09:00:00 EST", "2025-01-27T14:00:00Z")]
    [InlineData("Mon, 27 Jan 2025 10:00:00 -0500", "2025-01-27T15:00:00Z")]
    [InlineData("2025-01-27T10:45:00-05:00", "2025-01-27T15:45:00Z")]
    public void Feed_dates_in_RFC_822_and_ISO_8601_become_UTC(string text, string expected)
    {
        Assert.True(SyndicationFeedSource.TryParseDate(text, out var value));
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), value);
        Assert.Equal(TimeSpan.Zero, value.Offset);
    }

    [Theory]
    [InlineData("Mon, 31 Feb 2025 14:00:00 GMT")]
    [InlineData("Tue, 27 Jan 2025 14:00:00 GMT")] // 27 Jan 2025 was a Monday
    [InlineData("2025-01-27T10:45:00")] // no offset: ambiguous
    [InlineData("yesterday")]
    [InlineData("")]
    public void Impossible_or_ambiguous_feed_dates_are_refused(string text) =>
        Assert.False(SyndicationFeedSource.TryParseDate(text, out _));
}

public class HeadlineIdentityTests
{
    [Fact]
    public void Canonical_urls_drop_tracking_parameters_fragments_www_and_trailing_slashes()
    {
        Assert.Equal(
            HeadlineIdentity.CanonicalUrl("https://finance.yahoo.com/news/story-1.html"),
            HeadlineIdentity.CanonicalUrl("HTTPS://www.Finance.Yahoo.com/news/story-1.html/?.tsrc=rss&utm_source=x#top"));
        Assert.NotEqual(
            HeadlineIdentity.CanonicalUrl("https://finnhub.io/api/news?id=1"),
            HeadlineIdentity.CanonicalUrl("https://finnhub.io/api/news?id=2"));
    }

    [Fact]
    public void Titles_differing_only_in_quotes_case_spacing_and_a_publisher_suffix_normalise_alike()
    {
        var a = HeadlineIdentity.NormalisedTitle("Marc Andreessen warns Chinese ChatGPT rival DeepSeek is 'AI's Sputnik moment'");
        var b = HeadlineIdentity.NormalisedTitle("Marc Andreessen warns Chinese  ChatGPT rival DeepSeek is ‘AI’s Sputnik moment’ - Fortune", "Fortune");
        Assert.Equal(a, b);
        Assert.NotEqual(a, HeadlineIdentity.NormalisedTitle("Marc Andreessen praises Chinese ChatGPT rival DeepSeek"));
    }
}
