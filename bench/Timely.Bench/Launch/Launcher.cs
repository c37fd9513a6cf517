using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Timely.Bench.Commands;

namespace Timely.Bench.Launch;

/// <summary>
/// <c>timely &lt;command&gt; ... -n N</c> without <c>-p</c>: runs the N processes of a local
/// cluster, each the same command line plus <c>-p i --job &lt;one name&gt;</c>: process 0 in this
/// process, processes 1..N-1 as children it starts. It streams their output and returns the first
/// non-zero exit code, stopping the other processes (children by the PIDs it started, process 0
/// as SIGTERM stops a child) as soon as one fails. A stdout line that is a JSON object (starts
/// with <c>{</c>) goes to stdout as it is, so <c>--json</c> output stays machine-readable; every
/// other line goes to stderr prefixed <c>[p&lt;i&gt;]</c>, process 0's too (its console is
/// relayed by the same rule). SIGTERM and SIGINT are forwarded to the children, process 0 acts
/// on them as a child would, and the launcher waits for the children to exit so they can clean up.
/// </summary>
/// <remarks>
/// The rule: launch when <c>-n/--processes</c> is above 1 and neither <c>-p/--process</c> nor
/// <c>-h/--hostfile</c> is given (a hostfile names other hosts; <c>-p</c> means "I am that
/// one process", as in timely). Everything else runs in this process. Process 0 in the launcher
/// saves a runtime's start per launched run (on a native shared-memory pair, a third of the
/// processes); when the launcher dies, its children stop by themselves (<see cref="WatchLauncher"/>,
/// and the transports' fail-stop on a dead peer).
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
    /// Runs the <paramref name="processes"/> processes: 1..N-1 as children, whose JSON lines go to
    /// <paramref name="output"/> and every other line to <paramref name="error"/>, and process 0
    /// in this process (<paramref name="processZero"/>, given its command line and the writer for
    /// its errors), its console relayed by the same rule; returns the first non-zero exit code.
    /// </summary>
    public static int Run(IReadOnlyList<string> args, int processes, TextWriter output, TextWriter error, Func<string[], TextWriter, int> processZero)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(processZero);
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
        var run = new Cluster(processes, output, error);

        // Design: three kinds of thread touch the cluster's state (Cluster, under its gate): this
        // thread, which starts the children and then runs process 0; the relay thread, which
        // reads the children's output and sees them exit; the runtime's signal thread (Forward).
        // A child is not started once a stop was asked for; whoever first sees a failure (a
        // child's non-zero exit on the relay, process 0's on this thread) or a signal stops the
        // rest: SIGTERM (or the signal) to the children started so far, a timer that SIGKILLs
        // whoever still runs after StopGrace, and process 0 stopped as a child would be (below).
        // Lock order: process 0's console writer, then the gate, then the launcher's own writers
        // (output, error), which must take no lock of Console's (Standard says why); the signal
        // thread and the relay take the gate only, never process 0's writer. The lines relayed
        // per process are counted under the gate, and read under it by DescribeChildren, which
        // process 0's thread calls (Cli.LaunchedProcesses) on a set-up failure before it writes
        // its error line, so without holding its writer.
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => Forward(c, SigTerm, run));
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => Forward(c, SigInt, run));
        var consoleOut = Console.Out;
        var consoleError = Console.Error;
        try
        {
            for (int i = 1; i < processes; i++)
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
                lock (run.Gate)
                {
                    if (run.StopAsked)
                    {
                        child.Dispose();
                        break;
                    }

                    child.Start();
                    run.Children.Add(child);
                }
            }

            // Every child is started before any of their output is read, and a thread of this
            // launcher reads it (poll over their pipes, read(2) of each ready one: PosixPoll.Read
            // says why not the pipe's stream), not the runtime's thread pool: the first
            // asynchronous read of a child's output started the pool, its gate and wait threads
            // and the socket engine's thread (6-12 ms of a cold native launcher, traced, which
            // once lay between one child's start and the next's), and then its idle workers spun
            // for work: 7% of the samples of a native `wordcount --processes 2 --transport shm`,
            // on the cores the children run on. Until it is read, a child's output waits in its pipe.
            Exception? relayFailure = null;
            var relay = new Thread(() =>
            {
                try
                {
                    run.Supervise();
                }
                catch (Exception e)
                {
                    relayFailure = e;
                }
            })
            {
                IsBackground = true,
                Name = "timely:relay",
            };
            relay.Start();

            // Process 0 is this process, as a child would be: the same command line with -p 0,
            // its console relayed by the children's rule, its usage errors marked so that the
            // one line all processes print alike is printed once.
            var zeroOut = new LineWriter(line => run.RelayOutput(0, "[p0] ", line));
            var zeroError = new LineWriter(line => run.RelayError(0, "[p0] ", line));
            var syncOut = TextWriter.Synchronized(zeroOut);   // Console keeps a synchronized writer as it is
            var syncError = TextWriter.Synchronized(zeroError);
            Console.SetOut(syncOut);
            Console.SetError(syncError);
            Cli.MarkUsage = true;
            Cli.LaunchedProcesses = run.DescribeChildren;
            int zero;
            try
            {
                zero = processZero([.. args, "-p", "0", .. extra], Console.Error);
            }
            finally
            {
                // A synchronized writer locks itself for each call: the last line's relay takes the same lock.
                lock (syncOut)
                {
                    zeroOut.End();
                }

                lock (syncError)
                {
                    zeroError.End();
                }

                Console.SetOut(consoleOut);
                Console.SetError(consoleError);
                Cli.MarkUsage = false;
                Cli.LaunchedProcesses = null;
            }

            run.ProcessZeroExited(zero);
            relay.Join();
            if (relayFailure is not null)
            {
                throw new InvalidOperationException($"relaying the processes' output failed: {relayFailure.Message}", relayFailure);
            }

            return run.Exit;
        }
        finally
        {
            Console.SetOut(consoleOut);
            Console.SetError(consoleError);
            run.Dispose();
            hostDirectory?.Delete(recursive: true);
        }
    }

    private static bool IsJson(ReadOnlySpan<char> line) => line is ['{', ..];

    /// <summary>
    /// A writer of the launcher's own stdout (1) or stderr (2), to pass to <see cref="Run"/>:
    /// each line one write(2) straight to the descriptor, not through <see cref="Console"/>'s
    /// writers. Process 0's console is swapped for a relaying writer while it runs, and the
    /// runtime's console takes a lock on <see cref="Console.Out"/> (that writer, then) at its
    /// first write: the relay thread, holding the launcher's gate, then waited for process 0's
    /// writer while process 0, holding its writer, waited for the gate (a JIT run of
    /// <c>distinct -n 2 --transport shm</c> hung so, with both stacks in Monitor.Enter).
    /// </summary>
    public static TextWriter Standard(int descriptor)
    {
        var stream = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(descriptor, ownsHandle: false), FileAccess.Write, bufferSize: 0);
        return TextWriter.Synchronized(new StreamWriter(stream, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false)) { AutoFlush = true });
    }

    /// <summary>
    /// The state of one launched run: the children (processes 1..N-1), the first non-zero exit
    /// code, whether a stop was asked for, and how process 0 (this process) ends when it is
    /// stopped; all of it under <see cref="Gate"/>.
    /// </summary>
    private sealed class Cluster(int processes, TextWriter output, TextWriter error) : IDisposable
    {
        private readonly HashSet<string> _usage = new(StringComparer.Ordinal);
        private readonly long[] _lines = new long[processes];
        private char[] _relayed = new char[256];
        private Timer? _escalation;
        private int _signals;
        private bool _zeroReturned;
        private bool _childrenExited;
        private int? _endZero;

        public object Gate { get; } = new();

        /// <summary>Processes 1..N-1, in order, as started.</summary>
        public List<Process> Children { get; } = new(processes - 1);

        /// <summary>Whether a stop (a failure or a signal) was asked for: no child is started after it.</summary>
        public bool StopAsked { get; private set; }

        /// <summary>The first non-zero exit code of any process, or 0.</summary>
        public int Exit { get; private set; }

        /// <summary>Process 0's command returned <paramref name="code"/>: a failure stops the children, as a child's would.</summary>
        public void ProcessZeroExited(int code)
        {
            lock (Gate)
            {
                _zeroReturned = true;
                Failed(0, Environment.ProcessId, code);
            }
        }

        /// <summary>
        /// SIGTERM or SIGINT reached the launcher: forwarded to the children, and process 0 acts
        /// on it as a child would. A command that stops on the first signal by itself
        /// (<see cref="StopSignals"/>) does so in this process too; otherwise the signal would have
        /// ended the process at once (128 + signal), which it does once its children have exited.
        /// </summary>
        public void Signalled(int signal)
        {
            int? end;
            lock (Gate)
            {
                _signals++;
                AskStop();
                foreach (var child in Children)
                {
                    Signal(child, signal);
                }

                if (_signals > 1 || !StopSignals.IsRegistered)
                {
                    _endZero ??= 128 + signal;
                }

                end = EndOfProcessZero();
            }

            if (end is int code)
            {
                Environment.Exit(code);
            }
        }

        /// <summary>
        /// Relays the children's output line by line until every child has exited; a child's
        /// non-zero exit, the first of the run, stops the others (<see cref="Failed"/>).
        /// </summary>
        public void Supervise()
        {
            Process[] children;
            lock (Gate)
            {
                children = [.. Children];
            }

            var pipes = new List<ChildPipe>();
            for (int i = 0; i < children.Length; i++)
            {
                string prefix = $"[p{i + 1}] ";
                int process = i + 1;
                pipes.Add(new ChildPipe(i, children[i].StandardOutput.BaseStream, line => RelayOutput(process, prefix, line)));
                pipes.Add(new ChildPipe(i, children[i].StandardError.BaseStream, line => RelayError(process, prefix, line)));
            }

            var exited = new bool[children.Length];
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
                    int? end;
                    lock (Gate)
                    {
                        Failed(i + 1, children[i].Id, children[i].ExitCode);
                        end = EndOfProcessZero(childrenExited: !exited.Contains(false));
                    }

                    if (end is int code)
                    {
                        Environment.Exit(code);
                    }
                }

                if (!exited.Contains(false))
                {
                    break;
                }

                int timeout = closedAndRunning ? (int)ClosedPipeWait.TotalMilliseconds : -1;
                var fds = open.Select(p => new PosixPoll.PollFd { Descriptor = p.Descriptor, Requested = PosixPoll.In }).ToArray();
                if (fds.Length == 0)
                {
                    Thread.Sleep((int)ClosedPipeWait.TotalMilliseconds);
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

            if (children.Length == 0)
            {
                lock (Gate)
                {
                    _childrenExited = true;
                }
            }
        }

        /// <summary>Process <paramref name="process"/>'s line of stdout: a JSON object as it is, anything else prefixed on stderr.</summary>
        public void RelayOutput(int process, string prefix, ReadOnlySpan<char> line)
        {
            bool json = IsJson(line);
            Relay(process, json ? output : error, json ? "" : prefix, line);
        }

        /// <summary>
        /// A process's stderr line: prefixed, except a usage-error line (<see cref="Cli.UsageMark"/>),
        /// which every process prints alike and which is written once, as the launcher's own.
        /// </summary>
        public void RelayError(int process, string prefix, ReadOnlySpan<char> line)
        {
            if (line is [Cli.UsageMark, ..])
            {
                lock (Gate)
                {
                    _lines[process]++;
                    if (_usage.Add(line.ToString()))
                    {
                        error.WriteLine(line[1..]);
                    }
                }

                return;
            }

            Relay(process, error, prefix, line);
        }

        /// <summary>
        /// What this launcher sees of each child (<see cref="ChildProcessState"/>), as one clause
        /// each, joined by "; "; with <paramref name="detail"/>, each thread's line after its clause.
        /// Null when no child was started.
        /// </summary>
        public string? DescribeChildren(bool detail)
        {
            var clauses = new List<string>();
            lock (Gate)
            {
                for (int i = 0; i < Children.Count; i++)
                {
                    var child = Children[i];
                    var state = ChildProcessState.Capture(i + 1, child, [.. child.StartInfo.ArgumentList], _lines[i + 1], detail);
                    clauses.Add(detail && state.ThreadDetail.Count > 0
                        ? $"{state}:{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", state.ThreadDetail)}"
                        : state.ToString());
                }
            }

            return clauses.Count == 0 ? null : string.Join(detail ? Environment.NewLine : "; ", clauses);
        }

        /// <summary>SIGKILLs every child still running and disposes them all (the run has ended, or failed to start).</summary>
        public void Dispose()
        {
            lock (Gate)
            {
                _escalation?.Dispose();
                foreach (var child in Children)
                {
                    KillIfRunning(child);
                    child.Dispose();
                }

                Children.Clear();
            }
        }

        private void Relay(int process, TextWriter writer, string prefix, ReadOnlySpan<char> line)
        {
            lock (Gate)
            {
                _lines[process]++;
                // One write of the whole line, composed in a buffer kept under the gate: lines of
                // different processes never interleave, and a relayed line makes no string.
                string newLine = writer.NewLine;
                int length = prefix.Length + line.Length + newLine.Length;
                if (length > _relayed.Length)
                {
                    _relayed = new char[Math.Max(length, 2 * _relayed.Length)];
                }

                prefix.CopyTo(_relayed);
                line.CopyTo(_relayed.AsSpan(prefix.Length));
                newLine.CopyTo(_relayed.AsSpan(prefix.Length + line.Length));
                writer.Write(_relayed.AsSpan(0, length));
            }
        }

        /// <summary>Under the gate: process <paramref name="index"/> exited with <paramref name="code"/>; the first non-zero one stops the rest.</summary>
        private void Failed(int index, int pid, int code)
        {
            if (code == 0 || Exit != 0)
            {
                return;
            }

            Exit = code;

            // A usage error (exit 2) has said what is wrong with the command line already.
            if (code != Cli.UsageExit)
            {
                // A child's end in ChildProcessState's words: a kill by a signal is named as one.
                string what = index == 0
                    ? $"process 0 (pid {pid}) exited with {code}"
                    : new ChildProcessState { Index = index, Pid = pid, ExitCode = code, OutputLines = _lines[index] }.ToString();

                // Process 0 still running when a child failed (a child that gave up waiting for
                // it at set-up, say): where this process's main thread, process 0's, is.
                string zero = index != 0 && !_zeroReturned
                    ? $", while {ChildProcessState.CaptureRunning(0, Environment.ProcessId, null, _lines[0], detail: false)}"
                    : "";
                error.WriteLine($"[launcher] {what}{zero}; stopping the others.");
            }

            AskStop();
            foreach (var child in Children)
            {
                Signal(child, SigTerm);
            }

            // Process 0 as a child stopped by SIGTERM: a command that stops on it by itself ends
            // its run; any other would have ended at once, and ends with the run's code once the
            // children have gone.
            if (!_zeroReturned && !StopSignals.RequestStop())
            {
                _endZero ??= code;
            }
        }

        /// <summary>Under the gate: the first stop arms the timer that SIGKILLs the children still running after <see cref="StopGrace"/>.</summary>
        private void AskStop()
        {
            if (StopAsked)
            {
                return;
            }

            StopAsked = true;
            _escalation = new Timer(_ => KillAll(), null, StopGrace, Timeout.InfiniteTimeSpan);
        }

        /// <summary>Under the gate: the code this process should exit with now (process 0 was stopped, has not returned, and no child runs), or null.</summary>
        private int? EndOfProcessZero(bool childrenExited = false)
        {
            _childrenExited |= childrenExited;
            return _endZero is int code && !_zeroReturned && (_childrenExited || Children.Count == 0) ? code : null;
        }

        /// <summary>SIGKILLs every child still running: they had <see cref="StopGrace"/> to act on the SIGTERM or the forwarded signal.</summary>
        private void KillAll()
        {
            lock (Gate)
            {
                foreach (var child in Children)
                {
                    KillIfRunning(child);
                }
            }
        }
    }

    /// <summary>How long a child whose output pipes both closed is waited for at a time before the relay looks at the others again.</summary>
    private static readonly TimeSpan ClosedPipeWait = TimeSpan.FromMilliseconds(20);

    /// <summary>One of a child's output pipes: its descriptor for poll, and its bytes cut into lines for the relay.</summary>
    private sealed class ChildPipe(int child, Stream stream, LineAction relay)
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
            int read = PosixPoll.Read(Descriptor, buffer);
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

    private static void Forward(PosixSignalContext context, int signal, Cluster run)
    {
        // Not the default (exit now): the launcher stays until its children, which stop on the
        // signal, have exited, and then ends as process 0 would have (Cluster.Signalled).
        context.Cancel = true;
        run.Signalled(signal);
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
}
