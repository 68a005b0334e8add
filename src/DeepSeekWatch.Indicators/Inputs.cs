namespace DeepSeekWatch.Indicators;

/// <summary>One price bar (its time is passed to <c>Update</c> separately). Prices must be positive and finite, high ≥ low, volume ≥ 0.</summary>
public readonly record struct Bar(double Open, double High, double Low, double Close, double Volume);

/// <summary>The closing prices of an evaluated series and of the market on the same date (for beta and correlation).</summary>
public readonly record struct PricePair(double Evaluated, double Market);

internal static class Guard
{
    public static void Finite(double value, string name)
    {
        if (!double.IsFinite(value))
            throw new ArgumentException($"{name} must be a finite number, but was {value}.", name);
    }

    public static void PositivePrice(double value, string name)
    {
        Finite(value, name);
        if (value <= 0)
            throw new ArgumentException($"{name} must be a positive price, but was {value}.", name);
    }

    public static void Bar(in Bar bar)
    {
        PositivePrice(bar.Open, "open");
        PositivePrice(bar.High, "high");
        PositivePrice(bar.Low, "low");
        PositivePrice(bar.Close, "close");
        Finite(bar.Volume, "volume");
        if (bar.Volume < 0)
            throw new ArgumentException($"volume must not be negative, but was {bar.Volume}.", "volume");
        if (bar.High < bar.Low)
            throw new ArgumentException($"high {bar.High} is below low {bar.Low}.", "high");
    }

    public static int Period(int value, string name, int minimum = 1)
    {
        if (value < minimum)
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be at least {minimum}.");
        return value;
    }

    public static double PositiveFactor(double value, string name)
    {
        if (!double.IsFinite(value) || value <= 0)
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a positive finite number.");
        return value;
    }

    public static string Format(double value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
