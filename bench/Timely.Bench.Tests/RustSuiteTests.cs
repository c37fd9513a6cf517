using System.Globalization;
using Timely.Bench.Suite;

namespace Timely.Bench.Tests;

/// <summary>
/// <c>timely suite --rust DIR</c> against a folder of stand-in scripts named like Rust timely's
/// examples: each logs its arguments (and, for a hostfile, the file's lines) and exits as told.
/// No timing is asserted; the tests check which commands ran, what the report says and the exit code.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class RustSuiteTests : IDisposable
{
    private readonly string _dir = ReportFiles.TempDirectory();

    public RustSuiteTests()
    {
        Directory.CreateDirectory(RustDir);
    }

    private string RustDir => Path.Combine(_dir, "rust");

    private string Log => Path.Combine(_dir, "calls.log");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A stand-in example: logs "name args" (and "hosts: ..." with the -h file's lines), then runs <paramref name="body"/>.</summary>
    private void StandIn(string name, string body = "exit 0")
    {
        string path = Path.Combine(RustDir, name);
        File.WriteAllText(path, $$"""
            #!/bin/sh
            echo "{{name}} $*" >> "{{Log}}"
            while [ $# -gt 0 ]; do
              if [ "$1" = "-h" ]; then echo "hosts: $(tr '\n' ' ' < "$2")" >> "{{Log}}"; fi
              shift
            done
            {{body}}
            """.Replace("\r", "", StringComparison.Ordinal));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private ChildRun Suite(params string[] args) =>
        ChildRunner.Run(ReportFiles.Timely, ["suite", "--smoke", "--rust", RustDir, .. args], TimeSpan.FromSeconds(120), counters: false, _dir);

    private string[] Calls() => File.Exists(Log) ? File.ReadAllLines(Log) : [];

    [Fact]
    public void Threads_rows_run_the_example_at_the_rows_size_and_at_the_trivial_size_with_the_same_worker_count()
    {
        StandIn("barrier");
        var run = Suite("--filter", "barrier*-w 2");
        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.StandardError}");
        Assert.Equal(["barrier 1000 -w 2", "barrier 1 -w 2"], Calls());
        Assert.Contains("vs Rust", run.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("beside Rust timely", run.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public void Shm_rows_are_set_beside_rusts_two_threads_and_tcp_rows_beside_two_rust_processes_with_a_loopback_hostfile()
    {
        StandIn("barrier");
        var run = Suite("--filter", "barrier*--transport shm", "--filter", "barrier*--transport tcp");
        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.StandardError}");
        var calls = Calls();
        Assert.Equal(2, calls.Count(c => c == "barrier 1000 -w 2" || c == "barrier 1 -w 2"));
        foreach (string size in new[] { "1000", "1" })
        {
            for (int p = 0; p < 2; p++)
            {
                Assert.Single(calls, c => c.StartsWith($"barrier {size} -n 2 -p {p} -h ", StringComparison.Ordinal));
            }
        }

        var hosts = calls.Where(c => c.StartsWith("hosts: ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(4, hosts.Length);
        Assert.All(hosts, h =>
        {
            var addresses = h["hosts: ".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(2, addresses.Length);
            Assert.All(addresses, a => Assert.Matches(@"^127\.0\.0\.1:\d+$", a));
            Assert.NotEqual(addresses[0], addresses[1]);
        });
        Assert.Contains("-n 2", run.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_example_leaves_its_rows_without_a_figure_with_a_note_and_the_suite_succeeds()
    {
        StandIn("barrier");
        var run = Suite("--filter", "barrier*-w 1", "--filter", "pingpong-latency*-w 1");
        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.StandardError}");
        Assert.Contains($"skipped: vs Rust `timely pingpong 100 1 -w 1`: no executable {Path.Combine(RustDir, "pingpong")}", run.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(Calls(), c => c.StartsWith("pingpong", StringComparison.Ordinal));
    }

    [Fact]
    public void A_failing_rust_run_is_named_with_its_exit_code_and_first_error_line_and_the_suite_exits_1()
    {
        StandIn("barrier", "echo 'thread main panicked: boom' >&2; echo 'second line' >&2; exit 3");
        var run = Suite("--filter", "barrier*-w 1");
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("failed: vs Rust `timely barrier 1000 -w 1`: rust: ", run.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("exited with 3: thread main panicked: boom", run.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("second line", run.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("some runs beside Rust failed", run.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void A_rust_run_past_the_deadline_is_killed_and_reported_as_hung()
    {
        string pidFile = Path.Combine(_dir, "pid");
        StandIn("barrier", $"echo $$ > \"{pidFile}\"; exec sleep 60");
        var run = Suite("--filter", "barrier*-w 1", "--timeout", "3");
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("hung: vs Rust `timely barrier 1000 -w 1`", run.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("did not exit within 3 s; killed", run.StandardOutput, StringComparison.Ordinal);
        int pid = int.Parse(File.ReadAllText(pidFile).Trim(), CultureInfo.InvariantCulture);
        Assert.False(Directory.Exists($"/proc/{pid}") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal), $"process {pid} still runs");
    }

    [Theory]
    [InlineData("missing", "no such folder")]
    [InlineData("", "none of timely's examples pingpong, exchange, barrier, bfs, pagerank, hashjoin, unionfind, flow_controlled, wordcount, distinct, openloop, loopdemo, event_driven, sequence is an executable file there")]
    public void An_unusable_folder_is_a_one_line_usage_error_before_any_row(string sub, string why)
    {
        string path = sub.Length == 0 ? RustDir : Path.Combine(_dir, sub);
        File.WriteAllText(Path.Combine(RustDir, "barrier"), "not executable");
        var run = ChildRunner.Run(ReportFiles.Timely, ["suite", "--smoke", "--rust", path, "--filter", "barrier*-w 1"], TimeSpan.FromSeconds(60), counters: false, _dir);
        Assert.Equal(2, run.ExitCode);
        string line = Assert.Single(run.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"timely: error: --rust {path}: {why}", line, StringComparison.Ordinal);
        Assert.DoesNotContain("[1/", run.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_rust_the_column_is_absent()
    {
        var run = ChildRunner.Run(ReportFiles.Timely, ["suite", "--smoke", "--filter", "barrier*-w 1"], TimeSpan.FromSeconds(60), counters: false, _dir);
        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.StandardError}");
        Assert.DoesNotContain("Rust", run.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_rows_with_rusts_argument_form_are_paired()
    {
        static SuiteRow Row(string workload, params string[] args) => new(workload, workload, args, "-w 1", ["-w", "1"], 1);
        Assert.True(RustExamples.Pairs(Row("bfs", "1000", "2000")));
        Assert.True(RustExamples.Pairs(Row("pagerank", "100000", "400000")));
        Assert.False(RustExamples.Pairs(Row("pagerank", "1000", "4000", "--rounds", "10")));
        Assert.False(RustExamples.Pairs(Row("roundtrip", "100")));
        Assert.False(RustExamples.Pairs(Row("hello")));
        Assert.True(RustExamples.Pairs(Row("flow_controlled")));
        Assert.False(RustExamples.HasTrivialRun("flow_controlled"));
        Assert.True(RustExamples.HasTrivialRun("bfs"));

        // Rust's wordcount and distinct take no arguments: only the row that runs their fixed computation pairs.
        Assert.True(RustExamples.Pairs(Row("wordcount")));
        Assert.False(RustExamples.Pairs(Row("wordcount", "--rounds", "1000", "--words", "100")));
        Assert.True(RustExamples.Pairs(Row("distinct")));
        Assert.False(RustExamples.Pairs(Row("distinct", "--rounds", "20", "--values", "1000")));

        // Rust's openloop and loopdemo parse SECONDS as an integer.
        Assert.True(RustExamples.Pairs(Row("openloop", "10000", "1")));
        Assert.True(RustExamples.Pairs(Row("loopdemo", "100000", "5")));
        Assert.False(RustExamples.Pairs(Row("openloop", "10000", "0.3")));
        Assert.False(RustExamples.Pairs(Row("loopdemo", "1000", "-1")));

        // event_driven never ends in Rust: it pairs in Rust's form, both sides without our --rounds.
        Assert.Equal(["1000", "10"], RustExamples.Arguments(Row("event_driven", "1000", "10", "--rounds", "10000")));
        Assert.Equal(["20", "10", "record"], RustExamples.Arguments(Row("event_driven", "20", "10", "record")));
        Assert.Null(RustExamples.Arguments(Row("event_driven", "20", "10", "recorded")));
        Assert.Null(RustExamples.Arguments(Row("event_driven", "20", "--rounds", "5")));
        Assert.Null(RustExamples.Arguments(Row("event_driven", "20", "10", "--rounds", "x")));
        Assert.True(RustExamples.RunsUntilStopped("event_driven") && !RustExamples.HasTrivialRun("event_driven"));

        // Rust's sequence sleeps 1 + i s per round on a fixed 4 workers and never stops: only our
        // run of that form pairs (SequencePairTests), not the suite's own rows.
        Assert.False(RustExamples.Pairs(Row("sequence")));
        Assert.False(RustExamples.Pairs(Row("sequence", "--rounds", "100")));

        foreach (string w in new[] { "wordcount", "distinct", "openloop", "loopdemo" })
        {
            Assert.False(RustExamples.HasTrivialRun(w));
        }

        Assert.True(RustExamples.ComparesCpu("openloop") && RustExamples.ComparesCpu("loopdemo"));
        Assert.False(RustExamples.ComparesCpu("wordcount") || RustExamples.ComparesCpu("flow_controlled") || RustExamples.ComparesCpu("bfs"));
    }

    [Fact]
    public void Examples_of_fixed_size_run_once_per_side_with_no_arguments_and_compare_whole_wall()
    {
        StandIn("wordcount");
        StandIn("distinct");
        var run = Suite("--filter", "wordcount*-w 2", "--filter", "distinct*--transport tcp");
        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.StandardError}");
        var calls = Calls();
        Assert.Equal("wordcount -w 2", calls[0]);
        Assert.Single(calls, c => c.StartsWith("distinct -n 2 -p 0 -h ", StringComparison.Ordinal));
        Assert.Single(calls, c => c.StartsWith("distinct -n 2 -p 1 -h ", StringComparison.Ordinal));
        Assert.Equal(1 + 2 + 2, calls.Length);   // no trivial runs; two hosts lines
        Assert.Contains("whole wall", run.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("whole cpu", run.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public void Examples_of_fixed_duration_pair_at_whole_seconds_once_per_side_and_compare_cpu()
    {
        StandIn("openloop");
        var run = ChildRunner.Run(ReportFiles.Timely, ["suite", "--quick", "--no-counters", "--repeat", "1", "--rust", RustDir, "--filter", "openloop*-w 1", "--filter", "openloop*--transport shm"], TimeSpan.FromSeconds(120), counters: false, _dir);
        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.StandardError}");
        Assert.Equal(["openloop 10000 1 -w 1", "openloop 10000 1 -w 2"], Calls());
        Assert.Contains("whole cpu", run.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("net wall", run.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cpu_compared_row_takes_its_ratio_from_cpu_not_from_wall()
    {
        // Equal wall on both sides (a fixed duration), CPU 3x on ours.
        static RustPairSample S(double oursCpu, double rustCpu) => new() { OursMs = 1000, RustMs = 1000, OursCpuMs = oursCpu, RustCpuMs = rustCpu };
        var pair = new RustRowResult { Id = "openloop 10000 1 -w 1", RustConfiguration = "-w 1", ComparesCpu = true, Samples = { S(300, 100), S(330, 110), S(360, 120) } };
        var (ratio, low, high) = pair.Ratio();
        Assert.Equal(3.0, ratio, 9);
        Assert.InRange(low, 2.5, 3.0);
        Assert.InRange(high, 3.0, 3.6);
        var byWall = new RustRowResult { Id = pair.Id, RustConfiguration = "-w 1", Samples = pair.Samples };
        Assert.Equal(1.0, byWall.Ratio().Ratio, 9);
        var idle = new RustRowResult { Id = pair.Id, RustConfiguration = "-w 1", ComparesCpu = true, Samples = { S(300, 100), S(330, 0) } };
        Assert.True(double.IsNaN(idle.Ratio().Ratio));
    }

    [Fact]
    public void The_ratio_is_of_the_net_medians_and_a_row_with_no_net_work_has_none()
    {
        static RustPairSample S(double ours, double rust) => new() { OursMs = 100 + ours, OursTrivialMs = 100, RustMs = 50 + rust, RustTrivialMs = 50, OursCpuMs = 10 + (2 * ours), OursTrivialCpuMs = 10, RustCpuMs = 5 + rust, RustTrivialCpuMs = 5, OursRssMb = 40 + ours, OursTrivialRssMb = 40, RustRssMb = 3 + (rust / 2), RustTrivialRssMb = 3 };
        var pair = new RustRowResult { Id = "barrier 1000 -w 1", RustConfiguration = "-w 1", Samples = { S(30, 60), S(40, 80), S(50, 100) } };
        var (ratio, low, high) = pair.Ratio();
        Assert.Equal(0.5, ratio, 9);
        Assert.InRange(low, 0.3, 0.5);
        Assert.InRange(high, 0.5, 0.84);
        Assert.Equal((80.0, 80.0), pair.CpuMedians());
        Assert.Equal((40.0, 40.0), pair.RssMedians());
        var unmeasured = new RustRowResult { Id = "barrier 1000 -w 1", RustConfiguration = "-w 1", Samples = { S(30, 60), new() { OursMs = 140, OursTrivialMs = 100, RustMs = 130, RustTrivialMs = 50 } } };
        Assert.True(double.IsNaN(unmeasured.RssMedians().Ours) && double.IsNaN(unmeasured.RssMedians().Rust));

        var tiny = new RustRowResult { Id = "barrier 1 -w 1", RustConfiguration = "-w 1", Samples = { S(-1, 5), S(-2, 5), S(3, 5) } };
        Assert.True(double.IsNaN(tiny.Ratio().Ratio));

        // Positive medians, but one repeat where Rust's work did not rise above its start-up.
        var noisy = new RustRowResult { Id = "barrier 10 -w 1", RustConfiguration = "-w 1", Samples = { S(30, 60), S(40, -1), S(50, 100) } };
        Assert.True(noisy.RustNetMedian > 0);
        Assert.True(double.IsNaN(noisy.Ratio().Ratio));
    }
}
