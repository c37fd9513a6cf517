using System.CommandLine;
using System.CommandLine.Help;
using Timely.Bench.Suite;
using Timely.Bench.Tracing;
using Timely.Bench.TransportBench;

namespace Timely.Bench.Commands;

/// <summary>
/// The command set of <c>timely</c>: the one place that lists its commands, in the order
/// <c>timely --help</c> shows them. Each command is built by its product's factory (its name,
/// arguments and options live there); adding one means adding it here.
/// </summary>
public static class TimelyCommands
{
    /// <summary>The root command, with every subcommand and the global options.</summary>
    public static RootCommand CreateRoot()
    {
        var root = new RootCommand($"timely: Timely.Native's workloads, examples and tools. Communication flags follow timely's (-w, -n, -p, -h for the hostfile); help is --help or -?. Errors: a usage error prints 'timely: error: <message>' and exits 2, a failed run prints 'timely: <message>' and exits 1; --verbose or {Cli.VerboseVariable}=1 adds the stack trace.");
        // timely uses -h for the hostfile, so help answers to --help and -? only.
        for (int i = root.Options.Count - 1; i >= 0; i--)
        {
            if (root.Options[i] is HelpOption)
            {
                root.Options.RemoveAt(i);
            }
        }

        root.Options.Add(new HelpOption("--help", "-?"));
        root.Options.Add(Cli.Verbose);
        foreach (var command in Create())
        {
            root.Subcommands.Add(command);
        }

        return root;
    }

    private static Command[] Create() =>
    [
        // The communication layer's example and the transport benchmarks.
        HelloCommand.Create(),
        ShmBenchCommand.Create(),
        NetBenchCommand.Create(),

        // timely's examples that the suite's workload rows run, and the communication layer alone.
        WorkloadCommands.PingPong(),
        WorkloadCommands.Exchange(),
        WorkloadCommands.Barrier(),
        WorkloadCommands.RoundTrip(),
        ExampleCommands.Churn(),
        OverloadCommand.Create(),

        // timely's other examples.
        ExampleCommands.Bfs(),
        ExampleCommands.PageRank(),
        ExampleCommands.WordCount(),
        ExampleCommands.HashJoin(),
        ExampleCommands.Distinct(),
        ExampleCommands.UnionFind(),
        ExampleCommands.EventDriven(),
        ExampleCommands.OpenLoop(),
        ExampleCommands.LoopDemo(),
        ExampleCommands.Sequence(),
        ExampleCommands.FlowControlled(),

        // Capture and replay, and the dataflow log.
        CaptureCommands.CaptureLink(),
        CaptureCommands.CaptureTcp(),
        CaptureCommands.CaptureFile(),
        CaptureCommands.ReplayFile(),
        LoggingCommands.Send(),
        LoggingCommands.Receive(),
        TraceReport.Create(),

        // The perf regression suite, one run of a user's workload, and the hidden check of the counter reader.
        SuiteCommand.Create(),
        Workloads.WorkloadCommand.Create(),
        PowerCommand.Create(),
        CountersProbeCommand.Create(),
    ];
}
