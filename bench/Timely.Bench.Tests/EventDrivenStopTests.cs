using System.Globalization;
using Timely.Bench.Launch;
using Timely.Bench.Suite;

namespace Timely.Bench.Tests;

/// <summary>
/// <c>event_driven</c> without <c>--rounds</c> runs until stopped, as Rust's does, and the
/// suite's cut-off stops such a run by the PID it started: SIGINT, then SIGTERM, then SIGKILL.
/// Stand-in children are shell scripts that print <c>round N complete</c> lines; no timing is
/// asserted beyond "it stopped", and every test checks that nothing it started still runs and
/// nothing it made is left.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class EventDrivenStopTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private readonly string _dir = ReportFiles.TempDirectory();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Without_rounds_event_driven_stops_on_SIGTERM_after_its_round_reports_and_exits_0() => StopsOn(PosixKill.SigTerm, ["-w", "2"]);

    [SigintDeliveredFact]
    public void Without_rounds_event_driven_stops_on_SIGINT_after_its_round_reports_and_exits_0() => StopsOn(PosixKill.SigInt, ["-w", "2"]);

    [Fact]
    public void Two_shm_processes_stopped_through_their_launcher_both_report_exit_0_and_leave_no_file()
    {
        string shm = Path.Combine(_dir, "shm");
        Directory.CreateDirectory(shm);
        var children = StopsOn(PosixKill.SigTerm, ["--processes", "2", "--transport", "shm", "--shm-dir", shm], processes: 2);
        Assert.All(children, pid => Assert.False(Timely.Transport.Shm.Rendezvous.ProcessLiveness.IsAlive(pid), $"child {pid} outlived the stop"));
        Assert.Empty(Directory.GetFileSystemEntries(shm));
    }

    /// <summary>
    /// Starts <c>event_driven 3 2</c> with no <c>--rounds</c>, waits for its rounds, sends
    /// <paramref name="signal"/>; returns the launcher's children (process 0 is the launcher itself), if any.
    /// </summary>
    private static int[] StopsOn(int signal, string[] config, int processes = 1)
    {
        using var child = TimelyChild.Start(["event_driven", "3", "2", .. config]);
        child.WaitForOutput("round 1000 complete", Deadline, "event_driven's round 1000 line (without --rounds it must not exit by itself)");

        int[] children = processes == 1 ? [] : File.ReadAllText($"/proc/{child.Id}/task/{child.Id}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(processes - 1, children.Length);
        child.Signal(signal);
        var (code, stdout, stderr) = child.WaitForExit(Deadline);
        string all = string.Join('\n', stdout.Concat(stderr));
        Assert.True(code == 0, $"exit {code}: {all}");
        var results = stdout.Concat(stderr).Where(l => l.Contains("result: records ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(processes, results.Length);
        Assert.All(results, r => Assert.True(long.Parse(r.Split(' ')[^3], CultureInfo.InvariantCulture) > 1000, r));
        Assert.DoesNotContain("Unhandled", all, StringComparison.Ordinal);
        Assert.DoesNotContain("warning", all, StringComparison.OrdinalIgnoreCase);
        return children;
    }

    [Fact]
    public void A_child_that_ignores_SIGINT_is_stopped_by_SIGTERM_and_one_that_ignores_both_by_SIGKILL()
    {
        foreach (var (traps, expected) in new[] { ("trap '' INT", "SIGTERM"), ("trap '' INT TERM", "SIGKILL") })
        {
            string pids = Path.Combine(_dir, $"pids-{expected}");
            var run = CutOffCommand.Run([Script(pids, traps, PrintsRounds)], TimeSpan.FromMilliseconds(300), RateShown, Deadline, TimeSpan.FromMilliseconds(300));
            Assert.Equal(expected, run.StoppedBy);
            Assert.False(run.ExitedEarly);
            Assert.NotNull(RoundLines.RoundsPerSecond(run.Outputs));
            Assert.Null(RustComparison.CutOffFailure(run, "rust", "stand-in", Deadline));
            AssertGone(pids);
        }
    }

    [Fact]
    public void A_run_that_prints_no_round_line_is_stopped_at_the_deadline_and_named_in_a_note()
    {
        string pids = Path.Combine(_dir, "pids");
        var run = CutOffCommand.Run([Script(pids, "", "while :; do echo 'building'; sleep 0.05; done")], TimeSpan.FromMilliseconds(100), RateShown, TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(300));
        Assert.False(run.ExitedEarly);
        Assert.NotEqual("", run.StoppedBy);
        Assert.InRange(run.WallMilliseconds, 1000, Deadline.TotalMilliseconds);
        string? note = RustComparison.CutOffFailure(run, "rust", "event_driven 1000 10 (-w 1)", TimeSpan.FromSeconds(1));
        Assert.NotNull(note);
        Assert.StartsWith("rust: `event_driven 1000 10 (-w 1)` printed 0 `round N complete` lines in ", note, StringComparison.Ordinal);
        Assert.Contains("no rate of rounds", note, StringComparison.Ordinal);
        AssertGone(pids);
    }

    [Fact]
    public void A_run_that_exits_by_itself_ends_the_cut_off_early_stops_its_partner_and_names_its_first_error()
    {
        string pids = Path.Combine(_dir, "pids");
        var run = CutOffCommand.Run(
            [Script(pids, "", "echo 'thread main panicked: boom' >&2; exit 3"), Script(pids, "trap '' INT", PrintsRounds)],
            Deadline,
            RateShown,
            Deadline,
            TimeSpan.FromMilliseconds(300));
        Assert.True(run.ExitedEarly);
        Assert.Equal(3, run.ExitCodes[0]);
        string? note = RustComparison.CutOffFailure(run, "timely", "timely event_driven 3 2 -w 1", Deadline);
        Assert.Equal("timely: `timely event_driven 3 2 -w 1` exited by itself with 3," + run.ExitCodes[1].ToString(CultureInfo.InvariantCulture) + " before the suite stopped it: thread main panicked: boom", note);
        AssertGone(pids);
    }

    [Fact]
    public void The_suite_pairs_event_driven_in_rusts_form_on_both_sides_and_compares_rounds_per_second()
    {
        string rust = Path.Combine(_dir, "rust");
        Directory.CreateDirectory(rust);
        string log = Path.Combine(_dir, "calls.log");
        string pids = Path.Combine(_dir, "pids");
        string example = Path.Combine(rust, "event_driven");
        File.WriteAllText(example, $"#!/bin/sh\necho \"event_driven $*\" >> \"{log}\"\necho $$ >> \"{pids}\"\n{PrintsRounds}\n");
        File.SetUnixFileMode(example, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var run = ChildRunner.Run(ReportFiles.Timely, ["suite", "--smoke", "--rust", rust, "--filter", "event_driven*-w 2"], Deadline * 2, counters: false, _dir);

        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.StandardOutput} {run.StandardError}");
        Assert.Equal(["event_driven 10 2 -w 2"], File.ReadAllLines(log));
        Assert.Contains("rounds/s", run.StandardOutput, StringComparison.Ordinal);
        var row = run.StandardOutput.Split('\n').Single(l => l.StartsWith("event_driven (event_driven 10 2)", StringComparison.Ordinal) && l.Contains("rounds/s", StringComparison.Ordinal));
        var cells = row.Split("  ", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(double.Parse(cells[^6], CultureInfo.InvariantCulture) > 0, row);   // timely/Rust
        AssertGone(pids);
    }

    // Two workers' lines per 1000 rounds, 1000 rounds per 10 ms, forever.
    private const string PrintsRounds = "i=0; while :; do echo \"${i}0ms\tround ${i}000 complete in 2 steps\"; echo \"${i}0ms\tround ${i}000 complete in 2 steps\"; i=$((i+1)); sleep 0.01; done";

    private static bool RateShown(IReadOnlyList<string> outputs) => RoundLines.RoundsPerSecond(outputs) is not null;

    /// <summary>A stand-in: records its PID in <paramref name="pids"/>, sets <paramref name="traps"/>, then runs <paramref name="body"/>.</summary>
    private static (string, IReadOnlyList<string>) Script(string pids, string traps, string body) =>
        ("/bin/sh", ["-c", $"echo $$ >> \"{pids}\"; {(traps.Length > 0 ? traps + "; " : "")}{body}"]);

    /// <summary>
    /// Every process <paramref name="pids"/> names has exited (or is a zombie awaiting its reaper), and so
    /// has every process whose command line names the file's directory (each stand-in's does: its
    /// script's path or the PID file's). The second look is what makes this hold for a stand-in the
    /// runner stopped before it got as far as writing its PID: at load 27 a 300 ms cut-off came before
    /// a stand-in's first line, and with no file there was nothing to read.
    /// </summary>
    internal static void AssertGone(string pids)
    {
        var recorded = File.Exists(pids)
            ? File.ReadAllLines(pids).Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToHashSet()
            : [];
        string dir = Path.GetDirectoryName(pids)!;
        foreach (string proc in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(proc), out int pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            string stat, cmdline;
            try
            {
                stat = File.ReadAllText(Path.Combine(proc, "stat"));
                cmdline = File.ReadAllText(Path.Combine(proc, "cmdline")).Replace('\0', ' ');
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;   // exited between the listing and the read
            }

            bool ours = recorded.Contains(pid) || cmdline.Contains(dir, StringComparison.Ordinal);
            Assert.False(ours && !stat.Contains(") Z ", StringComparison.Ordinal), $"process {pid} ({cmdline.Trim()}) still runs");
        }
    }
}
