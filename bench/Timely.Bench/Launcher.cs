using System.Diagnostics;
using System.Globalization;

namespace Timely.Bench;

/// <summary>
/// <c>timely &lt;command&gt; ... -n N</c> without <c>-p</c>: starts the N processes of a local
/// cluster itself, each the same command line plus <c>-p i --job &lt;one name&gt;</c>, streams
/// their output prefixed <c>[p&lt;i&gt;]</c>, and returns the first non-zero exit code, killing
/// the other children (by the PIDs it started) as soon as one fails.
/// </summary>
/// <remarks>
/// The rule: launch when <c>-n/--processes</c> is above 1 and neither <c>-p/--process</c> nor
/// <c>-h/--hostfile</c> is given (a hostfile names other hosts; <c>-p</c> means "I am that
/// one process", as in timely). Everything else runs in this process.
/// </remarks>
public static class Launcher
{
    /// <summary>Environment variable a child finds its launcher's pid in.</summary>
    public const string LauncherPidVariable = "TIMELY_LAUNCHER_PID";

    /// <summary>
    /// In a child: exits the process (code 3) once its launcher is gone, checked every half
    /// second on a background thread, so a launcher killed with SIGKILL leaves no cluster
    /// running on without it. Does nothing outside a launched child.
    /// </summary>
    public static void WatchLauncher()
    {
        if (!int.TryParse(Environment.GetEnvironmentVariable(LauncherPidVariable), NumberStyles.None, CultureInfo.InvariantCulture, out int launcher))
        {
            return;
        }

        var watch = new Thread(() =>
        {
            while (Timely.Transport.Shm.ProcessLiveness.IsAlive(launcher))
            {
                Thread.Sleep(500);
            }

            Console.Error.WriteLine($"timely: the launcher (pid {launcher}) is gone; stopping.");
            Environment.Exit(3);
        })
        {
            IsBackground = true,
            Name = "timely:launcher-watch",
        };
        watch.Start();
    }

    /// <summary>Whether <paramref name="args"/> ask for a local launch, and of how many processes.</summary>
    public static bool ShouldLaunch(IReadOnlyList<string> args, out int processes)
    {
        ArgumentNullException.ThrowIfNull(args);
        processes = 1;
        bool processGiven = false, hostfile = false;
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            string name = arg.StartsWith("--", StringComparison.Ordinal) && arg.Contains('=', StringComparison.Ordinal) ? arg[..arg.IndexOf('=', StringComparison.Ordinal)] : arg;
            string? value = name.Length < arg.Length ? arg[(name.Length + 1)..] : (i + 1 < args.Count ? args[i + 1] : null);
            switch (name)
            {
                case "-n" or "--processes":
                    if (value is not null && int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n))
                    {
                        processes = n;
                    }

                    break;
                case "-p" or "--process":
                    processGiven = true;
                    break;
                case "-h" or "--hostfile":
                    hostfile = true;
                    break;
                default:
                    break;
            }
        }

        return processes > 1 && !processGiven && !hostfile && args.Count > 0 && !args[0].StartsWith('-');
    }

    /// <summary>Runs <paramref name="processes"/> children and relays their output to <paramref name="output"/>; returns the exit code.</summary>
    public static int Run(IReadOnlyList<string> args, int processes, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        var extra = new List<string>();
        if (!args.Any(a => a == "--job" || a.StartsWith("--job=", StringComparison.Ordinal)))
        {
            extra.Add("--job");
            extra.Add(string.Create(CultureInfo.InvariantCulture, $"launch-{Environment.ProcessId}-{Environment.TickCount64 & 0xffffff:x}"));
        }

        string host = Environment.ProcessPath ?? throw new InvalidOperationException("The path of this executable is unknown.");
        bool viaDotnet = Path.GetFileNameWithoutExtension(host).Equals("dotnet", StringComparison.OrdinalIgnoreCase);
        var gate = new object();
        var children = new Process[processes];
        try
        {
            for (int i = 0; i < processes; i++)
            {
                var start = new ProcessStartInfo(host)
                {
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                    UseShellExecute = false,
                };
                start.Environment[LauncherPidVariable] = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
                if (viaDotnet)
                {
                    start.ArgumentList.Add(typeof(Launcher).Assembly.Location);
                }

                foreach (string a in args)
                {
                    start.ArgumentList.Add(a);
                }

                start.ArgumentList.Add("-p");
                start.ArgumentList.Add(i.ToString(CultureInfo.InvariantCulture));
                foreach (string a in extra)
                {
                    start.ArgumentList.Add(a);
                }

                string prefix = $"[p{i}] ";
                var child = new Process { StartInfo = start };
                child.OutputDataReceived += (_, e) => Relay(output, gate, prefix, e.Data);
                child.ErrorDataReceived += (_, e) => Relay(Console.Error, gate, prefix, e.Data);
                child.Start();
                children[i] = child;
                child.BeginOutputReadLine();
                child.BeginErrorReadLine();
            }

            return Supervise(children, output, gate);
        }
        finally
        {
            foreach (var child in children)
            {
                if (child is not null)
                {
                    KillIfRunning(child);
                    child.Dispose();
                }
            }
        }
    }

    private static int Supervise(Process[] children, TextWriter output, object gate)
    {
        var waits = children.Select(c => c.WaitForExitAsync()).ToList();
        var pending = Enumerable.Range(0, children.Length).ToList();
        int exit = 0;
        while (pending.Count > 0)
        {
            int done = Task.WaitAny(pending.Select(i => waits[i]).ToArray());
            int index = pending[done];
            pending.RemoveAt(done);
            children[index].WaitForExit();   // drains the redirected output
            int code = children[index].ExitCode;
            if (code != 0 && exit == 0)
            {
                exit = code;
                lock (gate)
                {
                    output.WriteLine($"[launcher] process {index} (pid {children[index].Id}) exited with {code}; stopping the others.");
                }

                foreach (int other in pending)
                {
                    KillIfRunning(children[other]);
                }
            }
        }

        return exit;
    }

    /// <summary>SIGKILLs a child this launcher started; false when it had already exited.</summary>
    private static bool KillIfRunning(Process child)
    {
        try
        {
            if (child.HasExited)
            {
                return false;
            }

            child.Kill(entireProcessTree: false);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;   // exited between the check and the kill: nothing left to stop
        }
    }

    private static void Relay(TextWriter writer, object gate, string prefix, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (gate)
        {
            writer.WriteLine(prefix + line);
        }
    }
}
