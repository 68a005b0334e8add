namespace DeepSeekWatch.Contracts;

/// <summary>CloudEvents <c>type</c> values of the tape (contracts.md §1) and of webhook deliveries (§5).</summary>
public static class TapeEventTypes
{
    public const string PriceBar = "deepseekwatch.price.bar.v1";
    public const string Headline = "deepseekwatch.news.headline.v1";
    public const string Alert = "deepseekwatch.alert.v1";
}
