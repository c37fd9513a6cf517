using System.Globalization;
using Timely.Bench.Launch;
using Timely.Bench.Suite;
using Timely.Dataflow;
using Timely.Examples;

namespace Timely.Bench.Tests;

/// <summary>
/// <c>sequence</c> beside Rust's: our Rust form (<c>--as-rust</c>) prints Rust's lines and runs
/// until stopped; <c>suite --rust</c> runs it in one row of its own, ours on 4 workers beside
/// Rust's example with no arguments, each side stopped after a window and compared on CPU, with
/// the elements each released in the window counted. Stand-in scripts play both sides where the
/// suite's plumbing is under test; no timing is asserted.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SequencePairTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private readonly string _dir = ReportFiles.TempDirectory();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void One_row_pairs_ours_as_rust_on_four_workers_with_rusts_example_given_no_arguments()
    {
        var row = Assert.Single(SuiteMatrix.RustOnlyRows());
        Assert.Equal("sequence --as-rust -w 4", row.Id);
        Assert.Contains("ignores -w", row.Configuration, StringComparison.Ordinal);
        Assert.True(RustExamples.OnlyBesideRust(row));
        Assert.Equal(Array.Empty<string>(), RustExamples.Arguments(row));
        Assert.Equal(["--as-rust"], RustExamples.OursArguments(row, []));
        var process = Assert.Single(RustExamples.Processes(row, [], "hosts"));
        Assert.Empty(process);   // Config::process(4) whatever its flags: Rust's as shipped
        Assert.Equal("fixed 4 (no flags)", RustExamples.ConfigurationName(row));
        Assert.True(RustExamples.RunsUntilStopped("sequence") && RustExamples.ComparesCpu("sequence"));
        Assert.False(RustExamples.ComparesRounds("sequence") || RustExamples.HasTrivialRun("sequence"));

        // Rust's form on other workers, or with sleeps of another length, is not Rust's work.
        Assert.Null(RustExamples.Arguments(row with { ConfigArgs = ["-w", "2"], Peers = 2 }));
        Assert.Null(RustExamples.Arguments(row with { ConfigArgs = ["--processes", "4", "--transport", "shm"] }));
        Assert.Null(RustExamples.Arguments(row with { WorkloadArgs = ["--as-rust", "--sleep-ms", "10"] }));

        // The suite's own sequence rows end by themselves and stay unpaired; the Rust-form row is in no size's matrix.
        foreach (var size in new[] { SuiteSize.Full, SuiteSize.Quick, SuiteSize.Smoke })
        {
            var rows = SuiteMatrix.Rows(size);
            Assert.All(rows.Where(r => r.Workload == "sequence"), r => Assert.False(RustExamples.Pairs(r), r.Id));
            Assert.DoesNotContain(rows, RustExamples.OnlyBesideRust);
        }
    }

    [Fact]
    public void A_window_run_gives_each_side_its_command_and_counts_the_lines_each_released_within_the_window()
    {
        string log = Path.Combine(_dir, "calls.log");
        string pids = Path.Combine(_dir, "pids");
        // Two lines in the window and one past it on our side; three in it on Rust's; then each waits to be stopped.
        string ours = StandIn("ours", log, pids, Lines("0.5s", "1.25s", "9.0s"));
        var rust = RustFolder(StandIn("sequence", log, pids, Lines("900.5ms", "1.0s", "2.999999s")));
        var row = SuiteMatrix.RustOnlyRows()[0];
        var result = Assert.Single(RustComparison.Plan([row], rust, SuiteSize.Quick));
        Assert.True(result.ComparesCpu && !result.ComparesRounds);
        Assert.Equal(12.5, result.ReleasedWindowSeconds);
        var pair = new RustRowResult { Id = result.Id, Label = result.Label, Configuration = result.Configuration, RustConfiguration = result.RustConfiguration, ComparesCpu = true, ReleasedWindowSeconds = 3 };

        // Each side runs for the whole cut-off, which must outlast a stand-in's start on a loaded host (its lines are what is counted).
        RustComparison.RunOnce(row, 0, new TimelyExecutable("/bin/sh", [ours], _dir), rust, Deadline, TimeSpan.FromSeconds(3), pair);

        Assert.True(pair.Status == RowStatus.Ok, pair.Message);
        Assert.Equal(["ours sequence --as-rust -w 4", "sequence"], File.ReadAllLines(log));
        var sample = Assert.Single(pair.Samples);
        Assert.Equal(2, sample.OursReleased);
        Assert.Equal(3, sample.RustReleased);
        Assert.True(sample.OursMs > 0 && sample.RustMs > 0);
        EventDrivenStopTests.AssertGone(pids);
    }

    [Fact]
    public void Suite_rust_runs_the_row_only_beside_rust_and_reports_window_cpu_with_both_sides_released_lines()
    {
        string log = Path.Combine(_dir, "calls.log");
        string pids = Path.Combine(_dir, "pids");
        var rust = RustFolder(StandIn("sequence", log, pids, Lines("6.0s", "7.0s", "7.1s")));

        // Ours is the real example in Rust's form; its first elements reach a worker about 5 s in, inside the smoke window.
        var run = ChildRunner.Run(ReportFiles.Timely, ["suite", "--smoke", "--rust", rust.Directory, "--filter", "sequence-rust*"], Deadline, counters: false, _dir);

        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.StandardOutput} {run.StandardError}");
        Assert.Equal(["sequence"], File.ReadAllLines(log));
        Assert.DoesNotContain("this timely sequence", run.StandardError, StringComparison.Ordinal);   // no timed run of its own
        Assert.Contains("rust timely sequence --as-rust -w 4 vs fixed 4 (no flags)", run.StandardError, StringComparison.Ordinal);
        var row = run.StandardOutput.Split('\n').Single(l => l.StartsWith("sequence-rust (sequence --as-rust -w 4)", StringComparison.Ordinal));
        Assert.Contains("-w 4 (Rust's fixed 4, ignores -w)", row, StringComparison.Ordinal);
        Assert.Contains("window cpu", row, StringComparison.Ordinal);
        string note = run.StandardOutput.Split('\n').Single(l => l.StartsWith("sequence-rust: `recv'd` lines stamped within 8.5 s, timely ", StringComparison.Ordinal));
        Assert.EndsWith(" against Rust 3 (per repeat); the window's wall is the same on both sides, so its ratio is of CPU.", note, StringComparison.Ordinal);
        EventDrivenStopTests.AssertGone(pids);
    }

    [Fact]
    public void A_side_that_releases_nothing_in_the_window_fails_the_row_with_a_note_naming_it()
    {
        string log = Path.Combine(_dir, "calls.log");
        string pids = Path.Combine(_dir, "pids");
        string ours = StandIn("ours", log, pids, Lines("0.5s"));
        var rust = RustFolder(StandIn("sequence", log, pids, "echo 'building'"));
        var row = SuiteMatrix.RustOnlyRows()[0];
        var pair = new RustRowResult { Id = row.Id, RustConfiguration = "fixed 4 (no flags)", ComparesCpu = true, ReleasedWindowSeconds = 3 };

        RustComparison.RunOnce(row, 1, new TimelyExecutable("/bin/sh", [ours], _dir), rust, Deadline, TimeSpan.FromMilliseconds(300), pair);

        Assert.Equal(RowStatus.Failed, pair.Status);
        Assert.StartsWith($"rust: `{Path.Combine(rust.Directory, "sequence")} (fixed 4 (no flags))` printed no `recv'd` line within 3 s of its clock", pair.Message, StringComparison.Ordinal);
        Assert.Empty(pair.Samples);
        EventDrivenStopTests.AssertGone(pids);
    }

    [Theory]
    // Rust 0.29's example, printed by its release build: Duration's {:?}, then the element's {:?} (quoted).
    [InlineData("6.009305677s:\tWorker 0:\t recv'd: \"worker 0, round 0\"", 6.009305677, 0, 0, 0UL)]
    [InlineData("12.004950404s:\tWorker 1:\t recv'd: \"worker 0, round 2\"", 12.004950404, 1, 0, 2UL)]
    [InlineData("[p1] 912.5ms:\tWorker 3:\t recv'd: \"worker 2, round 17\"", 0.9125, 3, 2, 17UL)]
    public void Released_lines_are_read_in_rusts_form(string line, double seconds, int worker, int pusher, ulong round)
    {
        var parsed = ReleasedLines.Parse(line);
        Assert.NotNull(parsed);
        Assert.Equal(seconds, parsed.Value.Seconds, 9);
        Assert.Equal((worker, pusher, round), (parsed.Value.Worker, parsed.Value.Pusher, parsed.Value.Round));
    }

    [Theory]
    [InlineData("13.8895664s\tworker 0 complete")]
    [InlineData("result: records 104 checksum 6c19e6389d3dd600")]
    [InlineData("6.0s:\tWorker 0:\t recv'd: worker 0, round 0")]     // not quoted: not Rust's {:?} of a String
    [InlineData("6.0s:\tWorker 0:\trecv'd: \"worker 0, round 0\"")]  // Rust's line has a space after the second tab
    [InlineData("6.0x:\tWorker 0:\t recv'd: \"worker 0, round 0\"")]
    public void Other_lines_are_not_released_lines(string line) => Assert.Null(ReleasedLines.Parse(line));

    [Fact]
    public void Lines_are_counted_up_to_the_window_inclusive_across_processes()
    {
        string a = "1.0s:\tWorker 0:\t recv'd: \"worker 0, round 0\"\n2.5s:\tWorker 1:\t recv'd: \"worker 0, round 0\"\nresult: records 2 checksum 0\n";
        string b = "[p1] 2.500001s:\tWorker 2:\t recv'd: \"worker 0, round 0\"\n[p1] 400ms:\tWorker 3:\t recv'd: \"worker 0, round 0\"\n";
        Assert.Equal(3, ReleasedLines.CountWithin([a, b], 2.5));
        Assert.Equal(4, ReleasedLines.CountWithin([a, b], 2.6));
        Assert.Equal(0, ReleasedLines.CountWithin([a, b], 0.3));
    }

    [Theory]
    [InlineData("-w 4")]
    [InlineData("-w 2 -z")]
    public void The_rust_form_prints_rusts_lines_and_every_worker_reads_every_element_in_one_order(string flags)
    {
        var log = new StringWriter();
        var synced = TextWriter.Synchronized(log);
        var config = Timely.Communication.Config.FromArgs(flags.Split(' '), out _);
        int peers = flags.Contains("-w 4", StringComparison.Ordinal) ? 4 : 2;
        const ulong rounds = 3;
        var results = Execute.Run(config, w => Sequence.RunAsRust(w, TimeSpan.FromMilliseconds(2), rounds, synced));

        var lines = log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var parsed = lines.Select(l => ReleasedLines.Parse(l) ?? throw new Xunit.Sdk.XunitException($"not Rust's line: {l}")).ToArray();
        Assert.Equal(peers * peers * (int)rounds, parsed.Length);
        Assert.All(results, r => Assert.Equal(peers * (long)rounds, r.Workload.Records));
        for (int w = 0; w < peers; w++)
        {
            // Each worker reads every element once, and each pusher's rounds in order.
            var read = parsed.Where(p => p.Worker == w).Select(p => (p.Pusher, p.Round)).ToArray();
            Assert.Equal(Enumerable.Range(0, peers).SelectMany(j => Enumerable.Range(0, (int)rounds).Select(r => (j, (ulong)r))).Order(), read.Order());
            Assert.All(Enumerable.Range(0, peers), j => Assert.Equal(read.Where(x => x.Pusher == j).Select(x => x.Round).Order(), read.Where(x => x.Pusher == j).Select(x => x.Round)));
        }

        // One order on every worker: each worker's order-sensitive checksum is the same.
        Assert.Single(results.Select(r => r.Checksum).Distinct());
    }

    [Fact]
    public void The_rust_form_stopped_before_its_first_round_pushes_nothing_and_ends()
    {
        using var stop = new CancellationTokenSource();
        stop.Cancel();
        var results = Execute.Run(Timely.Communication.Config.FromArgs(["-w", "4"], out _), w => Sequence.RunAsRust(w, TimeSpan.FromHours(1), ulong.MaxValue, TextWriter.Null, stop.Token));
        Assert.All(results, r => Assert.Equal(0, r.Workload.Records));
    }

    [Fact]
    public void Sequence_as_rust_without_rounds_runs_until_SIGTERM_then_reports_and_exits_0()
    {
        using var child = TimelyChild.Start(["sequence", "--as-rust", "--sleep-ms", "5", "-w", "4"]);
        child.WaitForOutput("recv'd: \"worker 3, round 2\"", Deadline, "worker 3's third element (sequence --as-rust must not exit by itself)");

        child.Signal(PosixKill.SigTerm);
        var (code, stdout, stderr) = child.WaitForExit(Deadline);
        Assert.True(code == 0, $"exit {code}: {string.Join('\n', stdout.Concat(stderr))}");
        var released = stdout.Where(l => l.Contains("recv'd", StringComparison.Ordinal)).ToArray();
        Assert.All(released, l => Assert.NotNull(ReleasedLines.Parse(l)));
        Assert.Equal(4, stdout.Count(l => l.EndsWith(" complete", StringComparison.Ordinal)));
        string result = Assert.Single(stdout, l => l.StartsWith("result: records ", StringComparison.Ordinal));
        Assert.Equal(released.Length, long.Parse(result.Split(' ')[2], CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("sequence --sleep-ms 5", "--sleep-ms applies to --as-rust only")]
    [InlineData("sequence --as-rust --sleep-ms x", "--sleep-ms")]
    public void Bad_sequence_options_are_usage_errors(string command, string message)
    {
        var (exit, _, stderr) = TimelyChild.Run(command.Split(' '), TimeSpan.FromSeconds(30));
        Assert.Equal(2, exit);
        Assert.StartsWith("timely: error: ", stderr[0], StringComparison.Ordinal);
        Assert.Contains(message, stderr[0], StringComparison.Ordinal);
    }

    private static string Lines(params string[] stamps) =>
        string.Join("; ", stamps.Select((s, i) => $"printf '{s}:\\tWorker {i % 4}:\\t recv'\"'\"'d: \"worker 0, round {i}\"\\n'"));

    /// <summary>A stand-in: logs "name args", records its PID, runs <paramref name="body"/>, then waits to be stopped.</summary>
    private string StandIn(string name, string log, string pids, string body)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, $"#!/bin/sh\necho \"{name} $*\" | sed 's/ *$//' >> \"{log}\"\necho $$ >> \"{pids}\"\n{body}\nwhile :; do sleep 0.05; done\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    private RustExamples RustFolder(string example)
    {
        string folder = Path.Combine(_dir, "rust");
        Directory.CreateDirectory(folder);
        File.Move(example, Path.Combine(folder, "sequence"));
        return RustExamples.Open(folder);
    }
}
