using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using DeepSeekWatch.Contracts;
using Microsoft.Extensions.Configuration;

namespace DeepSeekWatch.Delivery;

/// <summary>The two kinds of route: Slack incoming webhooks and signed CloudEvents webhooks.</summary>
internal static class RouteKinds
{
    public const string Slack = "slack";
    public const string Webhook = "webhook";
}

/// <summary>
/// Everything delivery reads from configuration (<c>Notifications:*</c>, docs/delivery.md). Bound by hand
/// (<see cref="DeliveryOptionsBinder"/>) so that a list can also be given as one comma-separated value
/// (<c>DSW_Notifications__Slack__0__Kinds=drop,ai-news-drop</c>) and every problem names its key.
/// </summary>
internal sealed class DeliveryOptions
{
    public const string Section = "Notifications";

    /// <summary>The Standard Webhooks example schedule up to 10 h: the delay before attempt 1, 2, ... (attempt 1 is immediate).</summary>
    public static readonly IReadOnlyList<TimeSpan> DefaultRetrySchedule =
    [
        TimeSpan.Zero, TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30),
        TimeSpan.FromHours(2), TimeSpan.FromHours(5), TimeSpan.FromHours(10), TimeSpan.FromHours(10),
    ];

    public List<RouteOptions> Routes { get; } = [];

    /// <summary><c>Notifications:Delivery:RetrySchedule</c>: delay before each attempt; its length is the number of attempts.</summary>
    public List<TimeSpan> RetrySchedule { get; set; } = [.. DefaultRetrySchedule];

    /// <summary><c>Notifications:Delivery:Jitter</c>: each non-zero delay is multiplied by a random factor in [1 - j, 1 + j].</summary>
    public double Jitter { get; set; } = 0.1;

    /// <summary><c>Notifications:Delivery:PollInterval</c>: how often the dispatcher looks for due deliveries.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary><c>Notifications:Delivery:BatchSize</c>: how many due deliveries one dispatcher pass claims.</summary>
    public int BatchSize { get; set; } = 50;

    /// <summary><c>Notifications:Delivery:SlackMinInterval</c>: at most one Slack message per this interval per webhook.</summary>
    public TimeSpan SlackMinInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary><c>Notifications:Delivery:MaxRetryAfter</c>: a longer <c>Retry-After</c> is capped to this.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromHours(24);

    /// <summary><c>Notifications:Delivery:Retention</c>: how long delivered records and dedupe marks are kept.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Store kind, from <c>Store:Kind</c>: <c>memory</c> (default) or <c>redis</c>.</summary>
    public string StoreKind { get; set; } = "memory";

    /// <summary><c>Store:Redis:KeyPrefix</c> (default <c>dsw:</c>); delivery keys live under it + <c>delivery:</c>.</summary>
    public string RedisKeyPrefix { get; set; } = "dsw:";

    /// <summary>Problems found while binding, each starting with its configuration key.</summary>
    public List<string> Errors { get; } = [];

    public RouteOptions? FindRoute(string name) => Routes.Find(r => string.Equals(r.Name, name, StringComparison.Ordinal));

    /// <summary>Claims are leased for the longest timeout plus a margin, so a crashed instance's claim comes back.</summary>
    public TimeSpan ClaimLease => (Routes.Count == 0 ? RouteOptions.DefaultTimeout : Routes.Max(r => r.Timeout)) + TimeSpan.FromSeconds(30);
}

