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
    public static RootCommand CreateRoot() => CreateRoot(All);

    /// <summary>
    /// The root command for <paramref name="args"/>: when the first argument names a command, the
    /// root holds that command only, else every command. What the parser makes of a command line
    /// that starts with a command's name never depends on the other commands (they are not
    /// tokens after it), so the result, its errors and its help are the same as with the whole
    /// tree. Building the whole tree (about 30 commands, 17 communication options each, their
    /// parsers and help texts) was about a tenth of a native <c>timely wordcount</c>'s CPU; a
    /// launched child or a suite run starts with the command's name.
    /// </summary>
    public static RootCommand CreateRoot(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Count > 0)
        {
            foreach (var entry in All)
            {
                if (string.Equals(entry.Name, args[0], StringComparison.Ordinal))
                {
                    return CreateRoot([entry]);
                }
            }
        }

        return CreateRoot(All);
    }

    /// <summary>
    /// The root a run's command line is parsed against first, or null when the line is not one
    /// that it serves: a plain <see cref="Command"/> holding the named command and
    /// <c>--verbose</c>, without what a <see cref="RootCommand"/> builds for help and errors (its
    /// help and version options, whose descriptions come from System.CommandLine's resources,
    /// and its name, read by reflection on the entry assembly: 4.7% of a native
    /// <c>timely wordcount</c>'s samples over 200 runs, where a run prints neither). A line that
    /// does not start with a command's name, or holds a token the whole root alone may answer
    /// (<c>--help</c>, <c>-?</c> alone or in a bundle, <c>--version</c>, a directive <c>[...]</c>, a response file
    /// <c>@...</c>), gets null. What such a root parses without an error parses alike with the
    /// whole tree (<see cref="Cli.Invoke(IReadOnlyList{string}, TextWriter)"/> goes to the
    /// whole tree on any error, so that errors are found and printed by it alone).
    /// </summary>
    internal static Command? CreateRunRoot(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Count == 0)
        {
            return null;
        }

        foreach (string arg in args)
        {
            // '-?' also in a bundle of short options ("-z?"), which the whole root splits.
            if (arg is "--help" or "--version" || (arg.StartsWith('-') && arg.Contains('?')) || arg.StartsWith('[') || arg.StartsWith('@'))
            {
                return null;
            }
        }

        foreach (var (name, create) in All)
        {
            if (string.Equals(name, args[0], StringComparison.Ordinal))
            {
                return new Command(RunRootName) { Cli.Verbose, create() };
            }
        }

        return null;
    }

    // The run root's name: never a token of a line it parses (a line starts with a command's name).
    private const string RunRootName = "timely";

    private static RootCommand CreateRoot(IEnumerable<(string Name, Func<Command> Create)> commands)
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
        foreach (var (_, create) in commands)
        {
            root.Subcommands.Add(create());
        }

        return root;
    }

    /// <summary>
    /// Every command's name beside its factory, in the order <c>timely --help</c> shows them. The
    /// name is written here so that a command can be found without building the others; a test
    /// holds each name to the command its factory builds.
    /// </summary>
    internal static readonly (string Name, Func<Command> Create)[] All =
    [
        // The communication layer's example and the transport benchmarks.
        ("hello", HelloCommand.Create),
        ("shm-bench", ShmBenchCommand.Create),
        ("netbench", NetBenchCommand.Create),

        // timely's examples that the suite's workload rows run, and the communication layer alone.
        ("pingpong", WorkloadCommands.PingPong),
        ("exchange", WorkloadCommands.Exchange),
        ("barrier", WorkloadCommands.Barrier),
        ("roundtrip", WorkloadCommands.RoundTrip),
        ("churn", ExampleCommands.Churn),
        ("overload", OverloadCommand.Create),

        // timely's other examples.
        ("bfs", ExampleCommands.Bfs),
        ("pagerank", ExampleCommands.PageRank),
        ("wordcount", ExampleCommands.WordCount),
        ("hashjoin", ExampleCommands.HashJoin),
        ("distinct", ExampleCommands.Distinct),
        ("unionfind", ExampleCommands.UnionFind),
        ("event_driven", ExampleCommands.EventDriven),
        ("openloop", ExampleCommands.OpenLoop),
        ("loopdemo", ExampleCommands.LoopDemo),
        ("sequence", ExampleCommands.Sequence),
        ("flow_controlled", ExampleCommands.FlowControlled),

        // Capture and replay, and the dataflow log.
        ("capture-link", CaptureCommands.CaptureLink),
        ("capture-tcp", CaptureCommands.CaptureTcp),
        ("capture-file", CaptureCommands.CaptureFile),
        ("replay-file", CaptureCommands.ReplayFile),
        ("logging-send", LoggingCommands.Send),
        ("logging-recv", LoggingCommands.Receive),
        ("trace-report", TraceReport.Create),

        // The perf regression suite, one run of a user's workload, and the hidden check of the counter reader.
        ("suite", SuiteCommand.Create),
        ("workload", Workloads.WorkloadCommand.Create),
        ("suite-power", PowerCommand.Create),
        ("counters-probe", CountersProbeCommand.Create),
    ];
}
