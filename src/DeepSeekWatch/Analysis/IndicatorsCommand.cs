using System.CommandLine;
using DeepSeekWatch.Hosting;
using DeepSeekWatch.Indicators;
using DeepSeekWatch.Replay;

namespace DeepSeekWatch.Analysis;

/// <summary>
/// <c>indicators &lt;bars.csv&gt; --indicator &lt;name&gt;[:p1,p2,..] [--market &lt;bars.csv&gt;] [--format json|csv]</c>
/// (contracts.md §3): computes one indicator over a bars CSV and prints one row per bar, <c>timestamp</c> plus the fields
/// of shared/reference/indicators, null (empty in CSV) while warming up. Bad arguments, a missing or malformed file:
/// one line on stderr, exit code 2.
/// </summary>
internal static class IndicatorsCommand
{
    public static Command Create()
    {
        var bars = new Argument<string>("bars")
        {
            Description = "Bars CSV (date,open,high,low,close,volume); for beta and corr, the evaluated series.",
        };
        var indicator = new Option<string>("--indicator", "-i")
        {
            Description = $"Indicator and parameters, e.g. sma:20, macd:12,26,9, bb:20,2, keltner:20,2,10, beta:50. One of: {IndicatorSpec.Names}.",
            Required = true,
        };
        var market = new Option<string?>("--market")
        {
            Description = "Bars CSV of the market series, on the same dates (beta and corr only).",
        };
        var format = new Option<string>("--format")
        {
            Description = "Output format: json (default) or csv.",
            DefaultValueFactory = _ => "json",
        };
        // A validator rather than AcceptOnlyFromAmong, whose message spans several lines.
        format.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string>() is not ("json" or "csv") and var value)
                result.AddError($"--format must be json or csv, not '{value}'");
        });

        var command = new Command("indicators", "Computes one indicator over a CSV of bars and prints the results (JSON array or CSV).")
        {
            bars, indicator, market, format,
        };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            try
            {
                Run(parse.GetRequiredValue(bars), parse.GetRequiredValue(indicator), parse.GetValue(market), parse.GetValue(format) == "csv", output);
                return CommandLine.ExitOk;
            }
            catch (Exception e) when (e is IndicatorUsageException or CsvFormatException)
            {
                error.WriteLine($"error: {e.Message}");
                return CommandLine.ExitUsage;
            }
        });
        return command;
    }

    internal static void Run(string barsPath, string spec, string? marketPath, bool csv, TextWriter output)
    {
        var run = IndicatorSpec.Parse(spec);
        if (run.NeedsMarket && marketPath is null)
            throw new IndicatorUsageException($"{run.Name} needs --market <bars.csv> (the positional file is the evaluated series)");
        if (!run.NeedsMarket && marketPath is not null)
            throw new IndicatorUsageException($"{run.Name} takes no --market; only beta and corr compare two series");

        var evaluated = Read(barsPath);
        Bar[]? market = null;
        if (marketPath is not null)
        {
            var marketBars = Read(marketPath);
            if (marketBars.Count != evaluated.Count)
                throw new IndicatorUsageException($"{marketPath} has {marketBars.Count} bars but {barsPath} has {evaluated.Count}; both need the same dates");
            for (var i = 0; i < evaluated.Count; i++)
            {
                if (marketBars[i].Time != evaluated[i].Time)
                    throw new IndicatorUsageException($"{marketPath}:{marketBars[i].LineNumber}: date {marketBars[i].Time:yyyy-MM-dd HH:mm:ss} differs from {barsPath}:{evaluated[i].LineNumber} ({evaluated[i].Time:yyyy-MM-dd HH:mm:ss}); both need the same dates");
            }
            market = marketBars.Select(ToBar).ToArray();
        }

        var times = evaluated.Select(b => b.Time).ToArray();
        for (var i = 1; i < times.Length; i++)
        {
            if (times[i] <= times[i - 1])
                throw new IndicatorUsageException($"{barsPath}:{evaluated[i].LineNumber}: time {times[i]:O} is not after the previous bar's {times[i - 1]:O}; bars must be in increasing time order");
        }
        run.Write(times, evaluated.Select(ToBar).ToArray(), market, output, csv);
    }

    private static List<CsvBar> Read(string path)
    {
        try
        {
            return BarCsvReader.ReadFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IndicatorUsageException($"cannot read bars file '{path}': {e.Message}");
        }
    }

    // Decimal to double as the reference library converts its decimal quotes.
    private static Bar ToBar(CsvBar b) => new((double)b.Open, (double)b.High, (double)b.Low, (double)b.Close, b.Volume);
}