/// <summary>One configured route. <see cref="Url"/> and <see cref="Secret"/> are secrets: never log them.</summary>
internal sealed class RouteOptions
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    public required string Kind { get; init; }
    /// <summary>The configuration path of this route, e.g. <c>Notifications:Webhooks:0</c> (safe to show).</summary>
    public required string Key { get; init; }
    public string Name { get; set; } = "";
    /// <summary>Slack: <c>WebhookUrl</c>; webhooks: <c>Url</c>. Secret.</summary>
    public string Url { get; set; } = "";
    /// <summary>Webhooks only: <c>whsec_...</c>. Secret.</summary>
    public string? Secret { get; set; }
    public byte[] SecretKey { get; set; } = [];
    public string MinSeverity { get; set; } = Severities.Watch;
    public HashSet<string> Kinds { get; } = new(StringComparer.Ordinal);
    public HashSet<string> Groups { get; } = new(StringComparer.OrdinalIgnoreCase);
    public HashSet<string> Symbols { get; } = new(StringComparer.OrdinalIgnoreCase);
    public TimeSpan Timeout { get; set; } = DefaultTimeout;
    /// <summary>Per symbol (or group for a sector shock): a new alert at the same or a lower severity inside this window is not sent.</summary>
    public TimeSpan Cooldown { get; set; } = TimeSpan.FromMinutes(30);
    public QuietHours? QuietHours { get; set; }

    /// <summary>Identifies the target without revealing it; a 410 disables the route until this changes.</summary>
    public string Fingerprint =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{Kind}\n{Url}")))[..16];

    public bool Matches(Alert alert)
    {
        if (SeverityRank.Of(alert.Severity) < SeverityRank.Of(MinSeverity))
            return false;
        if (Kinds.Count > 0 && !Kinds.Contains(alert.Kind))
            return false;
        if (Groups.Count > 0 && !Groups.Contains(alert.Group))
            return false;
        if (Symbols.Count > 0)
        {
            // A sector shock concerns its members: it matches when any member is one of the route's symbols.
            var concerned = alert.Symbol is { } s ? alert.Members.Append(s) : alert.Members;
            if (!concerned.Any(Symbols.Contains))
                return false;
        }
        return true;
    }
}

/// <summary>
/// A daily window in America/New_York during which deliveries below <see cref="BypassSeverity"/> wait until
/// the window ends (they are deferred, not dropped). Start after End means the window spans midnight.
/// </summary>
internal sealed record QuietHours(TimeOnly Start, TimeOnly End, string BypassSeverity)
{
    public static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");

    /// <summary>When a delivery planned at <paramref name="now"/> may be sent: <paramref name="now"/> or the window's end.</summary>
    public DateTimeOffset ReleaseTime(DateTimeOffset now, string severity)
    {
        var bypass = SeverityRank.Of(BypassSeverity); // 0 for "none": nothing bypasses
        if (bypass > 0 && SeverityRank.Of(severity) >= bypass)
            return now;
        var local = TimeZoneInfo.ConvertTime(now, NewYork);
        var time = TimeOnly.FromDateTime(local.DateTime);
        bool inside = Start <= End ? time >= Start && time < End : time >= Start || time < End;
        if (!inside)
            return now;
        var endDate = DateOnly.FromDateTime(local.DateTime);
        if (Start > End && time >= Start)
            endDate = endDate.AddDays(1);
        var endLocal = endDate.ToDateTime(End);
        var offset = NewYork.GetUtcOffset(endLocal);
        return new DateTimeOffset(endLocal, offset).ToUniversalTime();
    }
}

internal static class SeverityRank
{
    public static int Of(string? severity) => severity switch
    {
        Severities.Watch => 1,
        Severities.Warning => 2,
        Severities.Critical => 3,
        _ => 0,
    };
}

/// <summary>Reads <c>Notifications:*</c> (and <c>Store:*</c>) into <see cref="DeliveryOptions"/>; never echoes a secret.</summary>
internal static class DeliveryOptionsBinder
{
    public static void Bind(IConfiguration configuration, DeliveryOptions options)
    {
        var root = configuration.GetSection(DeliveryOptions.Section);
        foreach (var section in root.GetSection("Webhooks").GetChildren())
            options.Routes.Add(BindRoute(section, RouteKinds.Webhook, options.Errors));
        foreach (var section in root.GetSection("Slack").GetChildren())
            options.Routes.Add(BindRoute(section, RouteKinds.Slack, options.Errors));

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var route in options.Routes)
        {
            if (!names.Add(route.Name))
                options.Errors.Add($"{route.Key}:Name '{route.Name}' is used by another route; route names must be unique");
        }

