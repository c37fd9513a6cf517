using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Timely.Bench.Commands;

namespace Timely.Bench.Launch;

/// <summary>
/// <c>timely &lt;command&gt; ... -n N</c> without <c>-p</c>: starts the N processes of a local
/// cluster itself, each the same command line plus <c>-p i --job &lt;one name&gt;</c>, streams
/// their output, and returns the first non-zero exit code, stopping the other children (by the
/// PIDs it started) as soon as one fails. A child's stdout line that is a JSON object (starts
/// with <c>{</c>) goes to stdout as it is, so <c>--json</c> output stays machine-readable;
/// every other line goes to stderr prefixed <c>[p&lt;i&gt;]</c>. SIGTERM and SIGINT are
/// forwarded to the children, and the launcher waits for them to exit so they can clean up.
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

    /// <summary>How long children asked to stop (SIGTERM) get to clean up before they are SIGKILLed.</summary>
    public static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(5);

    private const int SigInt = PosixKill.SigInt;
    private const int SigTerm = PosixKill.SigTerm;

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
            while (Timely.Transport.Shm.Rendezvous.ProcessLiveness.IsAlive(launcher))
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
        foreach (var (name, value) in Flags(args))
        {
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

    /// <summary>
    /// Whether the children need addresses: every transport but an explicit
    /// <c>--transport shm</c> meets over TCP (auto meets over TCP first). Finding free ports
    /// starts the socket stack in this process, about 35 ms of a cold start that lies before
    /// the first child starts, so a shared-memory launch does not pay it.
    /// </summary>
    public static bool NeedsAddresses(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        string? transport = null;
        foreach (var (name, value) in Flags(args))
        {
            if (name == "--transport")
            {
                transport = value;
            }
        }

        return !string.Equals(transport, "shm", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Each argument as a flag name and the value after it (<c>--name=value</c> or the next argument).</summary>
    private static IEnumerable<(string Name, string? Value)> Flags(IReadOnlyList<string> args)
    {
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            string name = arg.StartsWith("--", StringComparison.Ordinal) && arg.Contains('=', StringComparison.Ordinal) ? arg[..arg.IndexOf('=', StringComparison.Ordinal)] : arg;
            string? value = name.Length < arg.Length ? arg[(name.Length + 1)..] : (i + 1 < args.Count ? args[i + 1] : null);
            yield return (name, value);
        }
    }

    /// <summary>
    /// Runs <paramref name="processes"/> children; relays their JSON lines to
    /// <paramref name="output"/> and every other line to <paramref name="error"/>; returns the
    /// first non-zero exit code.
    /// </summary>
    public static int Run(IReadOnlyList<string> args, int processes, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var extra = new List<string>();
        if (!args.Any(a => a == "--job" || a.StartsWith("--job=", StringComparison.Ordinal)))
        {
            extra.Add("--job");
            extra.Add(string.Create(CultureInfo.InvariantCulture, $"launch-{Environment.ProcessId}-{Environment.TickCount64 & 0xffffff:x}"));
        }

        // The children's addresses, when they meet over TCP: free loopback ports in a hostfile
        // of a folder made here (mode 0700, removed when the run ends), not timely's fixed
        // 2101 + i, on which two clusters started at once on one host (two test classes, two
        // suite runs) refuse each other's handshakes.
        DirectoryInfo? hostDirectory = null;
        if (NeedsAddresses(args))
        {
            hostDirectory = Directory.CreateTempSubdirectory("timely-launch-");
            string hostfile = Path.Combine(hostDirectory.FullName, "hosts");
            File.WriteAllLines(hostfile, LoopbackPorts.Free(processes));
            extra.Add("--hostfile");
            extra.Add(hostfile);
        }

        string host = Environment.ProcessPath ?? throw new InvalidOperationException("The path of this executable is unknown.");
        bool viaDotnet = Path.GetFileNameWithoutExtension(host).Equals("dotnet", StringComparison.OrdinalIgnoreCase);
        var gate = new object();
        var children = new List<Process>();
        var usage = new HashSet<string>(StringComparer.Ordinal);

        // Design: the signal handlers run on the runtime's signal thread while this thread
        // starts and supervises the children. Both touch the child list and the stop flag
        // under the gate only: a handler signals the children started so far, and a child is
        // not started once a stop was asked for. The handler only sends signals (and arms a
        // timer that SIGKILLs, under the gate, whoever still runs after StopGrace); the children
        // exit on them and Supervise, on this thread, sees them go and ends the run.
        var stopped = new StopFlag();
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => Forward(c, SigTerm, children, gate, stopped));
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => Forward(c, SigInt, children, gate, stopped));
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
                    start.ArgumentList.Add(Suite.TimelyExecutable.OwnDll);
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

                var child = new Process { StartInfo = start };
                lock (gate)
                {
                    if (stopped.IsSet)
                    {
                        child.Dispose();
                        break;
                    }

                    child.Start();
                    children.Add(child);
                }
            }

            // Every child is started before any of their output is read, and this thread reads
            // it (poll over their pipes), not the runtime's thread pool: the first asynchronous
            // read of a child's output started the pool, its gate and wait threads and the socket
            // engine's thread in this process (6-12 ms of a cold native launcher, traced, which
            // once lay between one child's start and the next's), and then its idle workers spun
            // for work: 7% of the samples of a native `wordcount --processes 2 --transport shm`,
            // on the cores the children run on. Until it is read, a child's output waits in its pipe.
            Process[] started;
            lock (gate)
            {
                started = [.. children];
            }

            return Supervise(started, output, error, gate, usage);
        }
        finally
        {
            lock (gate)
            {
                stopped.Escalation?.Dispose();
                foreach (var child in children)
                {
                    KillIfRunning(child);
                    child.Dispose();
                }

                children.Clear();
            }

            hostDirectory?.Delete(recursive: true);
        }
    }

    private static bool IsJson(string? line) => line is ['{', ..];

    /// <summary>
    /// Relays <paramref name="children"/>'s output line by line until every child has exited,
    /// and returns the first non-zero exit code; on it, asks the others to stop (SIGTERM) and
    /// SIGKILLs those still running <see cref="StopGrace"/> later, relaying what they print meanwhile.
    /// </summary>
    private static int Supervise(Process[] children, TextWriter output, TextWriter error, object gate, HashSet<string> usage)
    {
        var pipes = new List<ChildPipe>();
        for (int i = 0; i < children.Length; i++)
        {
            string prefix = $"[p{i}] ";
            pipes.Add(new ChildPipe(i, children[i].StandardOutput.BaseStream, line => Relay(IsJson(line) ? output : error, gate, IsJson(line) ? "" : prefix, line)));
            pipes.Add(new ChildPipe(i, children[i].StandardError.BaseStream, line => RelayError(error, gate, usage, prefix, line)));
        }

        var exited = new bool[children.Length];
        int exit = 0;
        Stopwatch? stopping = null;
        byte[] buffer = new byte[16 * 1024];
        while (exited.Contains(false))
        {
            var open = pipes.Where(p => p.IsOpen).ToArray();
            bool closedAndRunning = false;
            for (int i = 0; i < children.Length; i++)
            {
                if (exited[i] || open.Any(p => p.Child == i))
                {
                    continue;
                }

                // Both pipes closed: the child has exited or is exiting (it is reaped on the
                // runtime's SIGCHLD thread, so this waits the moment that takes).
                if (!children[i].WaitForExit(ClosedPipeWait))
                {
                    closedAndRunning = true;   // closed its output and runs on: look again
                    continue;
                }

                exited[i] = true;
                int code = children[i].ExitCode;
                if (code != 0 && exit == 0)
                {
                    exit = code;
                    lock (gate)
                    {
                        // A usage error (exit 2) has said what is wrong with the command line already.
                        if (code != Cli.UsageExit)
                        {
                            error.WriteLine($"[launcher] process {i} (pid {children[i].Id}) exited with {code}; stopping the others.");
                        }
                    }

                    foreach (var other in children.Where((_, k) => !exited[k]))
                    {
                        Signal(other, SigTerm);
                    }

                    stopping = Stopwatch.StartNew();
                }
            }

            if (stopping is not null && stopping.Elapsed >= StopGrace)
            {
                foreach (var straggler in children.Where((_, k) => !exited[k]))
                {
                    KillIfRunning(straggler);
                }
            }

            if (!exited.Contains(false))
            {
                break;
            }

            int timeout = closedAndRunning ? (int)ClosedPipeWait.TotalMilliseconds : -1;
            if (stopping is not null && stopping.Elapsed < StopGrace)
            {
                int left = (int)Math.Ceiling((StopGrace - stopping.Elapsed).TotalMilliseconds);
                timeout = timeout < 0 ? left : Math.Min(timeout, left);
            }

            var fds = open.Select(p => new PosixPoll.PollFd { Descriptor = p.Descriptor, Requested = PosixPoll.In }).ToArray();
            if (fds.Length == 0)
            {
                Thread.Sleep(timeout < 0 ? (int)ClosedPipeWait.TotalMilliseconds : Math.Min(timeout, (int)ClosedPipeWait.TotalMilliseconds));
                continue;
            }

            if (PosixPoll.Wait(fds, timeout) == 0)
            {
                continue;
            }

            for (int k = 0; k < fds.Length; k++)
            {
                if (fds[k].Returned != 0)
                {
                    open[k].ReadOnce(buffer);   // ready: returns at once, with bytes or at the end
                }
            }
        }

        return exit;
    }

    /// <summary>How long a child whose output pipes both closed is waited for at a time before the relay looks at the others again.</summary>
    private static readonly TimeSpan ClosedPipeWait = TimeSpan.FromMilliseconds(20);

    /// <summary>One of a child's output pipes: its descriptor for poll, and its bytes cut into lines for the relay.</summary>
    private sealed class ChildPipe(int child, Stream stream, Action<string> relay)
    {
        private readonly LineSplitter _lines = new();

        public int Child { get; } = child;

        public bool IsOpen { get; private set; } = true;

        public int Descriptor { get; } = stream is System.IO.Pipes.PipeStream pipe
            ? (int)pipe.SafePipeHandle.DangerousGetHandle()
            : throw new InvalidOperationException($"a child's output is a {stream.GetType().Name}, not a pipe.");

        /// <summary>One read (the pipe is ready, so it does not block): its lines relayed, or at the end the last one and the pipe closed.</summary>
        public void ReadOnce(byte[] buffer)
        {
            int read = stream.Read(buffer);
            if (read > 0)
            {
                _lines.Append(buffer.AsSpan(0, read), relay);
                return;
            }

            _lines.End(relay);
            IsOpen = false;
            stream.Dispose();
        }
    }

    private static void Forward(PosixSignalContext context, int signal, List<Process> children, object gate, StopFlag stopped)
    {
        // Not the default (exit now): the launcher stays until its children, which stop on the signal, have exited.
        context.Cancel = true;
        lock (gate)
        {
            if (!stopped.IsSet)
            {
                stopped.IsSet = true;
                stopped.Escalation = new Timer(_ => KillAll(children, gate), null, StopGrace, Timeout.InfiniteTimeSpan);
            }

            foreach (var child in children)
            {
                Signal(child, signal);
            }
        }
    }

    /// <summary>SIGKILLs every child still running: they had <see cref="StopGrace"/> to act on the forwarded signal.</summary>
    private static void KillAll(List<Process> children, object gate)
    {
        lock (gate)
        {
            foreach (var child in children)
            {
                KillIfRunning(child);
            }
        }
    }

    /// <summary>Sends <paramref name="signal"/> to a child this launcher started, unless it has exited.</summary>
    private static void Signal(Process child, int signal)
    {
        // Only started, not yet disposed children get here (they leave the list under the gate
        // before they are disposed), so HasExited cannot throw. kill fails only with ESRCH
        // when the child exited since the check: nothing left to stop.
        if (child.HasExited)
        {
            return;
        }

        if (OperatingSystem.IsWindows())
        {
            KillIfRunning(child);   // no kill(2): stop it outright
            return;
        }

        _ = PosixKill.Send(child.Id, signal);
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

    /// <summary>
    /// A child's stderr line: prefixed, except a usage-error line (<see cref="Cli.UsageMark"/>),
    /// which every child prints alike and which is written once, as the launcher's own.
    /// </summary>
    private static void RelayError(TextWriter writer, object gate, HashSet<string> usage, string prefix, string? line)
    {
        if (line is [Cli.UsageMark, ..])
        {
            lock (gate)
            {
                if (usage.Add(line))
                {
                    writer.WriteLine(line[1..]);
                }
            }

            return;
        }

        Relay(writer, gate, prefix, line);
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

    /// <summary>Whether the launcher was asked to stop (SIGTERM/SIGINT), and the timer that then SIGKILLs stragglers; used under the launcher's gate.</summary>
    private sealed class StopFlag
    {
        public bool IsSet { get; set; }

        public Timer? Escalation { get; set; }
    }
}
