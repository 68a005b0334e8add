using System.Text.Json.Nodes;
using DeepSeekWatch.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace DeepSeekWatch.Tests.Deploy;

/// <summary>The deployment files of the repository, parsed.</summary>
internal static class DeployFiles
{
    public static string PathOf(params string[] parts) => Path.Combine([Repo.Root, .. parts]);

    public static YamlMappingNode Yaml(params string[] parts)
    {
        var stream = new YamlStream();
        using var reader = new StringReader(File.ReadAllText(PathOf(parts)));
        stream.Load(reader);
        return (YamlMappingNode)Assert.Single(stream.Documents).RootNode;
    }

    public static JsonNode Dashboard() => JsonNode.Parse(File.ReadAllText(PathOf("deploy", "grafana", "dashboards", "deepseekwatch.json")))!;

    public static YamlNode? Child(this YamlNode? node, string key) =>
        node is YamlMappingNode m && m.Children.TryGetValue(new YamlScalarNode(key), out var v) ? v : null;

    public static string? Scalar(this YamlNode? node, string key) => (node?.Child(key) as YamlScalarNode)?.Value;

    public static IEnumerable<(string Key, YamlNode Value)> Entries(this YamlNode? node) =>
        node is YamlMappingNode m ? m.Children.Select(kv => (((YamlScalarNode)kv.Key).Value!, kv.Value)) : [];

    public static IEnumerable<YamlNode> Items(this YamlNode? node) => node is YamlSequenceNode s ? s.Children : [];
}
