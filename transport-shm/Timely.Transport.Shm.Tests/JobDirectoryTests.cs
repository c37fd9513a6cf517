using System.Diagnostics;
using Timely.Transport.Shm.Layout;
using Timely.Transport.Shm.Memory;
using Timely.Transport.Shm.Rendezvous;
using Timely.Transport.Shm.Ring;

namespace Timely.Transport.Shm.Tests;

/// <summary>
/// The rendezvous: two processes of a job meet (here two threads of this process, each
/// joining as one process index), files are 0600 and gone after; a dead job's files are
/// replaced; a live job's name is refused; a missing peer is named on timeout.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class JobDirectoryTests : IDisposable
{
    private const UnixFileMode Mode0600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly string _root = Directory.CreateTempSubdirectory("timely-jobdir-").FullName;

    [Fact]
    public void Two_processes_meet_with_0600_files_whose_names_are_gone_once_both_mapped_them()
    {
        string directory = JobDirectory.PathFor(_root, "meet");
        string[]? named = null;
        UnixFileMode[]? modes = null;
        JobDirectory.AfterPublishingRunning = joined =>
        {
            if (joined.Job == "meet" && joined.ProcessIndex == 0)
            {
                // Process 0's own files keep their names until its seal, which comes after this.
                var own = new[] { "proc-0", "ring-2-to-0", "ring-2-to-1", "ring-3-to-0", "ring-3-to-1" };
                named = own.Where(f => File.Exists(Path.Combine(directory, f))).ToArray();
                modes = own.Select(f => File.GetUnixFileMode(Path.Combine(directory, f))).ToArray();
            }
        };
        JobDirectory meetFirst, meetSecond;
        try
        {
            (meetFirst, meetSecond) = TestJobs.MeetTwo(_root, "meet", 2);
        }
        finally
        {
            JobDirectory.AfterPublishingRunning = null;
        }

        using var first = meetFirst;
        using var second = meetSecond;

        // Process 0 is the receiver of a ring per ordered pair of workers (2 * 2 into its own),
        // and has its control file; all 0600 in a 0700 directory.
        Assert.Equal(5, named!.Length);
        Assert.All(modes!, m => Assert.Equal(Mode0600, m));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(directory));

        // Set up: every process mapped every file it needs, and no file has a name any more, so
        // nothing can shrink one under the job through the directory.
        Assert.Empty(Directory.GetFileSystemEntries(directory));
        Assert.True(first.Own.Sealed && second.Own.Sealed);
        Assert.Equal(ProcessState.Running, first.Control(1).State);
        Assert.Equal(Environment.ProcessId, RingDescriptor.CreatorPid(first.Ring(2, 0)));

        // The sender's mapping and the receiver's are one ring: a write through one is read through the other.
        using (var sender = new SpscByteRing(second.Ring(2, 0)))
        using (var receiver = new SpscByteRing(first.Ring(2, 0)))
        {
            Assert.True(sender.TryWrite(7, "across"u8));
            Assert.True(receiver.TryRead(out int type, out var payload));
            Assert.Equal(7, type);
            Assert.Equal("across"u8.ToArray(), payload.ToArray());
        }

        first.Dispose();
        Assert.Equal(ProcessState.Finished, second.Control(0).State);
        second.Dispose();
        Assert.False(Directory.Exists(directory), "the last process out removes the directory");
    }

    /// <summary>
    /// Each process rings each peer's rendezvous word when it first maps the peer's control file
    /// (its own files are all named by then), when it publishes Running and when it seals: the
    /// moves a waiting peer looks for, which end the peer's futex wait at once instead of at its
    /// sleep's end. In a job of two, each word counts the other's three rings.
    /// </summary>
    [Fact]
    public void A_process_rings_each_peers_rendezvous_word_at_each_move()
    {
        var (meetFirst, meetSecond) = TestJobs.MeetTwo(_root, "rings", 1);
        using var first = meetFirst;
        using var second = meetSecond;
        Assert.Equal(3, first.Own.RendezvousRings);
        Assert.Equal(3, second.Own.RendezvousRings);
        Assert.Equal(3, first.Control(1).RendezvousRings);
    }

    [Fact]
    public void A_directory_left_by_a_dead_job_is_replaced()
    {
        int deadPid = TestJobs.DeadPid();
        string directory = JobDirectory.PathFor(_root, "stale");
        Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        ControlBlock.Create(Path.Combine(directory, "proc-0"), 0, 1, deadPid).Dispose();
        string staleRing = Path.Combine(directory, "ring-1-to-0");
        using (var ring = MappedFile.Create(staleRing, RingDescriptor.RequiredRegionBytes(4096)))
        {
            RingDescriptor.Initialize(ring.Region, 4096, deadPid);
        }

        using var job = JobDirectory.Join(_root, "stale", 0, 1, 1, 4096, TimeSpan.FromSeconds(5));
        Assert.Equal(Environment.ProcessId, job.Own.Pid);
        Assert.False(File.Exists(Path.Combine(directory, "proc-0")), "the stale control file is replaced, and ours has no name once set up");
        Assert.False(File.Exists(staleRing), "a ring created by a dead pid must not be reused");
    }

    [Fact]
    public void A_live_job_with_the_same_name_is_refused()
    {
        string directory = JobDirectory.PathFor(_root, "live");
        Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        using var other = Process.Start(new ProcessStartInfo("sleep", "30") { UseShellExecute = false })!;
        try
        {
            ControlBlock.Create(Path.Combine(directory, "proc-0"), 0, 1, other.Id).Dispose();
            var error = Assert.Throws<IOException>(() => JobDirectory.Join(_root, "live", 0, 1, 1, 4096, TimeSpan.FromSeconds(5)));
            Assert.Contains("'live' is in use", error.Message, StringComparison.Ordinal);
            Assert.Contains($"pid {other.Id}", error.Message, StringComparison.Ordinal);
            Assert.Equal(other.Id, ControlBlock.TryReadPid(Path.Combine(directory, "proc-0")));   // left alone
        }
        finally
        {
            other.Kill();
            other.WaitForExit();
        }
    }

    [Fact]
    public void A_peer_that_never_appears_is_named_when_the_connect_timeout_passes()
    {
        var error = Assert.Throws<TimeoutException>(() => JobDirectory.Join(_root, "alone", 0, 2, 1, 4096, TimeSpan.FromMilliseconds(200)));
        Assert.Contains("process 1 never appeared", error.Message, StringComparison.Ordinal);
        Assert.Contains("nothing of process 1 was in", error.Message, StringComparison.Ordinal);
        Assert.Contains("it never reached the rendezvous", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(JobDirectory.PathFor(_root, "alone")), "a failed join removes its files");
    }

    [Fact]
    public void A_process_names_its_control_file_before_any_of_its_rings()
    {
        // A peer of another pid namespace cannot see our pid run: its sweep keeps our rings only
        // while our control file is there and its heartbeat moves. A ring named before the control
        // file was removed by such a sweep in that window, and the job never formed (seen once in
        // a full test run: both processes waited out the connect timeout for the lost ring).
        string directory = JobDirectory.PathFor(_root, "order");
        var published = new List<(string Name, bool ControlNamed)>();
        JobDirectory.AfterPublishingFile = (joined, name) =>
        {
            if (joined.Job == "order")
            {
                published.Add((name, File.Exists(Path.Combine(directory, "proc-0"))));
            }
        };
        try
        {
            Assert.Throws<TimeoutException>(() => JobDirectory.Join(_root, "order", 0, 2, 2, 4096, TimeSpan.FromMilliseconds(100)));
        }
        finally
        {
            JobDirectory.AfterPublishingFile = null;
        }

        Assert.Equal(["proc-0", "ring-2-to-0", "ring-3-to-0", "ring-2-to-1", "ring-3-to-1"], published.Select(p => p.Name));
        Assert.All(published, p => Assert.True(p.ControlNamed, $"'{p.Name}' was named while the control file had no name"));
    }

    [Fact]
    public void A_peer_that_runs_but_never_publishes_its_control_file_is_said_to_be_running_when_the_timeout_passes()
    {
        // Process 1 is alive (pid 1 runs in every pid namespace) and was making its ring into
        // its worker, but its control file never came: the timeout says it runs and where it
        // stopped, not only that it "never appeared".
        string directory = JobDirectory.PathFor(_root, "stuck");
        Directory.CreateDirectory(directory, (UnixFileMode)0x1C0);
        string making = Path.Combine(directory, "ring-0-to-1.tmp.1");
        File.WriteAllBytes(making, []);
        File.SetUnixFileMode(making, Mode0600);

        var error = Assert.Throws<TimeoutException>(() => JobDirectory.Join(_root, "stuck", 0, 2, 1, 4096, TimeSpan.FromMilliseconds(200)));

        Assert.Contains("process 1 never appeared", error.Message, StringComparison.Ordinal);
        Assert.Contains("process 1 (pid 1, running) was making its files ('ring-0-to-1.tmp.1') but never published its control file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_peer_control_file_that_is_never_ready_is_described_when_the_timeout_passes()
    {
        // A control file at process 1's name whose owner runs but is Failed is not taken (its
        // owner is on its way out, a live one may follow); if none follows, the timeout names it.
        string directory = JobDirectory.PathFor(_root, "failed-peer");
        Directory.CreateDirectory(directory, (UnixFileMode)0x1C0);
        using (var failed = ControlBlock.Create(Path.Combine(directory, "proc-1"), 1, 1, 1, 2))
        {
            failed.State = ProcessState.Failed;
        }

        var error = Assert.Throws<TimeoutException>(() => JobDirectory.Join(_root, "failed-peer", 0, 2, 1, 4096, TimeSpan.FromMilliseconds(200)));

        Assert.Contains("process 1 never appeared", error.Message, StringComparison.Ordinal);
        Assert.Contains("its control file there was from pid 1 (running) in state Failed, not Starting or Running", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_peer_that_dies_while_connecting_is_named_at_once_not_after_the_connect_timeout()
    {
        // Process 1 wrote its control file after process 0 joined and was SIGKILLed before
        // process 0 looked at it (it had no chance to remove it): a Starting file whose pid is
        // gone. Process 0 used to take it for an earlier run's leftover and wait out the whole
        // connect timeout, then say "process 1 never appeared".
        string directory = JobDirectory.PathFor(_root, "died");
        var joining = Task.Run(() => JobDirectory.Join(_root, "died", 0, 2, 1, 4096, TimeSpan.FromSeconds(60)));
        Assert.True(
            SpinWait.SpinUntil(() => File.Exists(Path.Combine(directory, "proc-0")) || joining.IsCompleted, TimeSpan.FromSeconds(30)) && !joining.IsCompleted,
            "process 0 never published its control file");

        int deadPid = TestJobs.DeadPid();
        ControlBlock.Create(Path.Combine(directory, "proc-1"), 1, 1, deadPid).Dispose();

        // Within the 60 s connect timeout, or Wait throws instead of returning false.
        var error = Assert.Throws<AggregateException>(() => joining.Wait(TimeSpan.FromSeconds(60))).InnerException;
        var died = Assert.IsType<IOException>(error);
        Assert.Contains($"process 1 (pid {deadPid}) died while connecting", died.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(directory), "the failed join left files: " + string.Join(", ", Directory.Exists(directory) ? Directory.GetFileSystemEntries(directory) : []));
    }

    [Fact]
    public void A_dead_peer_file_from_an_earlier_run_is_cleared_at_join_and_not_taken_for_a_peer_that_died()
    {
        // The premise of the rule above: a control file whose owner was already dead when we
        // joined is removed by the clear at join, so a dead owner seen later joined after us.
        string directory = JobDirectory.PathFor(_root, "leftover");
        Directory.CreateDirectory(directory, (UnixFileMode)0x1C0);
        ControlBlock.Create(Path.Combine(directory, "proc-1"), 1, 1, TestJobs.DeadPid()).Dispose();

        var error = Assert.Throws<TimeoutException>(() => JobDirectory.Join(_root, "leftover", 0, 2, 1, 4096, TimeSpan.FromMilliseconds(300)));

        Assert.Contains("process 1 never appeared", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(directory), "the leftover was not removed");
    }

    [Fact]
    public void A_peer_that_fails_right_after_its_own_set_up_does_not_fail_the_set_up_of_the_others()
    {
        // Process 1 seals (its set-up is done, its workers may run), then fails (a worker threw)
        // before process 0 looked: process 0 must finish its set-up and leave the failure to the
        // fabric's liveness, which names the peer and its reason, instead of calling it a
        // failed connection.
        const string job = "late-fail";
        JobDirectory.AfterPublishingRunning = directory =>
        {
            if (directory.Job != job || directory.ProcessIndex != 0)
            {
                return;
            }

            var deadline = Stopwatch.StartNew();
            while (!directory.Control(1).Sealed)
            {
                Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(10), "process 1 never sealed");
                Thread.Yield();
            }

            directory.Control(1).State = ProcessState.Failed;
        };
        try
        {
            var (first, second) = TestJobs.MeetTwo(_root, job, 1);
            using (first)
            using (second)
            {
                Assert.Equal(ProcessState.Failed, first.Control(1).State);
            }
        }
        finally
        {
            JobDirectory.AfterPublishingRunning = null;
        }
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
