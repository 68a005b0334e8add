using System.CommandLine;
using System.Globalization;
using DeepSeekWatch.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DeepSeekWatch.Delivery;

/// <summary>
/// <c>deepseekwatch deliveries dead-letters</c> lists dead letters; <c>deliveries redrive &lt;deliveryId&gt;|--all</c> puts
/// them back in the queue, where the running service's dispatcher sends them. Meaningful with <c>--store redis</c>
/// (the memory store lives inside the service process).
/// </summary>
internal static class DeliveriesCommand
{
    public static Command Create()
    {
        var command = new Command("deliveries", "Operator commands for alert deliveries (dead letters, re-drive).");

        var list = new Command("dead-letters", "Lists deliveries that ran out of attempts or were refused.");
        list.SetAction((parse, ct) => RunAsync(parse, async (ops, output) =>
        {
            var dead = await ops.ListDeadLettersAsync(ct);
            if (dead.Count == 0)
            {
                await output.WriteLineAsync("no dead letters");
                return CommandLine.ExitOk;
            }
            await output.WriteLineAsync("deliveryId\troute\talertId\trevision\tattempts\tlastOutcome\tdeadLetteredAt\treason");
            foreach (var d in dead)
            {
                await output.WriteLineAsync(string.Join('\t',
                    d.Id, d.Route, d.AlertId, d.Revision.ToString(CultureInfo.InvariantCulture), d.Attempts.ToString(CultureInfo.InvariantCulture),
                    d.LastOutcome ?? "-", d.CompletedAt is { } at ? Replay.TapeTime.Format(at) : "-", d.DeadLetterReason ?? "-"));
            }
            return CommandLine.ExitOk;
        }));

        var id = new Argument<string?>("deliveryId") { Description = "The dead letter to re-drive (see dead-letters).", Arity = ArgumentArity.ZeroOrOne };
        var all = new Option<bool>("--all") { Description = "Re-drive every dead letter." };
        var redrive = new Command("redrive", "Puts dead letters back in the queue with a fresh set of attempts and the same webhook-id.");
        redrive.Arguments.Add(id);
        redrive.Options.Add(all);
        redrive.Validators.Add(result =>
        {
            var hasId = !string.IsNullOrWhiteSpace(result.GetValue(id));
            if (hasId == result.GetValue(all))
                result.AddError("give either a deliveryId or --all");
        });
        redrive.SetAction((parse, ct) => RunAsync(parse, async (ops, output) =>
        {
            if (parse.GetValue(all))
            {
                var count = await ops.RedriveAllAsync(ct);
                await output.WriteLineAsync($"re-driven {count} dead letter(s)");
                return CommandLine.ExitOk;
            }
            var deliveryId = parse.GetValue(id)!;
            try
            {
                var d = await ops.RedriveAsync(deliveryId, ct);
                await output.WriteLineAsync($"re-driven {d.Id} (route {d.Route}, alert {d.AlertId} r{d.Revision})");
                return CommandLine.ExitOk;
            }
            catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"error: {ex.Message}");
                return CommandLine.ExitFailure;
            }
        }));

        command.Subcommands.Add(list);
        command.Subcommands.Add(redrive);
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, Func<DeliveryOperations, TextWriter, Task<int>> action)
    {
        var output = parse.InvocationConfiguration.Output;
        var error = parse.InvocationConfiguration.Error;
        try
        {
            var builder = Host.CreateApplicationBuilder();
            AppConfiguration.Apply(builder.Configuration, parse);
            // The command prints its own results; only problems are logged.
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.Services.AddDelivery(builder.Configuration);
            using var host = builder.Build();
            var options = host.Services.GetRequiredService<DeliveryOptions>();
            if (options.StoreKind != "redis")
                await error.WriteLineAsync("note: Store:Kind is memory, so this process sees only its own (empty) store; use --store redis to reach the service's deliveries");
            return await action(host.Services.GetRequiredService<DeliveryOperations>(), output);
        }
        catch (ConfigurationException ex)
        {
            await error.WriteLineAsync($"error: {ex.Message}");
            return CommandLine.ExitUsage;
        }
        catch (OptionsValidationException ex)
        {
            foreach (var failure in ex.Failures)
                await error.WriteLineAsync($"error: {failure}");
            return CommandLine.ExitUsage;
        }
    }
}
