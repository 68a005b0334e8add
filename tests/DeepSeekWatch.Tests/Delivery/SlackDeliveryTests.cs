using System.Text.Json;
using DeepSeekWatch.Contracts;
using DeepSeekWatch.Delivery;

namespace DeepSeekWatch.Tests.Delivery;

public sealed class SlackDeliveryTests : IAsyncLifetime
{
    private TestReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await TestReceiver.StartAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    private DeliveryHarness Harness(params (string Key, string? Value)[] extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Notifications:Slack:0:Name"] = "trading-desk",
            ["Notifications:Slack:0:WebhookUrl"] = _receiver.BaseUrl + "/services/T0001/B0001/slacksecrettoken",
            ["Notifications:Slack:0:Cooldown"] = "00:00:00",
            ["Notifications:Delivery:Jitter"] = "0",
        };
        foreach (var (key, value) in extra)
            settings[key] = value;
        return new DeliveryHarness(settings);
    }

    /// <summary>Checks a message against Block Kit's documented shape and limits, independently of the builder.</summary>
    private static void AssertValidBlockKit(JsonElement message)
    {
        Assert.False(string.IsNullOrWhiteSpace(message.GetProperty("text").GetString()), "a plain-text fallback is required");
        var blocks = message.GetProperty("blocks");
        Assert.Equal(JsonValueKind.Array, blocks.ValueKind);
        Assert.InRange(blocks.GetArrayLength(), 1, 50);
        foreach (var block in blocks.EnumerateArray())
        {
            var type = block.GetProperty("type").GetString();
            switch (type)
            {
                case "header":
                    Assert.Equal("plain_text", block.GetProperty("text").GetProperty("type").GetString());
                    Assert.InRange(block.GetProperty("text").GetProperty("text").GetString()!.Length, 1, 150);
                    break;
                case "section":
                    if (block.TryGetProperty("text", out var text))
                    {
                        Assert.Contains(text.GetProperty("type").GetString(), new[] { "mrkdwn", "plain_text" });
                        Assert.InRange(text.GetProperty("text").GetString()!.Length, 1, 3000);
                    }
                    if (block.TryGetProperty("fields", out var fields))
                    {
                        Assert.InRange(fields.GetArrayLength(), 1, 10);
                        foreach (var f in fields.EnumerateArray())
                            Assert.InRange(f.GetProperty("text").GetString()!.Length, 1, 2000);
                    }
                    Assert.True(block.TryGetProperty("text", out _) || block.TryGetProperty("fields", out _), "a section needs text or fields");
                    break;
                case "context":
                    var elements = block.GetProperty("elements");
                    Assert.InRange(elements.GetArrayLength(), 1, 10);
                    foreach (var e in elements.EnumerateArray())
                        Assert.InRange(e.GetProperty("text").GetString()!.Length, 1, 3000);
                    break;
                default:
                    Assert.Fail($"unexpected block type {type}");
                    break;
            }
        }
    }

    /// <summary>Every text value in the blocks, unescaped from JSON.</summary>
    private static string AllBlockText(JsonElement message)
    {
        var texts = new List<string>();
        void Walk(JsonElement e)
        {
            if (e.ValueKind == JsonValueKind.Object)
            {
                foreach (var p in e.EnumerateObject())
                {
                    if (p.Name == "text" && p.Value.ValueKind == JsonValueKind.String)
                        texts.Add(p.Value.GetString()!);
                    else
                        Walk(p.Value);
                }
            }
            else if (e.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in e.EnumerateArray())
                    Walk(item);
            }
        }
        Walk(message.GetProperty("blocks"));
        return string.Join("\n", texts);
    }

    [Fact]
    public async Task A_Slack_delivery_is_a_valid_Block_Kit_message_with_the_numbers_and_linked_headlines()
    {
        await using var h = Harness();
        await h.Planner.PlanAsync(Alerts.Drop());
        await h.Dispatcher.DispatchDueAsync();

        var request = Assert.Single(_receiver.Requests);
        Assert.Equal("/services/T0001/B0001/slacksecrettoken", request.Path);
        Assert.StartsWith("application/json", request.ContentType, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(request.Body);
        var message = doc.RootElement;
        AssertValidBlockKit(message);
        var blocks = message.GetProperty("blocks").EnumerateArray().ToList();
        Assert.Equal("header", blocks[0].GetProperty("type").GetString());
        var header = blocks[0].GetProperty("text").GetProperty("text").GetString()!;
        Assert.Contains("NVDA", header, StringComparison.Ordinal);
        Assert.Contains("-16.97%", header, StringComparison.Ordinal);
        var fields = blocks.Single(b => b.TryGetProperty("fields", out _)).GetProperty("fields").EnumerateArray().Select(f => f.GetProperty("text").GetString()!).ToList();
        Assert.Contains(fields, f => f.StartsWith("*Return*", StringComparison.Ordinal) && f.Contains("-16.97%", StringComparison.Ordinal));
        Assert.Contains(fields, f => f.StartsWith("*Abnormal return*", StringComparison.Ordinal) && f.Contains("-13.10%", StringComparison.Ordinal));
        Assert.Contains(fields, f => f.StartsWith("*z-score*", StringComparison.Ordinal) && f.Contains("-5.80", StringComparison.Ordinal));
        Assert.Contains(fields, f => f.StartsWith("*Severity*", StringComparison.Ordinal) && f.Contains("critical", StringComparison.Ordinal));
        Assert.Contains(fields, f => f.StartsWith("*Session*", StringComparison.Ordinal) && f.Contains("2025-01-27", StringComparison.Ordinal));
        // The headline is a Slack link <url|title>.
        Assert.Contains("<https://news.example.com/deepseek-r1?a=1&b=2|DeepSeek R1 rivals OpenAI o1 at a fraction of the cost>", AllBlockText(message), StringComparison.Ordinal);
        Assert.Contains("NVDA", message.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, h.Metrics.Sum("deepseekwatch.delivery.attempts", "outcome", "success"));
    }

    [Fact]
    public void A_huge_alert_still_fits_Slack_limits_and_says_what_was_left_out()
    {
        var headlines = Enumerable.Range(0, 400).Select(i => new AlertHeadline(
            $"Headline {i} " + new string('x', 400), $"https://news.example.com/{i}", "Wire", DeliveryHarness.Start, 0.5, ["ai"])).ToList();
        var alert = Alerts.SectorShock(Enumerable.Range(0, 300).Select(i => $"SYM{i}").ToArray()) with { Headlines = headlines };

        using var doc = JsonDocument.Parse(SlackMessageBuilder.Build(alert, isUpdate: false));

        AssertValidBlockKit(doc.RootElement);
        Assert.Contains("more", AllBlockText(doc.RootElement), StringComparison.Ordinal);
        Assert.Equal(50, doc.RootElement.GetProperty("blocks").GetArrayLength());
        Assert.Equal("context", doc.RootElement.GetProperty("blocks")[49].GetProperty("type").GetString());
    }

    [Fact]
    public async Task A_sector_shock_is_one_message_naming_its_members()
    {
        await using var h = Harness();
        Assert.Equal(1, await h.Planner.PlanAsync(Alerts.SectorShock("NVDA", "AVGO", "AMD", "TSM")));
        await h.Dispatcher.DispatchDueAsync();
        h.Time.Advance(TimeSpan.FromSeconds(10));
        await h.Dispatcher.DispatchDueAsync();

        var request = Assert.Single(_receiver.Requests);
        using var doc = JsonDocument.Parse(request.Body);
        AssertValidBlockKit(doc.RootElement);
        var text = AllBlockText(doc.RootElement);
        Assert.Contains("NVDA, AVGO, AMD, TSM", text, StringComparison.Ordinal);
        Assert.Contains("semiconductors", doc.RootElement.GetProperty("blocks")[0].GetProperty("text").GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_revision_is_posted_as_an_update()
    {
        await using var h = Harness();
        var first = Alerts.Drop(kind: AlertKinds.Drop);
        await h.Planner.PlanAsync(first);
        await h.Dispatcher.DispatchDueAsync();
        await h.Planner.PlanAsync(Alerts.Drop() with { AlertId = first.AlertId, Revision = 2 });
        h.Time.Advance(TimeSpan.FromSeconds(1));
        await h.Dispatcher.DispatchDueAsync();

        Assert.Equal(2, _receiver.Requests.Count);
        string Header(ReceivedRequest r) => JsonDocument.Parse(r.Body).RootElement.GetProperty("blocks")[0].GetProperty("text").GetProperty("text").GetString()!;
        Assert.DoesNotContain("Update", Header(_receiver.Requests[0]), StringComparison.Ordinal);
        Assert.StartsWith("Update", Header(_receiver.Requests[1]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_replayed_alert_is_marked_as_a_replay()
    {
        await using var h = Harness();
        await h.Planner.PlanAsync(Alerts.Drop(replay: true));
        await h.Dispatcher.DispatchDueAsync();

        using var doc = JsonDocument.Parse(Assert.Single(_receiver.Requests).Body);
        Assert.Contains("replay", doc.RootElement.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Contains("replay", doc.RootElement.GetProperty("blocks")[0].GetProperty("text").GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task At_most_one_message_per_second_goes_to_one_webhook()
    {
        await using var h = Harness();
        await h.Planner.PlanAsync(Alerts.Drop("NVDA"));
        await h.Planner.PlanAsync(Alerts.Drop("AVGO"));
        await h.Planner.PlanAsync(Alerts.Drop("AMD"));

        await h.Dispatcher.DispatchDueAsync();
        Assert.Single(_receiver.Requests);
        h.Time.Advance(TimeSpan.FromMilliseconds(999));
        await h.Dispatcher.DispatchDueAsync();
        Assert.Single(_receiver.Requests);
        h.Time.Advance(TimeSpan.FromMilliseconds(1));
        await h.Dispatcher.DispatchDueAsync();
        Assert.Equal(2, _receiver.Requests.Count);
        h.Time.Advance(TimeSpan.FromSeconds(1));
        await h.Dispatcher.DispatchDueAsync();

        Assert.Equal(3, _receiver.Requests.Count);
        // Pacing spends no attempt.
        Assert.All(await h.Store.ListPendingAsync(10), d => Assert.Fail($"{d.Id} still pending"));
        Assert.Equal(3, h.Metrics.Sum("deepseekwatch.delivery.attempts", "outcome", "success"));
    }

    [Fact]
    public async Task A_Slack_429_is_retried_after_its_Retry_After()
    {
        await using var h = Harness();
        _receiver.Respond = (i, _, ctx) =>
        {
            ctx.Response.StatusCode = i == 0 ? 429 : 200;
            if (i == 0)
                ctx.Response.Headers.RetryAfter = "30";
            return Task.CompletedTask;
        };
        await h.Planner.PlanAsync(Alerts.Drop());

        await h.Dispatcher.DispatchDueAsync();
        h.Time.Advance(TimeSpan.FromSeconds(29));
        await h.Dispatcher.DispatchDueAsync();
        Assert.Single(_receiver.Requests);
        h.Time.Advance(TimeSpan.FromSeconds(1));
        await h.Dispatcher.DispatchDueAsync();

        Assert.Equal(2, _receiver.Requests.Count);
        Assert.Equal(_receiver.Requests[0].BodyText, _receiver.Requests[1].BodyText);
    }
}

public class SlackMessageBuilderTests
{
    [Theory]
    [InlineData(0, 0, 10)]
    [InlineData(1, 1, 5000)]
    [InlineData(7, 12, 700)]
    [InlineData(49, 3, 2990)]
    [InlineData(120, 60, 64)]
    [InlineData(1000, 500, 10)]
    public void Any_alert_makes_a_message_within_Slack_limits_with_every_link_whole(int headlines, int members, int titleLength)
    {
        var alert = Alerts.SectorShock(Enumerable.Range(0, members).Select(i => $"M{i}").ToArray()) with
        {
            Headlines = Enumerable.Range(0, headlines).Select(i => new DeepSeekWatch.Contracts.AlertHeadline(
                new string('t', titleLength) + $" <b>&|{i}", $"https://news.example.com/{i}?q=a|b>c", "Pub & Co", DeliveryHarness.Start, 0.5, ["ai"])).ToList(),
        };

        using var doc = System.Text.Json.JsonDocument.Parse(SlackMessageBuilder.Build(alert, isUpdate: true));

        var blocks = doc.RootElement.GetProperty("blocks");
        Assert.InRange(blocks.GetArrayLength(), 2, 50);
        Assert.InRange(doc.RootElement.GetProperty("text").GetString()!.Length, 1, 3000);
        foreach (var block in blocks.EnumerateArray())
        {
            if (block.GetProperty("type").GetString() != "section" || !block.TryGetProperty("text", out var text))
                continue;
            var value = text.GetProperty("text").GetString()!;
            Assert.InRange(value.Length, 1, 3000);
            // Every '<' opens a link that closes on the same line: no cut-off link, no raw '<' from a title.
            foreach (var line in value.Split('\n'))
                Assert.Equal(line.Count(c => c == '<'), line.Count(c => c == '>'));
            Assert.DoesNotContain("<b>", value, StringComparison.Ordinal);
        }
    }
}