        var delivery = root.GetSection("Delivery");
        var schedule = delivery.GetSection("RetrySchedule");
        if (schedule.GetChildren().Any() || schedule.Value is not null)
        {
            var list = new List<TimeSpan>();
            foreach (var (key, text) in Values(schedule))
            {
                if (ParseDuration(text) is { } d && d >= TimeSpan.Zero)
                    list.Add(d);
                else
                    options.Errors.Add($"{key}: '{text}' is not a non-negative duration such as 00:05:00");
            }
            if (list.Count == 0)
                options.Errors.Add($"{schedule.Path}: needs at least one delay (the first attempt's, usually 00:00:00)");
            options.RetrySchedule = list;
        }
        options.Jitter = ReadDouble(delivery, "Jitter", options.Jitter, 0, 1, options.Errors);
        options.PollInterval = ReadDuration(delivery, "PollInterval", options.PollInterval, TimeSpan.FromMilliseconds(10), options.Errors);
        options.SlackMinInterval = ReadDuration(delivery, "SlackMinInterval", options.SlackMinInterval, TimeSpan.Zero, options.Errors);
        options.MaxRetryAfter = ReadDuration(delivery, "MaxRetryAfter", options.MaxRetryAfter, TimeSpan.Zero, options.Errors);
        options.Retention = ReadDuration(delivery, "Retention", options.Retention, TimeSpan.FromMinutes(1), options.Errors);
        var batch = delivery["BatchSize"];
        if (batch is not null)
        {
            if (int.TryParse(batch, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n is > 0 and <= 1000)
                options.BatchSize = n;
            else
                options.Errors.Add($"{delivery.Path}:BatchSize: '{batch}' must be an integer from 1 to 1000");
        }

        var kind = configuration["Store:Kind"];
        if (!string.IsNullOrWhiteSpace(kind))
        {
            kind = kind.Trim().ToLowerInvariant();
            if (kind is "memory" or "redis")
                options.StoreKind = kind;
            else
                options.Errors.Add($"Store:Kind: '{kind}' must be memory or redis");
        }
        if (configuration["Store:Redis:KeyPrefix"] is { Length: > 0 } prefix)
            options.RedisKeyPrefix = prefix;
    }

