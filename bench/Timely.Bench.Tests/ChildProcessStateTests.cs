using System.Diagnostics;
using Timely.Bench.Launch;

namespace Timely.Bench.Tests;

/// <summary>
/// What the launcher reports of a process it started when process 0's set-up fails
/// (<see cref="ChildProcessState"/>), each state with a stand-in child: one that exited with a
/// code, one killed by a signal, one running (asleep), one stopped, one blocked on a full pipe.
/// </summary>
public sealed class ChildProcessStateTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public void A_child_that_exited_is_reported_with_its_code()
    {
        using var child = Start("/bin/sh", "-c", "exit 3");
        Assert.True(child.WaitForExit(Deadline));

        var state = ChildProcessState.Capture(1, child, child.StartInfo.ArgumentList, outputLines: 2, detail: true);
        Assert.Equal(3, state.ExitCode);
        Assert.Equal($"process 1 (pid {child.Id}) exited with code 3, 2 lines of output", state.ToString());
        Assert.Empty(state.ThreadDetail);
    }

    [Fact]
    public void A_child_killed_by_a_signal_is_reported_with_the_signal_by_name()
    {
        using var child = Start("/bin/sh", "-c", "kill -KILL $$");
        Assert.True(child.WaitForExit(Deadline));

        var state = ChildProcessState.Capture(1, child, child.StartInfo.ArgumentList, outputLines: 0, detail: false);
        Assert.Equal($"process 1 (pid {child.Id}) was killed by signal 9 (SIGKILL; exit code 137), 0 lines of output", state.ToString());
    }

    [Fact]
    public void A_running_child_is_reported_with_its_state_threads_and_where_it_waits()
    {
        using var child = Start("/bin/sleep", "600");
        WhileRunning(child, () =>
        {
            // Process.Start returns once the child has exec'd; its first sleep follows at once.
            var state = WaitFor(child, s => s.State == 'S');
            Assert.Null(state.ExitCode);
            Assert.Equal(1, state.Threads);
            Assert.True(state.Execed);
            Assert.True(state.CpuSeconds >= 0);
            Assert.StartsWith($"process 1 (pid {child.Id}) is running: state S (sleeping)", state.ToString(), StringComparison.Ordinal);
            Assert.EndsWith(", 1 thread, 0.00 s of CPU, 0 lines of output", state.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain("exec'd", state.ToString(), StringComparison.Ordinal);
            if (KernelStackReadable(child.Id))
            {
                // sleep(1) waits in the kernel's nanosleep (hrtimer_nanosleep, do_nanosleep, ...).
                Assert.Contains("sleep", state.WaitsIn, StringComparison.Ordinal);
                Assert.Contains($" in {state.WaitsIn}, ", state.ToString(), StringComparison.Ordinal);
            }

            var detail = ChildProcessState.Capture(1, child, child.StartInfo.ArgumentList, 0, detail: true);
            string thread = Assert.Single(detail.ThreadDetail);
            Assert.StartsWith($"thread {child.Id} 'sleep' S: ", thread, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void A_stopped_child_is_reported_as_stopped()
    {
        using var child = Start("/bin/sleep", "600");
        WhileRunning(child, () =>
        {
            Assert.True(PosixKill.Send(child.Id, 19));   // SIGSTOP
            var state = WaitFor(child, s => s.State == 'T');
            Assert.StartsWith($"process 1 (pid {child.Id}) is running: state T (stopped by a signal)", state.ToString(), StringComparison.Ordinal);
        });
    }

    [Fact]
    public void A_child_blocked_on_a_full_pipe_is_reported_waiting_in_pipe_write()
    {
        // yes(1) writes its redirected stdout until the pipe, which nobody reads, is full.
        using var child = Start("/usr/bin/yes");
        WhileRunning(child, () =>
        {
            if (KernelStackReadable(child.Id))
            {
                // pipe_write; anon_pipe_write on kernels from 6.14.
                var state = WaitFor(child, s => s.WaitsIn?.EndsWith("pipe_write", StringComparison.Ordinal) == true);
                Assert.Matches(@"is running: state S \(sleeping\) in [a-z_]*pipe_write, 1 thread, ", state.ToString());
            }
            else
            {
                WaitFor(child, s => s.State == 'S');
            }
        });
    }

    [Fact]
    public void A_child_whose_command_line_is_not_its_own_yet_is_reported_as_not_exec_d()
    {
        using var child = Start("/bin/sleep", "600");
        WhileRunning(child, () =>
        {
            // Described against other arguments: as a child between its fork and its exec looks,
            // still carrying its launcher's command line.
            var state = WaitFor(child, s => s.State == 'S', ["601"]);
            Assert.False(state.Execed);
            Assert.Contains(", not yet exec'd (its command line is still its launcher's)", state.ToString(), StringComparison.Ordinal);
        });
    }

    [Theory]
    [InlineData("timely\0pingpong\0100\0-p\01\0", new[] { "pingpong", "100", "-p", "1" }, true)]
    [InlineData("dotnet\0timely.dll\0pingpong\0-p\01\0", new[] { "pingpong", "-p", "1" }, true)]
    [InlineData("timely\0pingpong\0100\0", new[] { "pingpong", "100", "-p", "1" }, false)]
    [InlineData("timely\0pingpong\0100\0-p\00\0", new[] { "pingpong", "100", "-p", "1" }, false)]
    [InlineData("timely\0", new string[0], true)]
    [InlineData("", new[] { "x" }, false)]
    public void The_command_line_is_the_child_s_own_when_it_ends_with_its_arguments(string cmdline, string[] arguments, bool expected) =>
        Assert.Equal(expected, ChildProcessState.HasArguments(cmdline, arguments));

    [Theory]
    [InlineData("42 (timely) S 1 42 42 0 -1 4194560 100 0 0 0 150 25 0 0 20 0 17 0 6016576 2990080 409 0", 'S', 17, 175)]
    [InlineData("42 (a) b) c) R 1 42 42 0 -1 4194560 100 0 0 0 0 1 0 0 20 0 1 0 6016576 2990080 409 0", 'R', 1, 1)]
    public void A_stat_line_gives_its_state_threads_and_cpu_counted_from_the_last_parenthesis(string stat, char state, int threads, long ticks)
    {
        Assert.True(ChildProcessState.TryParseStat(stat, out char s, out int t, out long cpu));
        Assert.Equal((state, threads, ticks), (s, t, cpu));
    }

    [Theory]
    [InlineData("")]
    [InlineData("42 (timely")]
    [InlineData("42 (timely) S 1 42")]
    [InlineData("42 (timely) SS 1 42 42 0 -1 4194560 100 0 0 0 150 25 0 0 20 0 17 0")]
    public void A_stat_line_cut_short_or_malformed_gives_nothing(string stat) =>
        Assert.False(ChildProcessState.TryParseStat(stat, out _, out _, out _));

    private static Process Start(string program, params string[] arguments)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        return Process.Start(info) ?? throw new InvalidOperationException($"could not start {program}");
    }

    /// <summary>The child's state once <paramref name="done"/> holds (the test fails past <see cref="Deadline"/>: a deadline, not a timing assertion).</summary>
    private static ChildProcessState WaitFor(Process child, Func<ChildProcessState, bool> done, IReadOnlyList<string>? arguments = null)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var state = ChildProcessState.Capture(1, child, arguments ?? child.StartInfo.ArgumentList, 0, detail: false);
            if (done(state))
            {
                return state;
            }

            Assert.True(clock.Elapsed < Deadline, $"the child never reached the state awaited; last seen: {state}");
            Thread.Sleep(5);
        }
    }

    /// <summary>Runs <paramref name="body"/> on a running stand-in, which is killed after it whatever happens.</summary>
    private static void WhileRunning(Process child, Action body)
    {
        try
        {
            body();
        }
        finally
        {
            child.Kill();
        }
    }

    private static bool KernelStackReadable(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/stack").Length > 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
