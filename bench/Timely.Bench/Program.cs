using System.CommandLine;
using System.CommandLine.Help;
using Timely.Communication;

namespace Timely.Bench;

/// <summary>The <c>timely</c> command: workloads, examples and tools (see <c>timely --help</c>).</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        var root = CreateRoot();
        if (Launcher.ShouldLaunch(args, out int processes))
        {
            return Launch(root, args, processes);
        }

        Launcher.WatchLauncher();
        return Cli.Invoke(root, args, Console.Error);
    }

    /// <summary>
    /// Checks the command line as its first process would read it, so a bad one is refused
    /// here, once, rather than by each child; then runs the processes.
    /// </summary>
    private static int Launch(RootCommand root, string[] args, int processes)
    {
        var first = root.Parse([.. args, "-p", "0"]);
        if (Cli.ParseFailure(first, Console.Error) is { } refused)
        {
            return refused;
        }

        if (first.Action is HelpAction)
        {
            return first.Invoke();
        }

        try
        {
            CommunicationOptions.ConfigOf(first);
            return Cli.Run(() => Launcher.Run(args, processes, Console.Out, Console.Error));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return Cli.Report(e, Cli.IsVerbose(args), Console.Error, first.CommandResult.Command);
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

        foreach (var capture in CaptureCommands.Create())
        {
            root.Subcommands.Add(capture);
        }

        root.Subcommands.Add(Suite.SuiteCommand.Create());
        root.Subcommands.Add(Suite.CountersProbeCommand.Create());
        return root;
    }
}
