using System.Reflection;
using System.Text;

namespace DeepSeekWatch.Detection.Tests.Classification;

public sealed record LabelledHeadline(int Line, string Title, string? Summary, bool IsAi, string Note);

/// <summary>Reads the labelled headline sets kept beside these tests (columns title,summary,label,note).</summary>
public static class LabelledHeadlines
{
    public const string DevelopmentFile = "labelled-headlines.csv";
    public const string HeldOutFile = "heldout-headlines.csv";

    public static string PathOf(string fileName)
    {
        var root = typeof(LabelledHeadlines).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "RepoRoot").Value!;
        return Path.Combine(root, "tests", "DeepSeekWatch.Detection.Tests", "Classification", fileName);
    }

    public static IReadOnlyList<LabelledHeadline> Load(string fileName) =>
        Parse(File.ReadAllText(PathOf(fileName), Encoding.UTF8));

    public static IReadOnlyList<LabelledHeadline> Parse(string csv)
    {
        var records = Csv.ReadRecords(csv);
        if (records.Count == 0 || !records[0].Fields.SequenceEqual(["title", "summary", "label", "note"]))
            throw new FormatException("Labelled headlines must start with the header title,summary,label,note");

        var result = new List<LabelledHeadline>();
        foreach (var (line, fields) in records.Skip(1))
        {
            if (fields.Count != 4)
                throw new FormatException($"Line {line}: expected 4 fields, found {fields.Count}");
            var isAi = fields[2] switch
            {
                "ai" => true,
                "non-ai" => false,
                _ => throw new FormatException($"Line {line}: label must be 'ai' or 'non-ai', was '{fields[2]}'"),
            };
            if (string.IsNullOrWhiteSpace(fields[0]))
                throw new FormatException($"Line {line}: title is empty");
            result.Add(new LabelledHeadline(line, fields[0], fields[1].Length == 0 ? null : fields[1], isAi, fields[3]));
        }

        return result;
    }
}

/// <summary>Minimal RFC 4180 reader: quoted fields, doubled quotes, line breaks inside quotes.</summary>
internal static class Csv
{
    public static List<(int Line, List<string> Fields)> ReadRecords(string text)
    {
        var records = new List<(int, List<string>)>();
        var fields = new List<string>();
        var field = new StringBuilder();
        var inQuotes = false;
        var line = 1;
        var recordLine = 1;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (inQuotes)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    inQuotes = false;
                }
                else
                {
                    if (c == '\n')
                        line++;
                    field.Append(c);
                }

                continue;
            }

            switch (c)
            {
                case '"' when field.Length == 0:
                    inQuotes = true;
                    break;
                case ',':
                    fields.Add(field.ToString());
                    field.Clear();
                    break;
                case '\r':
                    break;
                case '\n':
                    fields.Add(field.ToString());
                    field.Clear();
                    records.Add((recordLine, fields));
                    fields = [];
                    line++;
                    recordLine = line;
                    break;
                default:
                    field.Append(c);
                    break;
            }
        }

        if (inQuotes)
            throw new FormatException($"Line {recordLine}: unterminated quoted field");
        if (field.Length > 0 || fields.Count > 0)
        {
            fields.Add(field.ToString());
            records.Add((recordLine, fields));
        }

        return records;
    }
}
