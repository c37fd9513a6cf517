using System.CommandLine;
using System.CommandLine.Help;
using Timely.Communication;

namespace Timely.Bench;

/// <summary>The <c>timely</c> command: workloads, examples and tools (see <c>timely --help</c>).</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (Launcher.ShouldLaunch(args, out int processes))
        {
            return Launcher.Run(args, processes, Console.Out);
        }

        Launcher.WatchLauncher();

        var root = new RootCommand("timely: Timely.Native's workloads, examples and tools. Communication flags follow timely's (-w, -n, -p, -h for the hostfile); help is --help or -?.");
        // timely uses -h for the hostfile, so help answers to --help and -? only.
        for (int i = root.Options.Count - 1; i >= 0; i--)
        {
            if (root.Options[i] is HelpOption)
            {
                root.Options.RemoveAt(i);
            }
        }

        root.Options.Add(new HelpOption("--help", "-?"));
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

        try
        {
            return root.Parse(args).Invoke();
        }
        catch (ConfigException e)
        {
            Console.Error.WriteLine($"timely: {e.Message}");
            return 2;
        }
    }
}
