namespace DeepSeekWatch.Tests.Delivery;

public class DeliveriesCommandTests
{
    private static async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await DeepSeekWatch.Hosting.CommandLine.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Redrive_needs_either_an_id_or_all()
    {
        var (code, _, err) = await Run("deliveries", "redrive");

        Assert.Equal(2, code);
        Assert.Contains("give either a deliveryId or --all", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Redrive_of_an_unknown_delivery_fails_with_its_id()
    {
        var (code, _, err) = await Run("deliveries", "redrive", "no-such-delivery");

        Assert.Equal(1, code);
        Assert.Contains("no delivery with id 'no-such-delivery'", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Listing_an_empty_store_says_so()
    {
        var (code, output, _) = await Run("deliveries", "dead-letters");

        Assert.Equal(0, code);
        Assert.Contains("no dead letters", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_route_setting_is_reported_with_its_key_and_exit_code_2()
    {
        var (code, _, err) = await Run("deliveries", "dead-letters",
            "--set", "Notifications:Webhooks:0:Url=https://example.com/h", "--set", "Notifications:Webhooks:0:Secret=plain");

        Assert.Equal(2, code);
        Assert.Contains("Notifications:Webhooks:0:Secret must start with whsec_", err, StringComparison.Ordinal);
        Assert.DoesNotContain("plain", err.Replace("Notifications", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }
}