    private static RouteOptions BindRoute(IConfigurationSection section, string kind, List<string> errors)
    {
        var key = section.Path;
        var route = new RouteOptions { Kind = kind, Key = key };
        route.Name = section["Name"]?.Trim() is { Length: > 0 } name ? name : $"{(kind == RouteKinds.Slack ? "slack" : "webhooks")}-{section.Key}";
        if (!route.Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            errors.Add($"{key}:Name '{route.Name}' may only contain letters, digits, '-', '_' and '.'");

        var urlKey = kind == RouteKinds.Slack ? "WebhookUrl" : "Url";
        route.Url = section[urlKey]?.Trim() ?? "";
        if (route.Url.Length == 0)
            errors.Add($"{key}:{urlKey} is required");
        else if (!Uri.TryCreate(route.Url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            errors.Add($"{key}:{urlKey} must be an absolute http or https URL (value not shown: it is a secret)");

        if (kind == RouteKinds.Webhook)
        {
            route.Secret = section["Secret"]?.Trim();
            if (string.IsNullOrEmpty(route.Secret))
                errors.Add($"{key}:Secret is required (whsec_ followed by a base64 key)");
            else if (!WebhookSigner.TryParseSecret(route.Secret, out var secretKey, out var problem))
                errors.Add($"{key}:Secret {problem}");
            else
                route.SecretKey = secretKey;
        }

        if (section["MinSeverity"] is { } min)
        {
            min = min.Trim().ToLowerInvariant();
            if (SeverityRank.Of(min) == 0)
                errors.Add($"{key}:MinSeverity: '{min}' must be one of {string.Join(", ", Severities.All)}");
            else
                route.MinSeverity = min;
        }
        foreach (var (itemKey, value) in Values(section.GetSection("Kinds")))
        {
            var v = value.ToLowerInvariant();
            if (AlertKinds.All.Contains(v))
                route.Kinds.Add(v);
            else
                errors.Add($"{itemKey}: '{value}' must be one of {string.Join(", ", AlertKinds.All)}");
        }
        foreach (var (_, value) in Values(section.GetSection("Groups")))
            route.Groups.Add(value);
        foreach (var (_, value) in Values(section.GetSection("Symbols")))
            route.Symbols.Add(value.ToUpperInvariant());

        route.Timeout = ReadDuration(section, "Timeout", route.Timeout, TimeSpan.FromMilliseconds(1), errors, TimeSpan.FromMinutes(5));
        route.Cooldown = ReadDuration(section, "Cooldown", route.Cooldown, TimeSpan.Zero, errors);

        var quiet = section.GetSection("QuietHours");
        var start = quiet["Start"];
        var end = quiet["End"];
        if (start is not null || end is not null)
        {
            var ok = true;
            if (!TimeOnly.TryParseExact(start ?? "", ["HH:mm", "H:mm", "HH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var s))
            {
                errors.Add($"{quiet.Path}:Start: '{start}' must be a time of day such as 22:00 (America/New_York)");
                ok = false;
            }
            if (!TimeOnly.TryParseExact(end ?? "", ["HH:mm", "H:mm", "HH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var e))
            {
                errors.Add($"{quiet.Path}:End: '{end}' must be a time of day such as 07:00 (America/New_York)");
                ok = false;
            }
            var bypass = quiet["BypassSeverity"]?.Trim().ToLowerInvariant() ?? Severities.Critical;
            if (bypass != "none" && SeverityRank.Of(bypass) == 0)
            {
                errors.Add($"{quiet.Path}:BypassSeverity: '{bypass}' must be one of {string.Join(", ", Severities.All)} or none");
                ok = false;
            }
            if (ok && s == e)
            {
                errors.Add($"{quiet.Path}: Start and End must differ");
                ok = false;
            }
            if (ok)
                route.QuietHours = new QuietHours(s, e, bypass);
        }
        return route;
    }

    /// <summary>A list given as children (<c>:0</c>, <c>:1</c>) or as one comma-separated value.</summary>
    private static IEnumerable<(string Key, string Value)> Values(IConfigurationSection section)
    {
        if (section.Value is { } single)
        {
            foreach (var part in single.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                yield return (section.Path, part);
            yield break;
        }
        foreach (var child in section.GetChildren())
        {
            if (child.Value is null)
                continue;
            foreach (var part in child.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                yield return (child.Path, part);
        }
    }

    private static TimeSpan ReadDuration(IConfigurationSection section, string name, TimeSpan fallback, TimeSpan min, List<string> errors, TimeSpan? max = null)
    {
        var text = section[name];
        if (text is null)
            return fallback;
        if (ParseDuration(text) is { } d && d >= min && (max is null || d <= max))
            return d;
        errors.Add($"{section.Path}:{name}: '{text}' must be a duration such as 00:00:10, at least {min}{(max is null ? "" : $" and at most {max}")}");
        return fallback;
    }

    private static double ReadDouble(IConfigurationSection section, string name, double fallback, double min, double max, List<string> errors)
    {
        var text = section[name];
        if (text is null)
            return fallback;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max)
            return v;
        errors.Add($"{section.Path}:{name}: '{text}' must be a number from {min} to {max}");
        return fallback;
    }

    private static TimeSpan? ParseDuration(string text) =>
        TimeSpan.TryParse(text.Trim(), CultureInfo.InvariantCulture, out var d) ? d : null;
}
