using System.CommandLine;
using System.Globalization;
using Timely.Bench.Commands;
using Timely.Bench.Suite;
using Timely.Communication;
using Timely.Dataflow;
using Timely.Examples;
using Timely.Workloads;

namespace Timely.Bench.Workloads;

/// <summary>
/// <c>timely workload NAME --assembly DLL</c>: runs one workload of a workloads assembly once, on
/// timely's communication flags, and prints each worker's line and the result (records and the
/// checksum summed over this process's workers), or with <c>--json</c> the summary line the suite
/// reads. <c>timely workload --list --assembly DLL</c> lists the assembly's workloads, one a line:
/// name, a tab, the configurations as a number (<see cref="WorkloadConfigurations"/>), a tab, their names.
/// </summary>
public static class WorkloadCommand
{
    /// <summary>The command's name, also the suite's <see cref="SuiteRow.Workload"/> of a user's workload row.</summary>
    public const string Name = "workload";

    /// <summary>The command.</summary>
    public static Command Create()
    {
        var options = new CommunicationOptions();
        var name = new Argument<string?>("NAME") { Description = "The workload's name ([Workload(\"NAME\")]).", Arity = ArgumentArity.ZeroOrOne };
        var rest = new Argument<string[]>("ARGS") { Description = "Arguments for the workload after --: WorkloadContext.Arguments.", Arity = ArgumentArity.ZeroOrMore };
        var assembly = new Option<string>("--assembly") { Description = "The workloads assembly (.dll) your project builds; not a symbolic link.", HelpName = "DLL", Required = true };
        var size = new Option<string>("--size") { Description = "full, quick or smoke: WorkloadContext.Size (default full).", HelpName = "SIZE", DefaultValueFactory = _ => "full" };
        var list = new Option<bool>("--list") { Description = "List the assembly's workloads and the configurations each runs on, then exit." };
        var json = new Option<bool>("--json") { Description = "Print one JSON summary line per process (elapsed ms, records, checksum, gen0 GCs, allocated bytes) on stdout and nothing else there: the per-worker lines go to stderr." };
        var command = new Command(Name, "Runs a workload of your own assembly once (see docs/cli.md, 'Your own workloads'); the suite runs them with --workloads.");
        command.Arguments.Add(name);
        command.Arguments.Add(rest);
        foreach (var o in new Option[] { assembly, size, list, json })
        {
            command.Options.Add(o);
        }

        options.AddTo(command);
        command.SetAction(result =>
        {
            var config = options.ToConfig(result);
            var entries = WorkloadCatalog.Load("--assembly", result.GetValue(assembly)!);
            if (result.GetValue(list))
            {
                foreach (var e in entries)
                {
                    Console.Out.WriteLine(ListLine(e.Name, e.Configurations));
                }

                return 0;
            }

            string workload = result.GetValue(name) ?? throw new ConfigException($"give the workload's NAME (this assembly has: {string.Join(", ", entries.Select(e => e.Name))}), or --list.");
            var entry = entries.FirstOrDefault(e => e.Name == workload) ?? throw new ConfigException($"no workload '{workload}' in {result.GetValue(assembly)} (it has: {string.Join(", ", entries.Select(e => e.Name))}).");
            var sizeValue = ParseSize(result.GetValue(size)!);
            string[] arguments = result.GetValue(rest) ?? [];
            bool machine = result.GetValue(json);
            return Cli.Run(() =>
            {
                var results = Run(config, entry, sizeValue, arguments);
                ExampleCommand.Report(Name, [workload, "--size", SizeName(sizeValue), .. arguments], config, results, machine ? Console.Error : Console.Out, machine ? Console.Out : null);
                return 0;
            });
        });
        return command;
    }

    /// <summary>Runs <paramref name="entry"/> once on every worker of <paramref name="config"/>: each worker's timed part, records and checksum.</summary>
    public static ExampleResult[] Run(Config config, WorkloadEntry entry, WorkloadSize size, IReadOnlyList<string> arguments)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return Execute.Run(config, worker =>
        {
            var meter = Examples.WorkloadResult.Start();
            var context = new WorkloadContext(worker, size, arguments, () => meter = Examples.WorkloadResult.Start());
            WorkloadOutcome outcome;
            try
            {
                outcome = entry.Run(context);
            }
            catch (Exception e) when (e is not PeerFailedException)
            {
                throw new WorkloadFailedException($"workload {entry.Name} threw on worker {worker.Index}: {e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}", e);
            }

            return new ExampleResult(meter.Stop(worker.Index, outcome.Records), outcome.Checksum);
        });
    }

    /// <summary>One line of <c>--list</c>.</summary>
    public static string ListLine(string name, WorkloadConfigurations configurations) =>
        string.Create(CultureInfo.InvariantCulture, $"{name}\t{(int)configurations}\t{string.Join(", ", SuiteMatrix.ConfigurationNames(configurations))}");

    /// <summary>Parses <c>full</c>, <c>quick</c> or <c>smoke</c> (any case); anything else is a <see cref="ConfigException"/>.</summary>
    public static WorkloadSize ParseSize(string text) => text?.ToLowerInvariant() switch
    {
        "full" => WorkloadSize.Full,
        "quick" => WorkloadSize.Quick,
        "smoke" => WorkloadSize.Smoke,
        _ => throw new ConfigException($"--size '{text}': full, quick or smoke."),
    };

    /// <summary>The name <see cref="ParseSize"/> reads back.</summary>
    public static string SizeName(WorkloadSize size) => size.ToString().ToLowerInvariant();
}
