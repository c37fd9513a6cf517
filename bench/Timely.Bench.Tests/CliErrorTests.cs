using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Timely.Bench.Commands;
using Timely.Testing;
using Timely.Transport.Shm.Rendezvous;

namespace Timely.Bench.Tests;

/// <summary>
/// The CLI's one error path, through the real built <c>timely</c>: a usage error is one line
/// <c>timely: error: ...</c> (plus a hint) and exit 2; a failed run is one line <c>timely: ...</c>
/// naming the process or peer and exit 1; no stack trace unless <c>--verbose</c> or
/// <c>TIMELY_VERBOSE=1</c>. Also the launcher's streams and its signal forwarding.
/// </summary>
public sealed partial class CliErrorTests : IDisposable
{
    private const int SigTerm = 15;
    private const int SigStop = 19;
    private const int SigKill = 9;
    private const int SigCont = 18;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    // What a two-process shm job directory holds once both processes joined: each one's file and both rings.
    private const string LivenessThread = "timely:shm-live";   // "timely:shm-liveness" as the kernel keeps it (15 bytes)
    private readonly string _dir = ReportFiles.TempDirectory();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(new[] { "hello", "-w", "0" }, "-w: 0 is outside 1..4096")]
    [InlineData(new[] { "hello", "-w", "-1" }, "-w: -1 is outside 1..4096")]
    [InlineData(new[] { "hello", "-w", "5000" }, "-w: 5000 is outside 1..4096")]
    [InlineData(new[] { "hello", "-n", "0" }, "-n: 0 is outside 1..4096")]
    [InlineData(new[] { "hello", "-n", "2", "-p", "5" }, "-p/--process: 5 is outside 0..1")]
    [InlineData(new[] { "hello", "-p", "1" }, "-p/--process 1 given without -n/--processes")]
    [InlineData(new[] { "hello", "-n", "2", "-p", "0", "-h", "{dir}/nonexistent" }, "-h/--hostfile: cannot read '")]
    [InlineData(new[] { "hello", "-n", "2", "-p", "0", "-h", "{garbage}" }, "-h/--hostfile: line 2 of '")]
    [InlineData(new[] { "hello", "--transport", "bogus" }, "--transport: 'bogus' is not one of auto, shm, tcp")]
    [InlineData(new[] { "hello", "--ring-bytes", "1000" }, "--ring-bytes: 1000 is outside 4096..1073741824")]
    [InlineData(new[] { "hello", "--ring-bytes", "5000" }, "--ring-bytes: 5000 is not a power of two in 4096..1073741824")]
    [InlineData(new[] { "hello", "--ring-bytes", "abc" }, "--ring-bytes: 'abc' is not an integer (4096..1073741824)")]
    [InlineData(new[] { "hello", "--peer-timeout", "-1" }, "--peer-timeout: -1 s is outside (0, 86400]")]
    [InlineData(new[] { "hello", "--connect-timeout", "0" }, "--connect-timeout: 0 s is outside (0, 86400]")]
    [InlineData(new[] { "hello", "--connect-timeout", "soon" }, "--connect-timeout: 'soon' is not a number of seconds")]
    [InlineData(new[] { "hello", "--cores", "abc" }, "--cores: 'abc' is not an integer (0..")]
    [InlineData(new[] { "hello", "--cores", "4095" }, "--cores: 4095 is outside 0..")]
    [InlineData(new[] { "hello", "--spin", "-1" }, "--spin: -1 is outside 0..")]
    [InlineData(new[] { "hello", "--max-message-bytes", "5" }, "--max-message-bytes: 5 is outside 1024..")]
    [InlineData(new[] { "hello", "--host-id", "" }, "--host-id: the host identity is empty")]
    [InlineData(new[] { "hello", "--bogus" }, "'--bogus'")]
    [InlineData(new[] { "barrier" }, "Required argument missing")]
    [InlineData(new[] { "barrier", "abc" }, "ITER: 'abc' is not an integer")]
    [InlineData(new[] { "pingpong", "10", "-3" }, "ELEMS: -3 is outside 0..")]
    [InlineData(new[] { "hello", "-n", "2", "-w", "0" }, "-w: 0 is outside 1..4096")]
    [InlineData(new[] { "hello", "-n", "3", "--ring-bytes", "1000" }, "--ring-bytes: 1000 is outside 4096..1073741824")]
    [InlineData(new[] { "hello", "-n", "3", "--bogus" }, "'--bogus'")]
    [InlineData(new[] { "shm-bench", "--rounds", "0" }, "--rounds: 0 is outside 1..")]
    [InlineData(new[] { "shm-bench", "--batches", "x" }, "--batches: 'x' is not an integer")]
    [InlineData(new[] { "netbench", "-n", "2", "-p", "0", "--sizes", "64,x" }, "--sizes: 'x' is not a message size")]
    [InlineData(new[] { "netbench", "-w", "2" }, "netbench: run two processes of one worker")]
    [InlineData(new[] { "netbench", "-n", "2", "-p", "0", "--warmup-ms", "-1" }, "--warmup-ms: -1 is outside 0..600000")]
    [InlineData(new[] { "suite", "--timeout", "soon" }, "--timeout: 'soon' is not a number")]
    public void A_usage_error_is_one_line_and_exit_2(string[] args, string expected)
    {
        string garbage = Path.Combine(_dir, "hosts");
        File.WriteAllLines(garbage, ["127.0.0.1:2101", "\u0001\u0002 not an address"]);
        var (code, stdout, stderr) = TimelyChild.Run(args.Select(a => a.Replace("{dir}", _dir, StringComparison.Ordinal).Replace("{garbage}", garbage, StringComparison.Ordinal)), Deadline);

        Assert.True(code == 2, $"exit {code}; stderr: {string.Join(" | ", stderr)}");
        Assert.Empty(stdout);
        AssertOneError(stderr, "timely: error: ");
        Assert.Contains(expected, stderr[0], StringComparison.Ordinal);
        Assert.DoesNotContain("System.", stderr[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Verbose_adds_the_stack_trace()
    {
        var (code, _, stderr) = TimelyChild.Run(["hello", "-w", "0", "--verbose"], Deadline);
        Assert.Equal(2, code);
        Assert.StartsWith("timely: error: -w: 0 is outside 1..4096", stderr[0], StringComparison.Ordinal);
        Assert.Contains(stderr, l => StackFrame().IsMatch(l));
    }

    [Fact]
    public void TIMELY_VERBOSE_adds_the_stack_trace()
    {
        var (code, _, stderr) = TimelyChild.Run(["hello", "--ring-bytes", "1000"], Deadline, new Dictionary<string, string> { [Cli.VerboseVariable] = "1" });
        Assert.Equal(2, code);
        Assert.StartsWith("timely: error: --ring-bytes: 1000", stderr[0], StringComparison.Ordinal);
        Assert.Contains(stderr, l => StackFrame().IsMatch(l));
    }

    [Fact]
    public void A_SIGKILLed_shm_peer_is_one_line_naming_it_and_exit_1()
    {
        string shm = Path.Combine(_dir, "shm");
        Directory.CreateDirectory(shm);
        string job = "cli-kill-" + Guid.NewGuid().ToString("N")[..12];
        string[] Args(int p) => ["barrier", "100000000", "-n", "2", "-p", p.ToString(System.Globalization.CultureInfo.InvariantCulture), "--transport", "shm", "--shm-dir", shm, "--job", job];
        using var p0 = TimelyChild.Start(Args(0));
        using var p1 = TimelyChild.Start(Args(1));

        // Each process starts its liveness thread once the job is sealed and running; the job's
        // files exist only during the set-up before, which a loaded host can run between two looks.
        WaitUntil(() => (p0.HasThread(LivenessThread) && p1.HasThread(LivenessThread)) || p0.HasExited || p1.HasExited, "both processes run their shm liveness thread");
        Assert.False(p0.HasExited);
        Assert.False(p1.HasExited);
        p1.Signal(9);

        var (code, _, stderr) = p0.WaitForExit(Deadline);
        Assert.True(code == 1, $"exit {code}; stderr: {string.Join(" | ", stderr)}");
        AssertOneError(stderr, "timely: ");
        Assert.DoesNotContain("timely: error:", stderr[0], StringComparison.Ordinal);
        Assert.Contains("process 1", stderr[0], StringComparison.Ordinal);
        Assert.Single(stderr);
    }

    [Fact]
    public void An_shm_job_stopped_whole_past_the_peer_timeout_and_resumed_runs_to_the_end()
    {
        // Every process of the job stopped at once (a host whose CPUs were taken away, a machine
        // loaded far beyond its cores) for longer than the peer timeout, then resumed one after
        // the other: the first to run finds the other's heartbeat unmoved for the whole stop, but
        // it was not running either, so that says nothing about the peer. The job goes on and
        // ends well.
        string shm = Path.Combine(_dir, "shm");
        Directory.CreateDirectory(shm);
        string job = "cli-stall-" + Guid.NewGuid().ToString("N")[..12];
        // A peer timeout of 4 s, stopped for 5, the second resumed 1.5 s after the first: room for
        // the first's liveness thread to look at the stopped peer on a loaded host, and for the
        // second to beat again well within the timeout after that.
        // --verbose: each process prints a line once its liveness thread has made its first look,
        // so the stop below comes after both threads run, not before they start.
        // openloop runs for a fixed 20 s of its own clock, so the job outlasts the stall however
        // slowly a loaded host starts it, and ends in about that time however slowly it runs
        // (barrier 1000000, a fixed amount of work, took more than a minute on a host at load 19).
        string[] Args(int p) => ["openloop", "1000", "20", "-n", "2", "-p", p.ToString(System.Globalization.CultureInfo.InvariantCulture), "--transport", "shm", "--shm-dir", shm, "--job", job, "--peer-timeout", "4", "--verbose"];
        using var p0 = TimelyChild.Start(Args(0));
        using var p1 = TimelyChild.Start(Args(1));

        const string Watching = "liveness thread running";
        WaitUntil(() => (p0.ErrorContains(Watching) && p1.ErrorContains(Watching)) || p0.HasExited || p1.HasExited, $"both processes printed '{Watching}'");
        Assert.False(p0.HasExited || p1.HasExited, "a process ended before the stall; openloop 1000 20 runs for 20 s");
        p0.Signal(SigStop);
        p1.Signal(SigStop);
        Thread.Sleep(TimeSpan.FromSeconds(5));
        p0.Signal(SigCont);
        Thread.Sleep(TimeSpan.FromSeconds(1.5));   // p0's liveness thread looks at p1 (still stopped)
        p1.Signal(SigCont);

        foreach (var process in new[] { p0, p1 })
        {
            var (code, _, stderr) = process.WaitForExit(Deadline);
            Assert.True(code == 0, $"exit {code}; stderr: {string.Join(" | ", stderr)}");
        }
    }

    [Fact]
    public void Garbage_on_the_TCP_port_is_a_warning_then_one_error_line_naming_the_sender_and_exit_1()
    {
        string[] addresses = FreePorts.Loopback(2);
        string hosts = Path.Combine(_dir, "hosts");
        File.WriteAllLines(hosts, addresses);
        using var p0 = TimelyChild.Start(["barrier", "100", "-n", "2", "-p", "0", "--transport", "tcp", "-h", hosts, "--connect-timeout", "3"]);

        var listening = IPEndPoint.Parse(addresses[0]);
        Socket? connected = null;
        WaitUntil(() => (connected = TryConnect(listening)) is not null, $"process 0 listens on {listening}");
        using var garbage = connected!;
        garbage.Send(Enumerable.Repeat((byte)'?', 256).ToArray());
        string sender = garbage.LocalEndPoint!.ToString()!;

        var (code, _, stderr) = p0.WaitForExit(Deadline);
        Assert.True(code == 1, $"exit {code}; stderr: {string.Join(" | ", stderr)}");

        // The refusal is a warning as it happens (a stranger on the port is worth knowing about
        // even when the job then forms), and the set-up's one-line error names it again.
        var (warnings, errors) = (stderr.Where(IsWarning).ToArray(), stderr.Where(l => !IsWarning(l)).ToArray());
        var refused = Assert.Single(warnings);
        Assert.Contains(sender, refused, StringComparison.Ordinal);
        AssertOneError(errors, "timely: ");
        Assert.DoesNotContain("timely: error:", errors[0], StringComparison.Ordinal);
        Assert.Contains("process 0", errors[0], StringComparison.Ordinal);
        Assert.Contains(sender, errors[0], StringComparison.Ordinal);
        Assert.Single(errors);

        static bool IsWarning(string line) => line.StartsWith("timely: warning: ", StringComparison.Ordinal);
    }

    [Fact]
    public void Json_under_the_launcher_is_one_object_per_stdout_line_and_nothing_else()
    {
        var (code, stdout, stderr) = TimelyChild.Run(["barrier", "100", "-n", "2", "--transport", "shm", "--shm-dir", _dir, "--json"], Deadline);
        Assert.True(code == 0, $"exit {code}; stderr: {string.Join(" | ", stderr)}");
        Assert.Equal(2, stdout.Length);
        var processes = new List<int>();
        foreach (string line in stdout)
        {
            using var json = JsonDocument.Parse(line);
            Assert.Equal("barrier", json.RootElement.GetProperty("workload").GetString());
            processes.Add(json.RootElement.GetProperty("process").GetInt32());
        }

        Assert.Equal([0, 1], processes.Order());
        // The human lines are on stderr, each prefixed with its process.
        Assert.Contains("[p0] ", stderr.Single(l => l.EndsWith("worker 0 complete", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Contains("[p1] ", stderr.Single(l => l.EndsWith("worker 1 complete", StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    [Fact]
    public void Json_in_one_process_is_the_only_stdout_line()
    {
        var (code, stdout, stderr) = TimelyChild.Run(["exchange", "10", "3", "-w", "2", "--json"], Deadline);
        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(Assert.Single(stdout));
        Assert.Equal(2, json.RootElement.GetProperty("workers").GetInt32());
        Assert.Contains(stderr, l => l.EndsWith("worker 1 complete", StringComparison.Ordinal));
    }

    [Fact]
    public void The_launcher_forwards_SIGTERM_and_exits_only_after_its_children()
    {
        using var launcher = StartLaunchedPair(out int[] children);

        launcher.Signal(SigTerm);
        var (code, _, stderr) = launcher.WaitForExit(Deadline);

        Assert.True(code != 0, "a launcher stopped by SIGTERM reports it");
        Assert.All(children, pid => Assert.False(ProcessLiveness.IsAlive(pid), $"child {pid} outlived its launcher; stderr: {string.Join(" | ", stderr)}"));
        Assert.DoesNotContain(stderr, l => StackFrame().IsMatch(l));
    }

    [Fact]
    public void Children_that_do_not_act_on_the_forwarded_SIGTERM_are_killed_after_the_grace()
    {
        using var launcher = StartLaunchedPair(out int[] children);

        // Stopped processes leave SIGTERM pending: only the launcher's SIGKILL ends them.
        foreach (int pid in children)
        {
            TimelyChild.Signal(pid, SigStop);
        }

        launcher.Signal(SigTerm);
        var (code, _, stderr) = launcher.WaitForExit(Deadline);

        Assert.True(code != 0, "a launcher stopped by SIGTERM reports it");
        Assert.All(children, pid => Assert.False(ProcessLiveness.IsAlive(pid), $"child {pid} outlived its launcher; stderr: {string.Join(" | ", stderr)}"));
    }

    [Fact]
    public void A_child_that_dies_makes_the_launcher_stop_the_other_and_report_the_failure()
    {
        using var launcher = StartLaunchedPair(out int[] children);

        // Process 1 dies without a word (SIGKILL): the launcher names the first process that
        // exited non-zero, stops the others (process 0 is itself: barrier does not stop by
        // itself on SIGTERM, so it ends at once) and exits non-zero.
        TimelyChild.Signal(children[0], SigKill);
        var (code, _, stderr) = launcher.WaitForExit(Deadline);

        // The first failure seen wins: process 1's SIGKILL, or process 0's own failure when its
        // transport saw process 1 die first (in the same process as the launcher, it can).
        Assert.True(code != 0, "a launcher whose child failed reports it");
        Assert.Contains(stderr, l => l.StartsWith("[launcher] process ", StringComparison.Ordinal) && l.EndsWith("; stopping the others.", StringComparison.Ordinal));
        Assert.Contains(stderr, l => l.Contains($"process 1 (pid {children[0]})", StringComparison.Ordinal));
        Assert.All(children, pid => Assert.False(ProcessLiveness.IsAlive(pid), $"child {pid} outlived its launcher; stderr: {string.Join(" | ", stderr)}"));
    }

    [Fact]
    public void Children_of_a_launcher_that_is_killed_exit_by_themselves()
    {
        // The launcher is process 0: when it dies without a word, nothing stops its children but
        // themselves: their watch of the launcher's pid (TIMELY_LAUNCHER_PID, every half second)
        // and the transport's fail-stop on a dead peer (shared memory: its pid is gone).
        var launcher = StartLaunchedPair(out int[] children);
        try
        {
            launcher.Signal(SigKill);
            launcher.WaitForExit(Deadline);
            WaitUntil(() => children.All(pid => !ProcessLiveness.IsAlive(pid)), "the launcher's children exited after it was killed");
        }
        finally
        {
            launcher.Dispose();
            foreach (int pid in children.Where(ProcessLiveness.IsAlive))
            {
                TimelyChild.Signal(pid, SigKill);   // the test's own grandchildren, by the PIDs it read
            }
        }
    }

    [Fact]
    public void A_launched_run_is_process_0_itself_and_starts_only_the_others()
    {
        using var launcher = StartLaunchedPair(out int[] children);

        // The launcher runs process 0's transport (its shm liveness thread) and has one child.
        WaitUntil(() => launcher.HasThread(LivenessThread) || launcher.HasExited, "the launcher runs process 0's shm liveness thread");
        Assert.False(launcher.HasExited);
        Assert.Single(children);
        launcher.Signal(SigTerm);
        launcher.WaitForExit(Deadline);
    }

    [Fact]
    public void A_launched_process_0_that_fails_its_set_up_says_what_the_launcher_sees_of_process_1()
    {
        // The launcher's own process 0 is refused at once ("in use": a lone process 0 holds the
        // index), a set-up failure while its process 1 runs, waiting for the stopped lone one
        // to become Running. The one line says so, and under TIMELY_VERBOSE the launcher lists
        // process 1's threads.
        var (code, stderr) = LaunchBesideALoneStoppedProcess(0, new Dictionary<string, string> { [Cli.VerboseVariable] = "1" }, out _);
        Assert.True(code == 1, $"exit {code}; stderr: {string.Join(" | ", stderr)}");
        string failure = Assert.Single(stderr, l => l.StartsWith("[p0] timely: shm job", StringComparison.Ordinal));
        Assert.Contains("is in use", failure, StringComparison.Ordinal);
        Assert.Matches(@" \[launcher: process 1 \(pid [0-9]+\) (is running: state [A-Za-z] \(.+\).*, [0-9]+ threads?, [0-9.]+ s of CPU|exited with code [0-9]+|was killed by signal [0-9]+ \(.+\)), [0-9]+ lines? of output\]$", failure);
        Assert.Contains(stderr, l => l.StartsWith("[p0] [launcher] process 1 (pid ", StringComparison.Ordinal));
        Assert.Contains(stderr, l => l.StartsWith("[p0]   thread ", StringComparison.Ordinal));
    }

    [Fact]
    public void A_launched_process_1_that_fails_its_set_up_is_named_with_where_process_0_is()
    {
        // The launcher's own process 1 is refused at once (a lone process 1 holds the index)
        // while process 0, the launcher itself, runs, waiting for the stopped lone one: the
        // launcher's line names both.
        var (code, stderr) = LaunchBesideALoneStoppedProcess(1, null, out int launcher);
        Assert.True(code == 1, $"exit {code}; stderr: {string.Join(" | ", stderr)}");
        string line = Assert.Single(stderr, l => l.StartsWith("[launcher] process 1 ", StringComparison.Ordinal));
        Assert.Matches($@"^\[launcher\] process 1 \(pid [0-9]+\) exited with code 1, [0-9]+ lines? of output, while process 0 \(pid {launcher}\) is running: state [A-Za-z] \([^)]+\)( in [A-Za-z0-9_.]+)?, [0-9]+ threads?, [0-9.]+ s of CPU, [0-9]+ lines? of output; stopping the others\.$", line);
    }

    /// <summary>
    /// A launcher of a long two-process shm barrier, once both processes joined; <paramref name="children"/>
    /// are the PIDs of the processes it started (process 1: process 0 is the launcher itself).
    /// </summary>
    private TimelyChild StartLaunchedPair(out int[] children)
    {
        var launcher = TimelyChild.Start(["barrier", "100000000", "-n", "2", "--transport", "shm", "--shm-dir", _dir]);
        WaitUntil(() => Directory.GetDirectories(_dir, "timely-*").SingleOrDefault() is { } job && File.Exists(Path.Combine(job, "proc-0")) && File.Exists(Path.Combine(job, "proc-1")), "both processes joined the shm job");
        children = File.ReadAllText($"/proc/{launcher.Id}/task/{launcher.Id}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();
        Assert.Single(children);
        return launcher;
    }

    /// <summary>
    /// A launched two-process shm barrier (its exit code and stderr; <paramref name="launcherPid"/>
    /// its pid) run beside a lone process <paramref name="index"/> of the same job, started alone
    /// (<c>-p</c>) and stopped with SIGSTOP once its control file is there, so that the
    /// launcher's process of that index is refused as the job's name in use. Stopped, not left to
    /// run: running, it would form the job with the launched process of the other index, both
    /// would remove their files' names at the seal, and the launched process of its index would
    /// not be refused but wait out the connect timeout (2 of 4 runs did, before the stop).
    /// </summary>
    private (int Code, string[] Stderr) LaunchBesideALoneStoppedProcess(int index, IReadOnlyDictionary<string, string>? environment, out int launcherPid)
    {
        string shm = Path.Combine(_dir, "shm");
        Directory.CreateDirectory(shm);
        string job = $"cli-lone{index}-" + Guid.NewGuid().ToString("N")[..12];
        using var lone = TimelyChild.Start(["barrier", "100000000", "-n", "2", "-p", index.ToString(System.Globalization.CultureInfo.InvariantCulture), "--transport", "shm", "--shm-dir", shm, "--job", job]);
        try
        {
            WaitUntil(() => File.Exists(Path.Combine(JobDirectory.PathFor(shm, job), $"proc-{index}")) || lone.HasExited, $"the lone process {index} published its control file");
            Assert.False(lone.HasExited);
            lone.Signal(SigStop);

            using var launcher = TimelyChild.Start(["barrier", "100000000", "-n", "2", "--transport", "shm", "--shm-dir", shm, "--job", job], environment);
            launcherPid = launcher.Id;
            var (code, _, stderr) = launcher.WaitForExit(Deadline);
            return (code, stderr);
        }
        finally
        {
            lone.Signal(SigKill);
            lone.WaitForExit(Deadline);
        }
    }

    private static void AssertOneError(string[] stderr, string start)
    {
        Assert.NotEmpty(stderr);
        Assert.StartsWith(start, stderr[0], StringComparison.Ordinal);
        Assert.True(stderr.Length <= 2, $"{stderr.Length} lines: {string.Join(" | ", stderr)}");
        Assert.DoesNotContain(stderr, l => StackFrame().IsMatch(l));
    }

    private static Socket? TryConnect(IPEndPoint endpoint)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Connect(endpoint);
            return socket;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            socket.Dispose();
            return null;   // not listening yet
        }
    }

    private static void WaitUntil(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Deadline;
        var spin = new SpinWait();
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting until {what}");
            spin.SpinOnce();   // yields, then gives the core away: the children need it
        }
    }

    [GeneratedRegex(@"^\s+at ")]
    private static partial Regex StackFrame();
}
