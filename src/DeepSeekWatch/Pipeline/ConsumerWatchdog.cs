using System.Diagnostics.Metrics;
using DeepSeekWatch.Hosting;
using MassTransit;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;

namespace DeepSeekWatch.Pipeline;

/// <summary>What the broker says about one queue: messages ready to deliver and consumers attached (any process).</summary>
public readonly record struct QueueState(uint Messages, uint Consumers);

/// <summary>Asks the broker about a queue. Null when it cannot say (broker unreachable, queue missing, no leader).</summary>
public interface IQueueProbe
{
    Task<QueueState?> ProbeAsync(string queue, CancellationToken cancellationToken);
}

/// <summary>A receive endpoint as MassTransit reports it: its queue, whether it is healthy, and if not what MassTransit says.</summary>
public readonly record struct WatchedEndpoint(string Queue, bool Ready, string? Status = null);

/// <summary>The part of the bus the watchdog needs: MassTransit's view of its endpoints, and a restart.</summary>
public interface IWatchedBus
{
    /// <summary>The receive endpoints MassTransit knows, healthy or not, by queue name (temporary ones left out).</summary>
    IReadOnlyList<WatchedEndpoint> Endpoints();

    Task RestartAsync(CancellationToken cancellationToken);
}

/// <summary>
/// The broker's side of "is this process consuming" (docs/reliability.md, Finding 7): after a RabbitMQ restart,
/// MassTransit can report an endpoint healthy and ready while the broker has no consumer on its queue, which then never
/// drains; or it can report an endpoint faulted and never bring it back although the broker is up again. Every
/// <c>Bus:RabbitMq:ConsumerCheckInterval</c> this asks the broker (a passive declare on its own connection) about the
/// queue of each endpoint MassTransit has, healthy or not; a queue with messages ready and no consumer at all, seen so
/// (the broker answering) for <c>Bus:RabbitMq:ConsumerCheckGrace</c> or longer, restarts the bus: unacknowledged
/// messages return to their queues (consumers are idempotent) and every endpoint consumes again. While the broker is
/// down it cannot answer, so nothing is restarted then: MassTransit's own reconnection gets the grace after the broker
/// is back. <c>/health/ready</c> reports the queue meanwhile (<see cref="ConsumerWatchdogHealthCheck"/>).
/// </summary>
public sealed class ConsumerWatchdog : BackgroundService
{
    private readonly IWatchedBus _bus;
    private readonly IQueueProbe _probe;
    private readonly TimeProvider _time;
    private readonly ILogger<ConsumerWatchdog> _logger;
    private readonly TimeSpan _interval;
    private readonly TimeSpan _grace;
    private readonly Counter<long> _restarts;
    private readonly Dictionary<string, DateTimeOffset> _stuckSince = new(StringComparer.Ordinal);
    private readonly HashSet<string> _counted = new(StringComparer.Ordinal);
    private volatile string? _problem;
    private (DateTimeOffset At, IReadOnlyList<string> Queues, string What)? _failed;

    public ConsumerWatchdog(IWatchedBus bus, IQueueProbe probe, IOptions<BusOptions> options, TimeProvider time, IMeterFactory meters, ILogger<ConsumerWatchdog> logger)
    {
        _bus = bus;
        _probe = probe;
        _time = time;
        _logger = logger;
        _interval = options.Value.RabbitMq.ConsumerCheckInterval;
        _grace = options.Value.RabbitMq.ConsumerCheckGrace;
        _restarts = meters.Create(MetricNames.Meter).CreateCounter<long>(MetricNames.BusRestarts, description: "Bus restarts because a queue had messages and no consumer for the grace while the broker answered (its endpoint reported ready, or down and not brought back)");
    }

    /// <summary>Restarts attempted so far.</summary>
    public int Restarts { get; private set; }

