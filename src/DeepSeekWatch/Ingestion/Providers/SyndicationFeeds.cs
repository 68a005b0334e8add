using System.Globalization;
using System.Net;
using System.ServiceModel.Syndication;
using System.Text.RegularExpressions;
using System.Xml;

namespace DeepSeekWatch.Ingestion.Providers;

/// <summary>
/// Any RSS 2.0 or Atom 1.0 feed, parsed with System.ServiceModel.Syndication over an <see cref="XmlReader"/> that
/// prohibits DTDs and resolves nothing (no external entities are ever fetched).
/// </summary>
public sealed partial class SyndicationFeedSource(ProviderHttp http, string name, Uri url, string? defaultPublisher, IReadOnlyList<string> tickers, string provider = SyndicationFeedSource.ProviderTag)
    : IHeadlineSource
{
    public const string ClientName = "feeds";
    public const string ProviderTag = "rss";

    public string Name { get; } = $"rss:{url}";

    public string Provider => provider;

    public string FeedName => name;

    public string LogName { get; } = $"{name} <{ProviderHttp.Redact(url)}>";

    public async Task<HeadlineBatch> FetchAsync(DateTimeOffset now, CancellationToken ct)
    {
        var fetch = await http.GetAsync(ClientName, url, null, ct);
        return fetch.Ok ? Parse(fetch.Body!, fetch.MediaType, defaultPublisher ?? name, tickers) : HeadlineBatch.From(fetch);
    }

    private static readonly XmlReaderSettings ReaderSettings = new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        MaxCharactersFromEntities = 0,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        Async = false,
    };

    /// <summary>Parses a feed. Never throws.</summary>
    public static HeadlineBatch Parse(string body, string? mediaType, string defaultPublisher, IReadOnlyList<string> tickers)
    {
        if (Bodies.LooksLikeHtml(body, mediaType))
            return HeadlineBatch.Fail(RejectReasons.HtmlPage, "HTML page instead of a feed");
        SyndicationFeed feed;
        try
        {
            using var text = new StringReader(body);
            using var reader = XmlReader.Create(text, ReaderSettings);
            reader.MoveToContent();
            SyndicationFeedFormatter formatter = reader.LocalName == "feed" ? new Atom10FeedFormatter() : new Rss20FeedFormatter();
            // Invalid dates must not lose the whole feed: mark them and reject only their items.
            formatter.DateTimeParser = ParseDate;
            if (!formatter.CanRead(reader))
                return HeadlineBatch.Fail(RejectReasons.MalformedXml, $"<{reader.LocalName}> is neither RSS 2.0 nor Atom");
            formatter.ReadFrom(reader);
            feed = formatter.Feed;
        }
        catch (XmlException e)
        {
            return HeadlineBatch.Fail(RejectReasons.MalformedXml, e.Message);
        }
        catch (FormatException e)
        {
            return HeadlineBatch.Fail(RejectReasons.MalformedXml, e.Message);
        }
        catch (ArgumentException e)
        {
            return HeadlineBatch.Fail(RejectReasons.MalformedXml, e.Message);
        }
        catch (InvalidOperationException e)
        {
            return HeadlineBatch.Fail(RejectReasons.MalformedXml, e.Message);
        }
        catch (NotSupportedException e)
        {
            // e.g. an RSS version the formatter does not know.
            return HeadlineBatch.Fail(RejectReasons.MalformedXml, e.Message);
        }

        var items = new List<CandidateHeadline>();
        var rejected = new List<string>();
        foreach (var item in feed.Items)
        {
            var title = Clean(item.Title?.Text);
            if (title is "Yahoo! Finance: RSS feed not found")
            {
                rejected.Add(RejectReasons.NotFound);
                continue;
            }
            var link = item.Links.FirstOrDefault(l => l.RelationshipType is null or "alternate")?.Uri
                ?? (Uri.TryCreate(item.Id, UriKind.Absolute, out var idUri) ? idUri : null);
            var publisher = Clean(item.SourceFeed?.Title?.Text) ?? Clean(item.Authors.FirstOrDefault()?.Name) ?? defaultPublisher;
            if (title is not null && publisher.Length > 0 && title.EndsWith(" - " + publisher, StringComparison.Ordinal) && title.Length > publisher.Length + 3)
                title = title[..^(publisher.Length + 3)]; // Google News appends " - Publisher"
            var date = item.PublishDate != default ? item.PublishDate : item.LastUpdatedTime;
            DateTimeOffset? published = date == default || date == InvalidDate ? null : date.ToUniversalTime();
            if (date == InvalidDate)
            {
                rejected.Add(RejectReasons.InvalidDate);
                continue;
            }
            var summary = item.Summary is TextSyndicationContent s ? StripHtml(s.Text) : null;
            items.Add(new CandidateHeadline(title, link?.IsAbsoluteUri == true ? link.AbsoluteUri : link?.OriginalString, publisher, published, summary, tickers));
        }
        return new HeadlineBatch(items, rejected);
    }

    private static readonly DateTimeOffset InvalidDate = DateTimeOffset.MinValue;

    private static bool ParseDate(XmlDateTimeData data, out DateTimeOffset value)
    {
        value = TryParseDate(data.DateTimeString, out var parsed) ? parsed : InvalidDate;
        return true;
    }

    private static readonly string[] Rfc822Formats =
    [
        "ddd, d MMM yyyy HH:mm:ss zzz", "d MMM yyyy HH:mm:ss zzz", "ddd, d MMM yyyy HH:mm zzz", "d MMM yyyy HH:mm zzz",
        "ddd, d MMM yy HH:mm:ss zzz", "d MMM yy HH:mm:ss zzz",
    ];

    /// <summary>RFC 822/1123 (<c>GMT</c>, <c>UT</c>, <c>+0000</c>, US zone names) or ISO 8601 with an offset.</summary>
    public static bool TryParseDate(string? text, out DateTimeOffset value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text) || text.Length > 64)
            return false;
        var t = text.Trim();
        if (DateTimeOffset.TryParseExact(t, "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", CultureInfo.InvariantCulture, DateTimeStyles.None, out value)
            && (t.EndsWith('Z') || t.EndsWith('z') || t[^6] is '+' or '-'))
        {
            value = value.ToUniversalTime();
            return true;
        }
        var zone = t.LastIndexOf(' ');
        if (zone < 0)
            return false;
        var offset = t[(zone + 1)..].ToUpperInvariant() switch
        {
            "GMT" or "UT" or "UTC" or "Z" => "+00:00",
            "EST" => "-05:00",
            "EDT" => "-04:00",
            "CST" => "-06:00",
            "CDT" => "-05:00",
            "MST" => "-07:00",
            "MDT" => "-06:00",
            "PST" => "-08:00",
            "PDT" => "-07:00",
            var z when z.Length == 5 && z[0] is '+' or '-' && z[1..].All(char.IsAsciiDigit) => $"{z[..3]}:{z[3..]}",
            _ => null,
        };
        if (offset is null)
            return false;
        var normalised = t[..zone] + " " + offset;
        if (DateTimeOffset.TryParseExact(normalised, Rfc822Formats, CultureInfo.InvariantCulture, DateTimeStyles.AllowWhiteSpaces, out value))
        {
            value = value.ToUniversalTime();
            return true;
        }
        return false;
    }

    private static string? Clean(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
            return null;
        return WhiteSpace().Replace(WebUtility.HtmlDecode(text), " ").Trim();
    }

    /// <summary>Google News sends escaped HTML in <c>description</c>; keep its text only.</summary>
    private static string? StripHtml(string? html)
    {
        if (string.IsNullOrWhiteSpace(html))
            return null;
        var text = Clean(Tags().Replace(html, " "));
        return text is { Length: > 0 } ? text : null;
    }

    [GeneratedRegex(@"<[^>]{0,2000}>")]
    private static partial Regex Tags();

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhiteSpace();
}
