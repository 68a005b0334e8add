using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using DeepSeekWatch.Contracts;

namespace DeepSeekWatch.Delivery;

/// <summary>
/// One Block Kit message per alert revision for a Slack incoming webhook: a header with the symbol (or group) and the
/// move, fields with the numbers, the linked headlines as links, the members of a sector shock, a context line, and a
/// plain-text <c>text</c> fallback. Slack's limits are enforced here, not hoped for.
/// </summary>
internal static class SlackMessageBuilder
{
    public const int MaxBlocks = 50;
    public const int MaxSectionText = 3000;
    public const int MaxHeaderText = 150;
    public const int MaxFields = 10;
    public const int MaxFieldText = 2000;
    public const int MaxFallbackText = 3000;
    private const int MaxLinkTitle = 300;
    private const int MaxLinkUrl = 2000;

    public static string Build(Alert alert, bool isUpdate)
    {
        var blocks = new JsonArray();
        var subject = alert.Symbol ?? alert.Group;
        var move = alert.ReturnPct is { } r ? $" {FormatPct(r)}" : "";
        var prefix = (alert.Replay ? "[replay] " : "") + (isUpdate ? "Update: " : "");
        var title = $"{prefix}{subject}{move} · {KindLabel(alert.Kind)} ({alert.Severity})";
        blocks.Add(new JsonObject
        {
            ["type"] = "header",
            ["text"] = PlainText(Truncate(title, MaxHeaderText)),
        });

        var fields = new JsonArray
        {
            Field("Return", alert.ReturnPct is { } ret ? FormatPct(ret) : "n/a"),
            Field("Abnormal return", alert.AbnormalReturnPct is { } ab ? FormatPct(ab) : "n/a (beta warming up)"),
            Field("z-score", alert.ZScore is { } z ? z.ToString("0.00", CultureInfo.InvariantCulture) : "n/a"),
            Field("Severity", alert.Severity),
            Field("Session", alert.Session.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
        };
        if (alert.Price is { } price)
            fields.Add(Field("Price", alert.ReferencePrice is { } refPrice
                ? $"{price.ToString(CultureInfo.InvariantCulture)} (prev close {refPrice.ToString(CultureInfo.InvariantCulture)})"
                : price.ToString(CultureInfo.InvariantCulture)));
        if (alert.Benchmark is { Length: > 0 } bench)
            fields.Add(Field("Benchmark", bench));
        blocks.Add(new JsonObject
        {
            ["type"] = "section",
            ["text"] = Mrkdwn(Truncate(Escape($"*{subject}* · {alert.Group} · {TapeTimeText(alert.At)}"), MaxSectionText)),
            ["fields"] = fields,
        });

        if (alert.Kind == AlertKinds.SectorShock && alert.Members.Count > 0)
            AddChunkedSections(blocks, "*Members dropping*", alert.Members.Select(Escape).ToList(), ", ", MaxBlocks - 2);

        if (alert.Headlines.Count > 0)
        {
            var lines = alert.Headlines
                .Select(h => $"• {Link(h.Url, h.Title)} — {Escape(h.Publisher)}, {TapeTimeText(h.PublishedAt)}")
                .ToList();
            AddChunkedSections(blocks, "*Linked AI headlines*", lines, "\n", MaxBlocks - 1); // the context block comes last
        }

        blocks.Add(new JsonObject
        {
            ["type"] = "context",
            ["elements"] = new JsonArray
            {
                Mrkdwn(Truncate(Escape($"alert {alert.AlertId} · revision {alert.Revision}{(alert.Replay ? " · replay" : "")} · DeepSeekWatch"), MaxSectionText)),
            },
        });

        var message = new JsonObject
        {
            ["text"] = Truncate(FallbackText(alert, isUpdate), MaxFallbackText),
            ["blocks"] = blocks,
        };
        return message.ToJsonString();
    }

    /// <summary>The plain-text fallback used by notifications and clients that cannot show blocks.</summary>
    public static string FallbackText(Alert alert, bool isUpdate)
    {
        var sb = new StringBuilder();
        if (alert.Replay)
            sb.Append("[replay] ");
        if (isUpdate)
            sb.Append("Update: ");
        sb.Append(alert.Symbol ?? alert.Group).Append(' ').Append(KindLabel(alert.Kind)).Append(" (").Append(alert.Severity).Append(')');
        if (alert.ReturnPct is { } r)
            sb.Append(' ').Append(FormatPct(r));
        sb.Append(" on ").Append(alert.Session.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        if (alert.Members.Count > 0)
            sb.Append("; members: ").Append(string.Join(", ", alert.Members));
        if (alert.Headlines.Count > 0)
            sb.Append("; headline: ").Append(alert.Headlines[0].Title);
        return sb.ToString();
    }

    /// <summary>
    /// Packs items into sections of at most <see cref="MaxSectionText"/> characters, leaving the block count at most
    /// <paramref name="blockLimit"/>; what does not fit is summarised as "… and N more".
    /// </summary>
    private static void AddChunkedSections(JsonArray blocks, string heading, List<string> items, string separator, int blockLimit)
    {
        const int reserve = 40; // room for the "… and N more" suffix
        var current = new StringBuilder(heading);
        bool empty = true;
        int written = 0;
        foreach (var raw in items)
        {
            var item = Truncate(raw, MaxSectionText - heading.Length - reserve - 2);
            var sep = empty ? "\n" : separator;
            if (current.Length + sep.Length + item.Length > MaxSectionText - reserve)
            {
                if (blocks.Count + 2 > blockLimit)
                    break;
                blocks.Add(Section(current.ToString()));
                current.Clear().Append(heading).Append(" (cont.)");
                sep = "\n";
            }
            current.Append(sep).Append(item);
            empty = false;
            written++;
        }
        if (items.Count - written > 0)
            current.Append(empty ? "\n" : separator).Append("… and ").Append(items.Count - written).Append(" more");
        if (blocks.Count < blockLimit)
            blocks.Add(Section(current.ToString()));
    }

    private static JsonObject Section(string text) => new() { ["type"] = "section", ["text"] = Mrkdwn(text) };

    private static JsonObject PlainText(string text) => new() { ["type"] = "plain_text", ["text"] = text, ["emoji"] = true };

    private static JsonObject Mrkdwn(string text) => new() { ["type"] = "mrkdwn", ["text"] = text };

    private static JsonObject Field(string name, string value) => Mrkdwn(Truncate($"*{name}*\n{Escape(value)}", MaxFieldText));

    private static string KindLabel(string kind) => kind switch
    {
        AlertKinds.AiNewsDrop => "AI-news drop",
        AlertKinds.Drop => "abnormal drop",
        AlertKinds.SectorShock => "sector shock",
        _ => kind,
    };

    private static string FormatPct(double value) =>
        (value > 0 ? "+" : "") + value.ToString("0.00", CultureInfo.InvariantCulture) + "%";

    private static string TapeTimeText(DateTimeOffset time) => Replay.TapeTime.Format(time);

    /// <summary>Slack's mrkdwn needs only &amp;, &lt; and &gt; escaped.</summary>
    public static string Escape(string text) =>
        text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);

    /// <summary>A headline as a Slack link; the title is shortened first so a later cut can never split the link.</summary>
    private static string Link(string url, string title)
    {
        var label = Escape(Truncate(title, MaxLinkTitle)).Replace("|", "¦", StringComparison.Ordinal);
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || uri.AbsoluteUri.Length > MaxLinkUrl)
            return label;
        // A link's URL may not carry '|' or '>'; percent-encode them.
        var safe = uri.AbsoluteUri.Replace("|", "%7C", StringComparison.Ordinal).Replace(">", "%3E", StringComparison.Ordinal).Replace("<", "%3C", StringComparison.Ordinal);
        return $"<{safe}|{label}>";
    }

    private static string Truncate(string text, int max) => text.Length <= max ? text : string.Concat(text.AsSpan(0, max - 1), "…");
}
