using System.Text.RegularExpressions;
using DeepSeekWatch.Hosting;
using YamlDotNet.RepresentationModel;

namespace DeepSeekWatch.Tests.Deploy;

/// <summary>
/// Docker does not run on the test machines, so the compose file, the Dockerfile, the Prometheus configuration and
/// the Grafana provisioning and dashboard are checked here as files: they parse, and they say what the stack needs.
/// </summary>
public sealed partial class DeployFilesTests
{
    private static readonly YamlMappingNode Compose = DeployFiles.Yaml("docker-compose.yml");

    private static IEnumerable<(string Name, YamlNode Service)> Services => Compose.Child("services").Entries();

    private static bool IsOneShotJob(YamlNode service) => service.Scalar("restart") == "no" && service.Child("profiles") is not null;

    [Fact]
    public void The_compose_file_runs_the_service_its_broker_store_Prometheus_and_Grafana()
    {
        Assert.Equal(["deepseekwatch", "grafana", "prometheus", "rabbitmq", "redis", "replay"], Services.Select(s => s.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Every_long_running_service_has_a_health_check_and_one_shot_jobs_disable_it_explicitly()
    {
        foreach (var (name, service) in Services)
        {
            var health = service.Child("healthcheck");
            Assert.True(health is not null, $"service {name} has no healthcheck");
            if (IsOneShotJob(service))
            {
                Assert.True(health.Scalar("disable") == "true", $"one-shot job {name} must disable its healthcheck explicitly");
                continue;
            }
            Assert.True(health.Child("test") is YamlSequenceNode { Children.Count: > 1 } test && ((YamlScalarNode)test.Children[0]).Value is "CMD" or "CMD-SHELL",
                $"service {name}: healthcheck.test must be a CMD or CMD-SHELL list");
            Assert.NotNull(health.Scalar("interval"));
            Assert.NotNull(health.Scalar("retries"));
        }
    }

    [Fact]
    public void Services_wait_for_what_they_depend_on_to_be_healthy()
    {
        var dependents = 0;
        foreach (var (name, service) in Services)
        {
            foreach (var (dependency, condition) in service.Child("depends_on").Entries())
            {
                dependents++;
                Assert.True(condition.Scalar("condition") == "service_healthy", $"{name} depends on {dependency} without condition: service_healthy");
                Assert.Contains(dependency, Services.Select(s => s.Name));
            }
        }
        Assert.True(dependents >= 6);
        Assert.Equal(["rabbitmq", "redis"], Compose.Child("services")!.Child("deepseekwatch").Child("depends_on").Entries().Select(e => e.Key).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Credentials_come_from_the_environment_never_from_the_compose_file()
    {
        var rabbit = Compose.Child("services")!.Child("rabbitmq").Child("environment");
        Assert.StartsWith("${RABBITMQ_PASSWORD:?", rabbit.Scalar("RABBITMQ_DEFAULT_PASS"), StringComparison.Ordinal);
        Assert.StartsWith("${GRAFANA_ADMIN_PASSWORD:?", Compose.Child("services")!.Child("grafana").Child("environment").Scalar("GF_SECURITY_ADMIN_PASSWORD"), StringComparison.Ordinal);
        var redisCommand = Compose.Child("services")!.Child("redis").Child("command").Items().Select(i => ((YamlScalarNode)i).Value).ToList();
        var pass = redisCommand.IndexOf("--requirepass");
        Assert.True(pass >= 0, "redis must require a password");
        Assert.StartsWith("${REDIS_PASSWORD", redisCommand[pass + 1], StringComparison.Ordinal);
        var text = File.ReadAllText(DeployFiles.PathOf("docker-compose.yml"));
        Assert.DoesNotMatch(PasswordLiteral(), text);
    }

    [GeneratedRegex(@"(?i)password\s*[:=]\s*(?!\$\{)[A-Za-z0-9]", RegexOptions.Multiline)]
    private static partial Regex PasswordLiteral();

    [Fact]
    public void RabbitMQ_runs_the_management_and_prometheus_plugins_and_Redis_keeps_an_append_only_file()
    {
        var plugins = File.ReadAllText(DeployFiles.PathOf("deploy", "rabbitmq", "enabled_plugins"));
        Assert.Contains("rabbitmq_management", plugins, StringComparison.Ordinal);
        Assert.Contains("rabbitmq_prometheus", plugins, StringComparison.Ordinal);
        Assert.Contains(Compose.Child("services")!.Child("rabbitmq").Child("volumes").Items(), v => ((YamlScalarNode)v).Value!.StartsWith("./deploy/rabbitmq/enabled_plugins:/etc/rabbitmq/enabled_plugins", StringComparison.Ordinal));
        Assert.Matches(@"(?m)^appendonly yes$", File.ReadAllText(DeployFiles.PathOf("deploy", "redis", "redis.conf")));
    }

    [Fact]
    public void The_service_is_configured_for_RabbitMQ_and_Redis_and_the_demo_replays_the_sample_tape()
    {
        var env = Compose.Child("x-deepseekwatch-env");
        Assert.Equal("rabbitmq", env.Scalar("DSW_Bus__Transport"));
        Assert.Equal("redis", env.Scalar("DSW_Store__Kind"));
        var replay = Compose.Child("services")!.Child("replay");
        Assert.Equal(["demo"], replay.Child("profiles").Items().Select(i => ((YamlScalarNode)i).Value));
        var command = replay.Child("command").Items().Select(i => ((YamlScalarNode)i).Value!).ToList();
        Assert.Equal("replay", command[0]);
        Assert.EndsWith("samples/deepseek-2025-01.jsonl", command[1], StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(Support.Repo.Root, "samples", "deepseek-2025-01.jsonl")));
        // Its own queues: a replay sharing the service's queues would compete for its messages and never see itself finish.
        Assert.NotEqual("deepseekwatch-", replay.Child("environment").Scalar("DSW_Bus__EndpointPrefix"));
    }

    [Fact]
    public void The_Dockerfile_builds_in_one_stage_and_runs_as_a_non_root_user_in_another()
    {
        var lines = File.ReadAllLines(DeployFiles.PathOf("deploy", "Dockerfile")).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        var stages = lines.Select((l, i) => (l, i)).Where(x => x.l.StartsWith("FROM ", StringComparison.Ordinal)).ToList();
        Assert.True(stages.Count >= 2, "multi-stage: a build stage and a runtime stage");
        Assert.Contains("/dotnet/sdk:", stages[0].l, StringComparison.Ordinal);
        Assert.Contains("/dotnet/aspnet:", stages[^1].l, StringComparison.Ordinal);
        var final = lines.Skip(stages[^1].i).ToList();
        var user = Assert.Single(final, l => l.StartsWith("USER ", StringComparison.Ordinal));
        Assert.DoesNotContain(user[5..].Trim(), new[] { "root", "0", "0:0" });
        Assert.Contains(final, l => l.StartsWith("COPY --from=", StringComparison.Ordinal));
        Assert.Contains(final, l => l.StartsWith("ENTRYPOINT", StringComparison.Ordinal) && l.Contains("deepseekwatch", StringComparison.Ordinal));
        Assert.Equal("deploy/Dockerfile", Compose.Child("services")!.Child("deepseekwatch").Child("build").Scalar("dockerfile"));
    }

    [Fact]
    public void Prometheus_scrapes_the_service_metrics_and_RabbitMQ()
    {
        var config = DeployFiles.Yaml("deploy", "prometheus", "prometheus.yml");
        var jobs = config.Child("scrape_configs").Items().ToDictionary(j => j.Scalar("job_name")!, j => j);
        var service = jobs["deepseekwatch"];
        Assert.Equal(Observability.MetricsPath, service.Scalar("metrics_path"));
        var target = ((YamlScalarNode)service.Child("static_configs").Items().Single().Child("targets").Items().Single()).Value;
        // The container listens where the Dockerfile says.
        Assert.Contains($"DSW_Urls=http://0.0.0.0:{target!.Split(':')[1]}", File.ReadAllText(DeployFiles.PathOf("deploy", "Dockerfile")), StringComparison.Ordinal);
        Assert.Equal("deepseekwatch", target.Split(':')[0]);
        Assert.Contains(jobs.Values, j => j.Child("static_configs").Items().Any(s => s.Child("targets").Items().Any(t => ((YamlScalarNode)t).Value == "rabbitmq:15692")) && j.Scalar("metrics_path") == "/metrics/detailed");
        Assert.Contains(Compose.Child("services")!.Child("prometheus").Child("volumes").Items(), v => ((YamlScalarNode)v).Value!.StartsWith("./deploy/prometheus/prometheus.yml:", StringComparison.Ordinal));
    }

    [Fact]
    public void Grafana_is_provisioned_with_a_Prometheus_and_a_Redis_data_source_and_the_dashboards()
    {
        var sources = DeployFiles.Yaml("deploy", "grafana", "provisioning", "datasources", "datasources.yml").Child("datasources").Items().ToList();
        var prometheus = Assert.Single(sources, s => s.Scalar("type") == "prometheus");
        Assert.Equal("http://prometheus:9090", prometheus.Scalar("url"));
        var redis = Assert.Single(sources, s => s.Scalar("type") == "redis-datasource");
        Assert.Equal("redis://redis:6379", redis.Scalar("url"));
        Assert.Equal("$REDIS_PASSWORD", redis.Child("secureJsonData").Scalar("password"));
        var grafana = Compose.Child("services")!.Child("grafana");
        Assert.Contains("redis-datasource", grafana.Child("environment").Scalar("GF_INSTALL_PLUGINS"), StringComparison.Ordinal);
        var volumes = grafana.Child("volumes").Items().Select(v => ((YamlScalarNode)v).Value!).ToList();
        Assert.Contains(volumes, v => v.StartsWith("./deploy/grafana/provisioning:/etc/grafana/provisioning", StringComparison.Ordinal));
        var dashboards = DeployFiles.Yaml("deploy", "grafana", "provisioning", "dashboards", "dashboards.yml").Child("providers").Items().Single();
        var path = dashboards.Child("options").Scalar("path");
        Assert.Contains(volumes, v => v.StartsWith($"./deploy/grafana/dashboards:{path}", StringComparison.Ordinal));
    }
}