    /// <summary>Why the bus is not consuming as it claims, or null.</summary>
    public string? Problem => _problem;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_interval <= TimeSpan.Zero)
            return;
        using var timer = new PeriodicTimer(_interval, _time);
        try
        {
            // A first check at once (MassTransit's hosted service has started the bus before this one starts): it
            // writes each queue's zero restarts, so the series exist before anything happens.
            do
            {
                try
                {
                    await CheckAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    _logger.LogWarning("consumer check failed: {Error}", ex.Message);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// One check of every queue; restarts the bus when one has been stuck for the grace, and again a grace after a restart
    /// that failed (until one succeeds). Returns the queues it restarted the bus for.
    /// </summary>
    public async Task<IReadOnlyList<string>> CheckAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (_failed is { } failed)
        {
            // The bus may be stopped: its endpoints' health says nothing until it has started again.
            return now - failed.At >= _grace ? await RestartAsync(failed.Queues, $"{failed.What} (again: the restart at {failed.At:HH:mm:ss} failed)", cancellationToken) : [];
        }
        var endpoints = _bus.Endpoints();
        foreach (var endpoint in endpoints)
        {
            if (_counted.Add(endpoint.Queue))
                _restarts.Add(0, new KeyValuePair<string, object?>(MetricNames.Labels.Queue, endpoint.Queue));
        }
        foreach (var gone in _stuckSince.Keys.Except(endpoints.Select(e => e.Queue), StringComparer.Ordinal).ToList())
            _stuckSince.Remove(gone);
        var stuck = new List<(WatchedEndpoint Endpoint, QueueState State, TimeSpan For)>();
        foreach (var endpoint in endpoints)
        {
            var state = await _probe.ProbeAsync(endpoint.Queue, cancellationToken);
            // Only what the broker says counts: a queue it cannot report on (the broker down) starts its grace again.
            if (state is not { Messages: > 0, Consumers: 0 } s)
            {
                _stuckSince.Remove(endpoint.Queue);
                continue;
            }
            if (!_stuckSince.TryGetValue(endpoint.Queue, out var since))
                _stuckSince[endpoint.Queue] = since = now;
            if (now - since >= _grace)
                stuck.Add((endpoint, s, now - since));
        }
        if (stuck.Count == 0)
            return [];
        static string Line((WatchedEndpoint Endpoint, QueueState State, TimeSpan For) q) =>
            $"{q.Endpoint.Queue}: {q.State.Messages} message(s) ready, no consumer for {q.For.TotalSeconds:0} s";
        var parts = new List<string>();
        if (stuck.Where(q => q.Endpoint.Ready).ToList() is { Count: > 0 } ready)
            parts.Add("MassTransit reports these endpoints ready but the broker has no consumer on them: " + string.Join("; ", ready.Select(Line)));
        if (stuck.Where(q => !q.Endpoint.Ready).ToList() is { Count: > 0 } down)
            parts.Add("MassTransit reports these endpoints down and has not brought them back while the broker answers: "
                + string.Join("; ", down.Select(q => $"{Line(q)} (MassTransit: {q.Endpoint.Status ?? "not healthy"})")));
        return await RestartAsync(stuck.ConvertAll(q => q.Endpoint.Queue), string.Join(". ", parts), cancellationToken);
    }

    private async Task<IReadOnlyList<string>> RestartAsync(IReadOnlyList<string> queues, string what, CancellationToken cancellationToken)
    {
        _problem = "restarting the bus: " + what;
        _logger.LogError("consumer check: {Problem}", _problem);
        foreach (var queue in queues)
            _restarts.Add(1, new KeyValuePair<string, object?>(MetricNames.Labels.Queue, queue));
        Restarts++;
        _stuckSince.Clear();
        try
        {
            await _bus.RestartAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _failed = (_time.GetUtcNow(), queues, what);
            _problem = $"bus restart failed ({ex.GetType().Name}: {ex.Message}); trying again in {_grace.TotalSeconds:0} s; it was for: {what}";
            _logger.LogError("consumer check: {Problem}", _problem);
            return queues;
        }
        _failed = null;
        _problem = null;
        _logger.LogWarning("consumer check: bus restarted; the endpoints consume again ({Queues})", string.Join(", ", queues));
        return queues;
    }
}

/// <summary><c>/health/ready</c>: unhealthy while the watchdog restarts the bus or after a restart failed.</summary>
public sealed class ConsumerWatchdogHealthCheck(ConsumerWatchdog watchdog) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(watchdog.Problem is { } problem ? HealthCheckResult.Unhealthy(problem) : HealthCheckResult.Healthy($"{watchdog.Restarts} restart(s)"));
}

