using System.CommandLine;
using DeepSeekWatch.Hosting;

namespace DeepSeekWatch.Replay;

/// <summary><c>import --bars &lt;csv&gt;... --headlines &lt;csv&gt; --out &lt;tape.jsonl&gt;</c>: builds a tape from CSV files.</summary>
internal static class ImportCommand
{
    public static Command Create()
    {
        var bars = new Option<string[]>("--bars") { Description = "Bars CSV files (or folders of them): date,open,high,low,close,volume; the symbol from the file name or a symbol column.", AllowMultipleArgumentsPerToken = true };
        var headlines = new Option<string[]>("--headlines") { Description = "Headlines CSV files: publishedAt,publisher,title,url.", AllowMultipleArgumentsPerToken = true };
        var output = new Option<string>("--out") { Description = "The tape to write (.jsonl, or .jsonl.gz to compress).", Required = true };
        var interval = new Option<string?>("--interval") { Description = "Bar interval of the bars files (1m, 5m, 15m, 1h, 1d); default: inferred from the rows." };
        var source = new Option<string>("--source") { Description = "CloudEvents source of the events written.", DefaultValueFactory = _ => "import" };
        var from = new Option<DateOnly?>("--from") { Description = "Keep events from this date (yyyy-MM-dd, UTC)." };
        var to = new Option<DateOnly?>("--to") { Description = "Keep events up to this date (inclusive)." };
        var cmd = new Command("import", "Builds a tape from CSV bars and a CSV of headlines.") { bars, headlines, output, interval, source, from, to };
        cmd.SetAction(async (parse, ct) =>
        {
            var error = parse.InvocationConfiguration.Error;
            var barFiles = TapeImporter.ExpandPaths(parse.GetValue(bars) ?? []).ToList();
            var headlineFiles = parse.GetValue(headlines) ?? [];
            if (barFiles.Count == 0 && headlineFiles.Length == 0)
                return Usage(error, "give --bars and/or --headlines");
            foreach (var f in barFiles.Concat(headlineFiles))
            {
                if (!File.Exists(f))
                    return Usage(error, $"file '{f}' does not exist");
            }
            var events = new List<TapeEvent>();
            try
            {
                foreach (var f in barFiles)
                    events.AddRange(TapeImporter.ImportBars(f, parse.GetValue(source)!, parse.GetValue(interval)));
                foreach (var f in headlineFiles)
                    events.AddRange(TapeImporter.ImportHeadlines(f, parse.GetValue(source)!));
            }
            catch (CsvFormatException ex)
            {
                return Usage(error, ex.Message);
            }
            var lo = parse.GetValue(from);
            var hi = parse.GetValue(to);
            var kept = events
                .Where(e => (lo is null || DateOnly.FromDateTime(e.Time.UtcDateTime) >= lo) && (hi is null || DateOnly.FromDateTime(e.Time.UtcDateTime) <= hi))
                .Select((e, i) => (e, i)).OrderBy(x => x.e.Time).ThenBy(x => x.i).Select(x => x.e).ToList();
            var path = parse.GetValue(output)!;
            await using (var writer = TapeWriter.Create(path))
            {
                foreach (var e in kept)
                    writer.Write(e);
            }
            var nBars = kept.Count(e => e is TapeEvent.Bar);
            parse.InvocationConfiguration.Output.WriteLine($"{TapeImporter.FormatCount(kept.Count)} events ({TapeImporter.FormatCount(nBars)} bars, {TapeImporter.FormatCount(kept.Count - nBars)} headlines) -> {path}");
            return CommandLine.ExitOk;
        });
        return cmd;
    }

    private static int Usage(TextWriter error, string message)
    {
        error.WriteLine($"error: {message}");
        error.WriteLine("usage: deepseekwatch import --bars <csv>... --headlines <csv> --out <tape.jsonl>");
        return CommandLine.ExitUsage;
    }
}
