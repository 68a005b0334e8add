using System.Text.RegularExpressions;
using DeepSeekWatch.Hosting;
using YamlDotNet.RepresentationModel;

namespace DeepSeekWatch.Tests.Deploy;

/// <summary>
/// Kubernetes does not run on the test machines, so deploy/k8s is checked as files: every document parses, the
/// kustomization applies exactly the manifests in the folder, and the manifests say what a scaled-out deployment
/// relies on (one Deployment per role started with <c>run --role</c>, probes on the health endpoints, only an example
/// Secret committed, every DSW_ variable a documented configuration key, Redis reached through its Sentinels).
/// </summary>
public sealed partial class K8sManifestsTests
{
    private const string ExampleSecretFile = "secret.example.yaml";
    private const string SecretName = "deepseekwatch-secrets";

    private static readonly string[] Roles = ["pollers", "detector", "delivery", "api"];

    private static readonly string Folder = DeployFiles.PathOf("deploy", "k8s");

    private sealed record Manifest(string File, YamlMappingNode Root)
    {
        public string? Kind => Root.Scalar("kind");

        public string? Name => Root.Child("metadata").Scalar("name");

        public override string ToString() => $"{File}: {Kind} {Name}";
    }

    private static readonly List<Manifest> Manifests = LoadAll();

    private static List<Manifest> LoadAll()
    {
        var all = new List<Manifest>();
        foreach (var path in Directory.GetFiles(Folder, "*.yaml").Order(StringComparer.Ordinal))
        {
            var stream = new YamlStream();
            using var reader = new StringReader(File.ReadAllText(path));
            stream.Load(reader);
            foreach (var document in stream.Documents)
                all.Add(new Manifest(Path.GetFileName(path), (YamlMappingNode)document.RootNode));
        }
        return all;
    }

    private static YamlMappingNode Kustomization => Assert.Single(Manifests, m => m.File == "kustomization.yaml").Root;

    /// <summary>What <c>kubectl apply -k</c> creates: the documents of the files the kustomization lists.</summary>
    private static IEnumerable<Manifest> Applied
    {
        get
        {
            var listed = Kustomization.Child("resources").Items().Select(Value).ToHashSet(StringComparer.Ordinal);
            return Manifests.Where(m => listed.Contains(m.File));
        }
    }

    private static IEnumerable<Manifest> OfKind(string kind) => Applied.Where(m => m.Kind == kind);

    private static IEnumerable<Manifest> Deployments => OfKind("Deployment");

    private static IEnumerable<Manifest> Workloads => Applied.Where(m => m.Kind is "Deployment" or "StatefulSet");

    private static string Value(YamlNode node) => ((YamlScalarNode)node).Value!;

    private static YamlNode? PodSpec(Manifest m) => m.Root.Child("spec").Child("template").Child("spec");

    private static IEnumerable<YamlNode> Containers(Manifest m, bool withInit = true) =>
        PodSpec(m).Child("containers").Items().Concat(withInit ? PodSpec(m).Child("initContainers").Items() : []);

    private static YamlNode AppContainer(Manifest m) => Assert.Single(Containers(m, withInit: false));

    private static string RoleOf(Manifest m) => m.Root.Child("spec").Child("template").Child("metadata").Child("labels").Scalar("app.kubernetes.io/component")!;

    private static Manifest DeploymentOf(string role) => Assert.Single(Deployments, d => RoleOf(d) == role);

    private static Dictionary<string, string> Labels(YamlNode? node) => node.Entries().ToDictionary(e => e.Key, e => Value(e.Value), StringComparer.Ordinal);

    private static IEnumerable<(string Name, YamlNode Entry)> Env(YamlNode container) =>
        container.Child("env").Items().Select(e => (e.Scalar("name")!, e));

    /// <summary>Every environment variable a container of the app gets: its env entries and the ConfigMaps of envFrom.</summary>
    private static IEnumerable<string> AllEnvNames(YamlNode container)
    {
        foreach (var (name, _) in Env(container))
            yield return name;
        foreach (var from in container.Child("envFrom").Items())
        {
            var map = from.Child("configMapRef").Scalar("name");
            Assert.NotNull(map);
            var configMap = Assert.Single(OfKind("ConfigMap"), c => c.Name == map);
            foreach (var (key, _) in configMap.Root.Child("data").Entries())
                yield return key;
        }
    }