/// <summary>MassTransit's bus as the watchdog sees it.</summary>
internal sealed class MassTransitWatchedBus(IBusControl bus, IOptions<BusOptions> options, ILogger<MassTransitWatchedBus> logger) : IWatchedBus
{
    /// <summary>The bus's own stop bound (MassTransitHostOptions.StopTimeout in <see cref="PipelineComposition"/>).</summary>
    internal static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    /// <summary>How long a restart waits for the bus to stop before it starts it all the same.</summary>
    internal TimeSpan StopBound { get; init; } = StopTimeout;

    public IReadOnlyList<WatchedEndpoint> Endpoints()
    {
        var endpoints = new List<WatchedEndpoint>();
        foreach (var (address, health) in bus.CheckHealth().Endpoints)
        {
            if (QueueOf(address) is { } queue)
            {
                var ready = health.Status == BusHealthStatus.Healthy;
                endpoints.Add(new WatchedEndpoint(queue, ready, ready ? null : $"{health.Status}: {health.Description}"));
            }
        }
        return endpoints;
    }

    /// <summary>The queue name of an endpoint address (<c>rabbitmq://host:port/vhost/queue</c>); null for a temporary endpoint or no address.</summary>
    internal static string? QueueOf(string address)
    {
        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || uri.Query.Contains("temporary=true", StringComparison.OrdinalIgnoreCase))
            return null;
        var name = Uri.UnescapeDataString(uri.Segments[^1].TrimEnd('/'));
        return name.Length > 0 ? name : null;
    }

    /// <summary>
    /// Stops the bus (a delivery still running after <see cref="StopBound"/> is left behind: its message was not
    /// acknowledged and returns to its queue with the channel) and starts it again within <c>Bus:StartTimeout</c>.
    /// </summary>
    public async Task RestartAsync(CancellationToken cancellationToken)
    {
        using (var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            stop.CancelAfter(StopBound);
            try
            {
                await bus.StopAsync(stop.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning("consumer check: the bus did not stop within {Bound} s; starting it all the same", StopBound.TotalSeconds);
            }
        }
        using var start = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        start.CancelAfter(options.Value.StartTimeout);
        await bus.StartAsync(start.Token);
    }
}

/// <summary>Passive declares on a connection of its own (named <c>deepseekwatch-consumer-check</c>), opened on first use and after a failure.</summary>
internal sealed class RabbitMqQueueProbe(IOptions<BusOptions> options, ILogger<RabbitMqQueueProbe> logger) : IQueueProbe, IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IConnection? _connection;
    private bool _unreachable;

    public async Task<QueueState?> ProbeAsync(string queue, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_connection is not { IsOpen: true })
            {
                await DropConnectionAsync();
                var o = options.Value.RabbitMq;
                var factory = new ConnectionFactory
                {
                    HostName = o.Host, Port = o.Port, VirtualHost = o.VirtualHost, UserName = o.Username, Password = o.Password,
                    AutomaticRecoveryEnabled = false, RequestedConnectionTimeout = TimeSpan.FromSeconds(10), ContinuationTimeout = TimeSpan.FromSeconds(10),
                };
                _connection = await factory.CreateConnectionAsync("deepseekwatch-consumer-check", cancellationToken);
            }
            // A passive declare of a missing queue closes its channel: one channel per question.
            await using var channel = await _connection.CreateChannelAsync(cancellationToken: cancellationToken);
            var ok = await channel.QueueDeclarePassiveAsync(queue, cancellationToken);
            if (_unreachable)
            {
                _unreachable = false;
                logger.LogInformation("consumer check: the broker answers again");
            }
            return new QueueState(ok.MessageCount, ok.ConsumerCount);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // RabbitMQ.Client's messages name host and port, never the credentials. Without a connection the watchdog
            // is blind: said once as a warning (until the broker answers again), a missing queue only at debug.
            if (_connection is not { IsOpen: true } && !_unreachable)
            {
                _unreachable = true;
                logger.LogWarning("consumer check: cannot ask the broker ({Error}); queues are not checked until it answers", ex.Message);
            }
            else
            {
                logger.LogDebug("consumer check: no answer about queue {Queue}: {Error}", queue, ex.Message);
            }
            return null;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task DropConnectionAsync()
    {
        if (_connection is null)
            return;
        try
        {
            await _connection.DisposeAsync();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            logger.LogDebug("consumer check: closing the old connection: {Error}", ex.Message);
        }
        _connection = null;
    }

    public async ValueTask DisposeAsync()
    {
        await DropConnectionAsync();
        _gate.Dispose();
    }
}
