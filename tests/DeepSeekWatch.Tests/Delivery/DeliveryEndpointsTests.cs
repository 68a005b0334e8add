using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DeepSeekWatch.Delivery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace DeepSeekWatch.Tests.Delivery;

public sealed class DeliveryEndpointsTests
{
    [Fact]
    public async Task Dead_letters_are_listed_and_re_driven_over_the_API_without_secrets()
    {
        await using var target = await TestReceiver.StartAsync();
        target.Respond = (i, _, ctx) =>
        {
            ctx.Response.StatusCode = i == 0 ? 400 : 200;
            return Task.CompletedTask;
        };
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Notifications:Webhooks:0:Name"] = "hook",
            ["Notifications:Webhooks:0:Url"] = target.BaseUrl + "/secret-path-token",
            ["Notifications:Webhooks:0:Secret"] = StandardWebhooksSpec.NewSecret(1),
            ["Notifications:Delivery:PollInterval"] = "01:00:00",
        });
        builder.Services.AddSingleton<TimeProvider>(new FakeTimeProvider(DeliveryHarness.Start));
        builder.Services.AddDelivery(builder.Configuration);
        await using var app = builder.Build();
        app.MapDeliveryEndpoints();
        await app.StartAsync();
        var baseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var http = new HttpClient { BaseAddress = new Uri(baseUrl) };
        var planner = app.Services.GetRequiredService<DeliveryPlanner>();
        var dispatcher = app.Services.GetRequiredService<DeliveryDispatcher>();
        await planner.PlanAsync(Alerts.Drop());
        await dispatcher.DispatchDueAsync();

        var listed = await http.GetStringAsync("/api/deliveries/dead-letters");
        using (var doc = JsonDocument.Parse(listed))
        {
            var item = Assert.Single(doc.RootElement.EnumerateArray());
            Assert.Equal("hook", item.GetProperty("route").GetString());
            Assert.Equal("http 400", item.GetProperty("lastOutcome").GetString());
            Assert.DoesNotContain("secret-path-token", listed, StringComparison.Ordinal);
            var id = item.GetProperty("deliveryId").GetString();

            using var redriven = await http.PostAsync($"/api/deliveries/dead-letters/{id}/redrive", null);
            Assert.Equal(HttpStatusCode.OK, redriven.StatusCode);
            using var again = await http.PostAsync($"/api/deliveries/dead-letters/{id}/redrive", null);
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        }
        using var unknown = await http.PostAsync("/api/deliveries/dead-letters/nope/redrive", null);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        await dispatcher.DispatchDueAsync();

        Assert.Equal(2, target.Requests.Count);
        Assert.Equal("[]", await http.GetStringAsync("/api/deliveries/dead-letters"));
        var all = await http.PostAsync("/api/deliveries/dead-letters/redrive", null);
        Assert.Equal(0, (await all.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("redriven").GetInt32());
        await app.StopAsync();
    }
}
