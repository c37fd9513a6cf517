using Timely.Bench.Commands;
using Timely.Bench.Launch;

namespace Timely.Bench;

/// <summary>
/// The <c>timely</c> command: launches the processes of a local cluster (<see cref="Launcher"/>),
/// or runs one of <see cref="TimelyCommands"/> in this process.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        int exit;
        if (Launcher.ShouldLaunch(args, out int processes))
        {
            exit = Launch(args, processes);
        }
        else
        {
            Launcher.WatchLauncher();
            exit = Cli.Invoke(args, Console.Error);
        }

        // The suite's exact peak of a launched run: the launcher's runtime reaps its children
        // and drops their figures, so each process gives its own (Suite.ExactPeak).
        Suite.ExactPeak.ReportIfAsked();
        return exit;
    }

    /// <summary>
    /// Runs the processes: this one is process 0, after it has started the others. The command
    /// line is not parsed before they start, which cost every launched run about 50 ms of
    /// start-up: each process reads it, and a usage error, which all of them find alike, is
    /// printed once (see <see cref="Cli.UsageMark"/>). Only a request for help is answered
    /// before, so that it is printed once too.
    /// </summary>
    private static int Launch(string[] args, int processes)
    {
        if (args.Any(a => a is "--help" or "-?"))
        {
            return Cli.Invoke(TimelyCommands.CreateRoot(args), [.. args, "-p", "0"], Console.Error);
        }

        try
        {
            return Cli.Run(() => Launcher.Run(args, processes, Launcher.Standard(1), Launcher.Standard(2), static (zero, error) => Cli.Invoke(zero, error)));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return Cli.Report(e, Cli.IsVerbose(args), Console.Error);
        }
    }
}
