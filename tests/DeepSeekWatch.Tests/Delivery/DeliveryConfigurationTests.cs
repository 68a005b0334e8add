using DeepSeekWatch.Delivery;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DeepSeekWatch.Tests.Delivery;

public class DeliveryConfigurationTests
{
    private const string SecretUrl = "https://hooks.example.com/services/T123/B456/verysecrettoken";

    private static OptionsValidationException Invalid(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        using var services = new ServiceCollection().AddLogging().AddDelivery(configuration).BuildServiceProvider();
        return Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<DeliveryOptions>());
    }

    [Theory]
    [InlineData("Notifications:Webhooks:0:Secret", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "Notifications:Webhooks:0:Secret must start with whsec_")]
    [InlineData("Notifications:Webhooks:0:Secret", "whsec_%%%", "Notifications:Webhooks:0:Secret must be whsec_ followed by base64")]
    [InlineData("Notifications:Webhooks:0:Secret", "", "Notifications:Webhooks:0:Secret is required")]
    [InlineData("Notifications:Webhooks:0:Url", "", "Notifications:Webhooks:0:Url is required")]
    [InlineData("Notifications:Webhooks:0:Url", "ftp://example.com/x", "Notifications:Webhooks:0:Url must be an absolute http or https URL")]
    [InlineData("Notifications:Webhooks:0:MinSeverity", "severe", "Notifications:Webhooks:0:MinSeverity: 'severe' must be one of watch, warning, critical")]
    [InlineData("Notifications:Webhooks:0:Kinds:0", "crash", "Notifications:Webhooks:0:Kinds:0: 'crash' must be one of")]
    [InlineData("Notifications:Webhooks:0:Timeout", "-00:00:01", "Notifications:Webhooks:0:Timeout:")]
    [InlineData("Notifications:Webhooks:0:Cooldown", "soon", "Notifications:Webhooks:0:Cooldown:")]
    [InlineData("Notifications:Webhooks:0:QuietHours:Start", "25:00", "Notifications:Webhooks:0:QuietHours:Start:")]
    [InlineData("Notifications:Webhooks:0:Name", "has space", "Notifications:Webhooks:0:Name 'has space' may only contain")]
    [InlineData("Notifications:Delivery:RetrySchedule:1", "later", "Notifications:Delivery:RetrySchedule:1: 'later' is not a non-negative duration")]
    [InlineData("Notifications:Delivery:Jitter", "2", "Notifications:Delivery:Jitter: '2' must be a number from 0 to 1")]
    [InlineData("Store:Kind", "postgres", "Store:Kind: 'postgres' must be memory or redis")]
    public void A_bad_setting_stops_start_up_with_its_key(string key, string value, string message)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Notifications:Webhooks:0:Url"] = "https://example.com/hook",
            ["Notifications:Webhooks:0:Secret"] = StandardWebhooksSpec.NewSecret(9),
            ["Notifications:Delivery:RetrySchedule:0"] = "00:00:00",
            [key] = value,
        };

        var ex = Invalid(settings);

        Assert.Contains(ex.Failures, f => f.StartsWith(message, StringComparison.Ordinal));
    }

    [Fact]
    public void A_missing_Slack_webhook_url_and_a_duplicate_route_name_are_reported_together()
    {
        var ex = Invalid(new Dictionary<string, string?>
        {
            ["Notifications:Slack:0:Name"] = "desk",
            ["Notifications:Slack:1:Name"] = "desk",
            ["Notifications:Slack:1:WebhookUrl"] = "https://hooks.example.com/x",
        });

        Assert.Contains("Notifications:Slack:0:WebhookUrl is required", ex.Failures);
        Assert.Contains(ex.Failures, f => f.StartsWith("Notifications:Slack:1:Name 'desk' is used by another route", StringComparison.Ordinal));
    }

    [Fact]
    public void Validation_messages_never_repeat_a_secret()
    {
        var ex = Invalid(new Dictionary<string, string?>
        {
            ["Notifications:Slack:0:WebhookUrl"] = "hooks.example.com/services/T123/B456/verysecrettoken",
            ["Notifications:Webhooks:0:Url"] = SecretUrl + "?x=" + " bad",
            ["Notifications:Webhooks:0:Secret"] = "whsec_c2VjcmV0",
        });

        Assert.Equal(2, ex.Failures.Count());
        Assert.DoesNotContain("verysecrettoken", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("c2VjcmV0", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_configuration_without_routes_is_valid_and_plans_nothing()
    {
        var configuration = new ConfigurationBuilder().Build();
        using var services = new ServiceCollection().AddLogging().AddDelivery(configuration).BuildServiceProvider();

        var options = services.GetRequiredService<DeliveryOptions>();

        Assert.Empty(options.Routes);
        Assert.Equal(DeliveryOptions.DefaultRetrySchedule, options.RetrySchedule);
        Assert.IsType<MemoryDeliveryStore>(services.GetRequiredService<IDeliveryStore>());
    }

    [Fact]
    public void Routes_default_to_a_ten_second_timeout_and_take_their_own()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Notifications:Slack:0:WebhookUrl"] = "https://hooks.example.com/a",
            ["Notifications:Slack:1:WebhookUrl"] = "https://hooks.example.com/b",
            ["Notifications:Slack:1:Timeout"] = "00:00:25",
            ["Notifications:Slack:1:Cooldown"] = "00:05:00",
        }).Build();
        using var services = new ServiceCollection().AddLogging().AddDelivery(configuration).BuildServiceProvider();

        var routes = services.GetRequiredService<DeliveryOptions>().Routes;

        Assert.Equal(TimeSpan.FromSeconds(10), routes[0].Timeout);
        Assert.Equal(TimeSpan.FromSeconds(25), routes[1].Timeout);
        Assert.Equal(TimeSpan.FromMinutes(5), routes[1].Cooldown);
    }
}

public class DeliveryRegistrationTests
{
    [Fact]
    public void Adding_delivery_twice_registers_one_dispatcher()
    {
        var configuration = new ConfigurationBuilder().Build();
        var services = new ServiceCollection().AddLogging();

        services.AddDelivery(configuration).AddDelivery(configuration);
        using var provider = services.BuildServiceProvider();

        Assert.Single(provider.GetServices<Microsoft.Extensions.Hosting.IHostedService>());
    }
}
