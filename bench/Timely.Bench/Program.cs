using System.CommandLine;
using System.CommandLine.Help;

namespace Timely.Bench;

/// <summary>The <c>timely</c> command: workloads, examples and tools (see <c>timely --help</c>).</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (Launcher.ShouldLaunch(args, out int processes))
        {
            return Launch(args, processes);
        }

        Launcher.WatchLauncher();
        return Cli.Invoke(CreateRoot(), args, Console.Error);
    }

    /// <summary>
    /// Runs the processes. Their command line is not parsed here first, which cost every
    /// launched run about 50 ms of start-up: each child reads it, and a usage error, which
    /// all of them find alike, is printed once (see <see cref="Cli.UsageMark"/>). Only a
    /// request for help is answered here, so that it is printed once too.
    /// </summary>
    private static int Launch(string[] args, int processes)
    {
        if (args.Any(a => a is "--help" or "-?"))
        {
            return Cli.Invoke(CreateRoot(), [.. args, "-p", "0"], Console.Error);
        }

        try
        {
            return Cli.Run(() => Launcher.Run(args, processes, Console.Out, Console.Error));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return Cli.Report(e, Cli.IsVerbose(args), Console.Error);
        }
    }

    private static RootCommand CreateRoot()
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
        root.Subcommands.Add(HelloCommand.Create());
        root.Subcommands.Add(ShmBenchCommand.Create());
        root.Subcommands.Add(NetBenchCommand.Create());
        foreach (var workload in WorkloadCommands.Create())
        {
            root.Subcommands.Add(workload);
        }

        foreach (var example in Examples.ExampleCommands.Create())
        {
            root.Subcommands.Add(example);
        }

        foreach (var capture in CaptureCommands.Create())
        {
            root.Subcommands.Add(capture);
        }

        foreach (var logging in LoggingCommands.Create())
        {
            root.Subcommands.Add(logging);
        }

        root.Subcommands.Add(Tracing.TraceReport.Create());
        root.Subcommands.Add(Suite.SuiteCommand.Create());
        root.Subcommands.Add(Suite.CountersProbeCommand.Create());
        return root;
    }
}