    private static string ConfigMapValue(string key) =>
        OfKind("ConfigMap").Select(c => c.Root.Child("data").Scalar(key)).Single(v => v is not null)!;

    [Fact]
    public void The_kustomization_lists_every_manifest_in_the_folder_and_only_files_that_exist()
    {
        var listed = Kustomization.Child("resources").Items().Select(Value).ToList();
        Assert.NotEmpty(listed);
        Assert.Equal(listed.Count, listed.Distinct(StringComparer.Ordinal).Count());
        foreach (var file in listed)
            Assert.True(File.Exists(Path.Combine(Folder, file)), $"kustomization.yaml lists {file}, which does not exist");
        var onDisk = Directory.GetFiles(Folder).Select(Path.GetFileName).Where(f => f!.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal)).ToList();
        foreach (var file in onDisk.Where(f => f is not "kustomization.yaml" and not ExampleSecretFile))
            Assert.True(listed.Contains(file!), $"{file} is in deploy/k8s but not in kustomization.yaml, so kubectl apply -k would skip it");
        // Applying the example would overwrite the real Secret with placeholders.
        Assert.DoesNotContain(ExampleSecretFile, listed);
        Assert.True(File.Exists(Path.Combine(Folder, ExampleSecretFile)));
    }

    [Fact]
    public void Every_document_has_an_apiVersion_a_kind_and_a_name()
    {
        Assert.True(Manifests.Count > 10);
        foreach (var m in Manifests.Where(m => m.File != "kustomization.yaml"))
        {
            Assert.False(string.IsNullOrEmpty(m.Root.Scalar("apiVersion")), $"{m} has no apiVersion");
            Assert.False(string.IsNullOrEmpty(m.Kind), $"{m.File}: a document without kind");
            Assert.False(string.IsNullOrEmpty(m.Name), $"{m.File}: a {m.Kind} without metadata.name");
        }
        var keys = Applied.Select(m => $"{m.Kind}/{m.Name}").ToList();
        Assert.Equal(keys.Count, keys.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void There_is_one_Deployment_per_role_started_as_run_role()
    {
        Assert.Equal(Roles.Order(StringComparer.Ordinal), Deployments.Select(RoleOf).Order(StringComparer.Ordinal));
        foreach (var role in Roles)
        {
            var deployment = DeploymentOf(role);
            var container = AppContainer(deployment);
            // The image's entrypoint is deepseekwatch: overriding command would bypass it.
            Assert.Null(container.Child("command"));
            Assert.Equal(["run", "--role", role], container.Child("args").Items().Select(Value));
            var selector = Labels(deployment.Root.Child("spec").Child("selector").Child("matchLabels"));
            var podLabels = Labels(deployment.Root.Child("spec").Child("template").Child("metadata").Child("labels"));
            Assert.Equal(role, selector["app.kubernetes.io/component"]);
            Assert.All(selector, s => Assert.Equal(s.Value, podLabels.GetValueOrDefault(s.Key)));
        }
    }

    [Fact]
    public void Every_role_runs_the_same_image_the_kustomization_points_at_the_registry()
    {
        var images = Deployments.Select(d => AppContainer(d).Scalar("image")!).Distinct(StringComparer.Ordinal).ToList();
        var image = Assert.Single(images);
        var name = image.Split(':')[0];
        Assert.Contains(Kustomization.Child("images").Items(), i => i.Scalar("name") == name);
        // Built by deploy/Dockerfile, whose entrypoint is deepseekwatch.
        Assert.Contains(File.ReadAllLines(DeployFiles.PathOf("deploy", "Dockerfile")), l => l.StartsWith("ENTRYPOINT", StringComparison.Ordinal) && l.Contains("deepseekwatch", StringComparison.Ordinal));
    }

    [Fact]
    public void Probes_and_Prometheus_annotations_point_at_the_health_and_metrics_endpoints_on_the_port_the_service_listens_on()
    {
        var urls = ConfigMapValue("DSW_Urls");
        var url = new Uri(urls);
        // Every interface: 127.0.0.1 (the default of run) would not answer the kubelet's probes.
        Assert.Equal("0.0.0.0", url.Host);
        var port = url.Port;
        foreach (var deployment in Deployments)
        {
            var container = AppContainer(deployment);
            var http = Assert.Single(container.Child("ports").Items());
            Assert.Equal(port.ToString(System.Globalization.CultureInfo.InvariantCulture), http.Scalar("containerPort"));
            var portName = http.Scalar("name");
            string ProbePath(string probe)
            {
                var get = container.Child(probe).Child("httpGet");
                Assert.True(get is not null, $"{deployment}: {probe} is not an HTTP probe");
                Assert.True(get.Scalar("port") == portName || get.Scalar("port") == http.Scalar("containerPort"), $"{deployment}: {probe} probes another port");
                return get.Scalar("path")!;
            }
            Assert.Equal("/health/live", ProbePath("livenessProbe"));
            Assert.Equal("/health/ready", ProbePath("readinessProbe"));
            Assert.Equal("/health/live", ProbePath("startupProbe"));
            var annotations = deployment.Root.Child("spec").Child("template").Child("metadata").Child("annotations");
            Assert.Equal("true", annotations.Scalar("prometheus.io/scrape"));
            Assert.Equal(Observability.MetricsPath, annotations.Scalar("prometheus.io/path"));
            Assert.Equal(http.Scalar("containerPort"), annotations.Scalar("prometheus.io/port"));
        }
    }

    [Fact]
    public void Pollers_run_once_one_replica_replaced_by_Recreate()
    {
        var spec = DeploymentOf("pollers").Root.Child("spec");
        Assert.Equal("1", spec.Scalar("replicas"));
        Assert.Equal("Recreate", spec.Child("strategy").Scalar("type"));
        Assert.DoesNotContain(OfKind("HorizontalPodAutoscaler"), h => h.Root.Child("spec").Child("scaleTargetRef").Scalar("name") == DeploymentOf("pollers").Name);
    }

    [Fact]
    public void Detectors_keep_standbys_and_delivery_and_api_scale_on_cpu()
    {
        Assert.Equal("3", DeploymentOf("detector").Root.Child("spec").Scalar("replicas"));
        foreach (var role in new[] { "delivery", "api" })
        {
            var deployment = DeploymentOf(role);
            var hpa = Assert.Single(OfKind("HorizontalPodAutoscaler"), h => h.Root.Child("spec").Child("scaleTargetRef").Scalar("name") == deployment.Name);
            var spec = hpa.Root.Child("spec");
            Assert.Equal("Deployment", spec.Child("scaleTargetRef").Scalar("kind"));
            Assert.True(int.Parse(spec.Scalar("minReplicas")!, System.Globalization.CultureInfo.InvariantCulture) >= 2, $"{hpa}: at least 2 replicas");
            Assert.True(int.Parse(spec.Scalar("maxReplicas")!, System.Globalization.CultureInfo.InvariantCulture) > int.Parse(spec.Scalar("minReplicas")!, System.Globalization.CultureInfo.InvariantCulture));
            Assert.Contains(spec.Child("metrics").Items(), m => m.Scalar("type") == "Resource" && m.Child("resource").Scalar("name") == "cpu");
            // A replicas field in the Deployment would reset the HPA's choice on every apply.
            Assert.Null(deployment.Root.Child("spec").Child("replicas"));
            // Utilization is relative to the CPU request.
            Assert.NotNull(AppContainer(deployment).Child("resources").Child("requests").Scalar("cpu"));
        }
    }

    [Fact]
    public void Disruption_budgets_cover_the_detector_and_api_and_every_selector_matches_pods()
    {
        var pods = Workloads.Select(w => Labels(w.Root.Child("spec").Child("template").Child("metadata").Child("labels"))).ToList();
        bool Selects(Dictionary<string, string> selector, Dictionary<string, string> labels) =>
            selector.Count > 0 && selector.All(s => labels.GetValueOrDefault(s.Key) == s.Value);
        foreach (var role in new[] { "detector", "api" })
        {
            var podLabels = Labels(DeploymentOf(role).Root.Child("spec").Child("template").Child("metadata").Child("labels"));
            Assert.Contains(OfKind("PodDisruptionBudget"), p => Selects(Labels(p.Root.Child("spec").Child("selector").Child("matchLabels")), podLabels));
        }
        foreach (var pdb in OfKind("PodDisruptionBudget"))
            Assert.True(pods.Any(p => Selects(Labels(pdb.Root.Child("spec").Child("selector").Child("matchLabels")), p)), $"{pdb} selects no pods");
        foreach (var service in OfKind("Service"))
            Assert.True(pods.Any(p => Selects(Labels(service.Root.Child("spec").Child("selector")), p)), $"{service} selects no pods");
        var api = Assert.Single(OfKind("Service"), s => Labels(s.Root.Child("spec").Child("selector")).GetValueOrDefault("app.kubernetes.io/component") == "api");
        Assert.Equal("http", Assert.Single(api.Root.Child("spec").Child("ports").Items()).Scalar("targetPort"));
    }

    [Fact]
    public void Pods_run_as_non_root_on_a_read_only_root_filesystem_with_resources_and_time_to_stop_the_bus()
    {
        foreach (var workload in Workloads)
        {
            var pod = PodSpec(workload);
            Assert.Equal("true", pod.Child("securityContext").Scalar("runAsNonRoot"));
            Assert.NotEqual("0", pod.Child("securityContext").Scalar("runAsUser"));
            foreach (var container in Containers(workload))
            {
                var name = $"{workload} container {container.Scalar("name")}";
                Assert.True(container.Child("securityContext").Scalar("readOnlyRootFilesystem") == "true", $"{name}: root filesystem not read-only");
                Assert.True(container.Child("securityContext").Scalar("allowPrivilegeEscalation") == "false", $"{name}: privilege escalation allowed");
            }
            foreach (var container in Containers(workload, withInit: false))
            {
                var resources = container.Child("resources");
                foreach (var bound in new[] { "requests", "limits" })
                {
                    Assert.True(resources.Child(bound).Scalar("cpu") is not null, $"{workload}: no {bound}.cpu");
                    Assert.True(resources.Child(bound).Scalar("memory") is not null, $"{workload}: no {bound}.memory");
                }
            }
        }
        foreach (var deployment in Deployments)
        {
            // The bus stops within 30 s; Kubernetes kills the pod at the end of the grace period.
            Assert.Equal("45", PodSpec(deployment).Scalar("terminationGracePeriodSeconds"));
            // A read-only root needs a writable /tmp for .NET.
            Assert.Contains(AppContainer(deployment).Child("volumeMounts").Items(), v => v.Scalar("mountPath") == "/tmp");
        }
    }

    [Fact]
    public void Only_the_example_Secret_is_committed_and_it_holds_placeholders()
    {
        var secrets = Manifests.Where(m => m.Kind == "Secret").ToList();
        var example = Assert.Single(secrets);
        Assert.Equal(ExampleSecretFile, example.File);
        Assert.Equal(SecretName, example.Name);
        // Base64 data would hide what is committed.
        Assert.Null(example.Root.Child("data"));
        var values = example.Root.Child("stringData").Entries().ToList();
        Assert.NotEmpty(values);
        foreach (var (key, value) in values)
            Assert.True(Value(value).Contains("change-me", StringComparison.Ordinal), $"{ExampleSecretFile}: {key} is not a change-me placeholder");
        // And no manifest spells a credential out.
        foreach (var file in Directory.GetFiles(Folder, "*.yaml"))
            Assert.DoesNotMatch(CredentialLiteral(), File.ReadAllText(file));
    }

    // password=<literal>, ...-password: <literal>, requirepass/masterauth/auth-pass <literal>; variable expansions
    // ($(REDIS_PASSWORD), ${REDIS_PASSWORD}) and the example's change-me placeholders are not literals.
    [GeneratedRegex(@"(?im)(\b[\w-]*pass(word)?[ \t]*[:=]|\b(requirepass|masterauth)[ \t]+|\bauth-pass[ \t]+\S+[ \t]+)[ \t]*(?![""']?\$|[""']?change-me|$)\S")]
    private static partial Regex CredentialLiteral();

    [Fact]
    public void Every_secretKeyRef_names_a_key_the_example_Secret_defines()
    {
        var example = Assert.Single(Manifests, m => m.Kind == "Secret");
        var keys = example.Root.Child("stringData").Entries().Select(e => e.Key).ToHashSet(StringComparer.Ordinal);
        var refs = 0;
        foreach (var workload in Workloads)
        {
            foreach (var container in Containers(workload))
            {
                foreach (var (name, entry) in Env(container))
                {
                    var secretRef = entry.Child("valueFrom").Child("secretKeyRef");
                    if (secretRef is null)
                        continue;
                    refs++;
                    Assert.True(secretRef.Scalar("name") == SecretName, $"{workload}: {name} reads Secret {secretRef.Scalar("name")}, not {SecretName}");
                    Assert.True(keys.Contains(secretRef.Scalar("key")!), $"{workload}: {name} reads key {secretRef.Scalar("key")}, which {ExampleSecretFile} does not define");
                }
                Assert.DoesNotContain(container.Child("envFrom").Items(), f => f.Child("secretRef") is not null);
            }
        }
        Assert.True(refs >= 3 * Roles.Length);
        // Every credential of the app comes from the Secret, never from a literal value.
        foreach (var deployment in Deployments)
        {
            var env = Env(AppContainer(deployment)).ToDictionary(e => e.Name, e => e.Entry);
            foreach (var name in new[] { "DSW_Bus__RabbitMq__Username", "DSW_Bus__RabbitMq__Password", "REDIS_PASSWORD" })
                Assert.True(env.TryGetValue(name, out var e) && e.Child("valueFrom").Child("secretKeyRef") is not null, $"{deployment}: {name} not from the Secret");
        }
    }

    [Fact]
    public void Every_DSW_variable_is_a_documented_configuration_key()
    {
        var docs = new[] { DeployFiles.PathOf("README.md") }.Concat(Directory.GetFiles(DeployFiles.PathOf("docs"), "*.md"))
            .SelectMany(File.ReadAllLines).ToList();
        var names = Deployments.SelectMany(d => AllEnvNames(AppContainer(d))).Where(n => n.StartsWith("DSW_", StringComparison.Ordinal)).Distinct(StringComparer.Ordinal).ToList();
        Assert.Contains("DSW_Bus__Transport", names);
        var undocumented = names.Where(n => !IsDocumented(ConfigurationKey(n), docs)).ToList();
        Assert.True(undocumented.Count == 0, "not a configuration key documented in README.md or docs/*.md: " + string.Join(", ", undocumented.Select(n => $"{n} ({ConfigurationKey(n)})")));
    }

    /// <summary>DSW_Notifications__Webhooks__0__Url → Notifications:Webhooks:&lt;n&gt;:Url (the docs write indexes as &lt;n&gt;).</summary>
    private static string ConfigurationKey(string variable) =>
        string.Join(':', variable["DSW_".Length..].Split("__").Select(s => s.All(char.IsAsciiDigit) ? "<n>" : s));

    /// <summary>
    /// Documented as <c>`A:B:C`</c>, or in a table row that names a sibling and the last segment alone
    /// (<c>`Bus:RabbitMq:Host`, `:Port`, ..., `:Password`</c>).
    /// </summary>
    private static bool IsDocumented(string key, List<string> docs)
    {
        if (docs.Any(l => l.Contains($"`{key}`", StringComparison.Ordinal)))
            return true;
        var cut = key.LastIndexOf(':');
        if (cut < 0)
            return false;
        var (parent, last) = (key[..cut], key[(cut + 1)..]);
        return docs.Any(l => l.Contains($"`{parent}:", StringComparison.Ordinal) && l.Contains($"`:{last}`", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_role_shares_the_broker_and_store_settings()
    {
        Assert.Equal("rabbitmq", ConfigMapValue("DSW_Bus__Transport"));
        Assert.Equal("redis", ConfigMapValue("DSW_Store__Kind"));
        var rabbit = Assert.Single(OfKind("RabbitmqCluster"));
        // The operator's client Service has the cluster's name.
        Assert.Equal(rabbit.Name, ConfigMapValue("DSW_Bus__RabbitMq__Host"));
        foreach (var deployment in Deployments)
        {
            var container = AppContainer(deployment);
            Assert.Contains(container.Child("envFrom").Items(), f => f.Child("configMapRef").Scalar("name") == "deepseekwatch-config");
            // Set once, in the ConfigMap: a Deployment overriding it would disagree with the others.
            var local = Env(container).Select(e => e.Name).ToHashSet(StringComparer.Ordinal);
            foreach (var (key, _) in Assert.Single(OfKind("ConfigMap"), c => c.Name == "deepseekwatch-config").Root.Child("data").Entries())
                Assert.DoesNotContain(key, local);
        }
        var redis = Deployments.Select(d => Env(AppContainer(d)).Single(e => e.Name == "DSW_Store__Redis__Configuration").Entry.Scalar("value")).Distinct(StringComparer.Ordinal);
        Assert.Single(redis);
    }

    [Fact]
    public void The_Redis_configuration_string_lists_the_Sentinels_and_names_the_primary_they_monitor()
    {
        var sentinels = Assert.Single(OfKind("StatefulSet"), s => s.Name == "redis-sentinel");
        var replicas = int.Parse(sentinels.Root.Child("spec").Scalar("replicas")!, System.Globalization.CultureInfo.InvariantCulture);
        var service = sentinels.Root.Child("spec").Scalar("serviceName")!;
        Assert.Contains(OfKind("Service"), s => s.Name == service && s.Root.Child("spec").Scalar("clusterIP") == "None");
        var script = Assert.Single(OfKind("ConfigMap"), c => c.Name == "redis-scripts").Root.Child("data").Scalar("sentinel-init.sh")!;
        var monitor = SentinelMonitor().Match(script);
        Assert.True(monitor.Success, "sentinel-init.sh has no `sentinel monitor <name> <host> 6379 <quorum>`");
        Assert.True(int.Parse(monitor.Groups["quorum"].Value, System.Globalization.CultureInfo.InvariantCulture) > replicas / 2, "the quorum must be a majority of the Sentinels");
        foreach (var deployment in Deployments)
        {
            var env = Env(AppContainer(deployment)).Select(e => e.Name).ToList();
            var value = Env(AppContainer(deployment)).Single(e => e.Name == "DSW_Store__Redis__Configuration").Entry.Scalar("value")!;
            // Kubernetes expands $(REDIS_PASSWORD) only from a variable defined earlier in the list.
            Assert.Contains("password=$(REDIS_PASSWORD)", value, StringComparison.Ordinal);
            Assert.True(env.IndexOf("REDIS_PASSWORD") is >= 0 and var i && i < env.IndexOf("DSW_Store__Redis__Configuration"), $"{deployment}: REDIS_PASSWORD must come before DSW_Store__Redis__Configuration");
            var options = StackExchange.Redis.ConfigurationOptions.Parse(value.Replace("$(REDIS_PASSWORD)", "0123abcd", StringComparison.Ordinal));
            Assert.Equal(monitor.Groups["name"].Value, options.ServiceName);
            Assert.Equal("0123abcd", options.Password);
            var endpoints = options.EndPoints.Select(e => e is System.Net.DnsEndPoint d ? $"{d.Host}:{d.Port}" : e.ToString()!).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(Enumerable.Range(0, replicas).Select(i => $"{sentinels.Name}-{i}.{service}:26379"), endpoints);
        }
    }

    [GeneratedRegex(@"sentinel monitor (?<name>\S+) \S+ 6379 (?<quorum>\d+)")]
    private static partial Regex SentinelMonitor();

    [Fact]
    public void RabbitMQ_runs_three_nodes_with_the_prometheus_and_consistent_hash_plugins()
    {
        var rabbit = Assert.Single(OfKind("RabbitmqCluster"));
        Assert.Equal("rabbitmq.com/v1beta1", rabbit.Root.Scalar("apiVersion"));
        Assert.Equal("3", rabbit.Root.Child("spec").Scalar("replicas"));
        var plugins = rabbit.Root.Child("spec").Child("rabbitmq").Child("additionalPlugins").Items().Select(Value).ToList();
        Assert.Contains("rabbitmq_prometheus", plugins);
        Assert.Contains("rabbitmq_consistent_hash_exchange", plugins);
    }
}
