using System.Diagnostics;
using Timely.Transport.Shm.Layout;
using Timely.Transport.Shm.Memory;
using Timely.Transport.Shm.Rendezvous;

namespace Timely.Transport.Shm.Tests;

/// <summary>
/// The files' life: a stale file is removed only if it is still the file that was checked
/// (a peer's fresh file put at its name meanwhile survives); a directory removed under a
/// live job is not an error at teardown and is said once; a foreign file is left alone
/// with one warning; a truncated file is found before anything touches it.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class JobDirectoryLifecycleTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("timely-lifecycle-").FullName;
    private readonly List<string> _warnings = [];

    [Fact]
    public void A_stale_file_replaced_by_a_live_peer_between_the_check_and_the_removal_survives()
    {
        int deadPid = TestJobs.DeadPid();
        string directory = JobDirectory.PathFor(_root, "race");
        Directory.CreateDirectory(directory, (UnixFileMode)0x1C0);
        string ring = Path.Combine(directory, "ring-1-to-0");
        CreateRing(ring, deadPid);
        using var peer = Process.Start(new ProcessStartInfo("sleep", "30") { UseShellExecute = false })!;
        int replaced = 0;
        JobFiles.BeforeRemove = path =>
        {
            // The peer (process 0, restarted) publishes its fresh ring over the stale one just
            // after process 1 judged the stale one dead, as in a restart after SIGKILL.
            if (path == ring && Interlocked.Exchange(ref replaced, 1) == 0)
            {
                CreateRing(ring + ".tmp.new", peer.Id);
                File.Move(ring + ".tmp.new", ring, overwrite: true);
            }
        };
        try
        {
            Assert.Throws<TimeoutException>(() => JobDirectory.Join(_root, "race", 1, 2, 1, 4096, TimeSpan.FromMilliseconds(300), _warnings.Add));
            Assert.Equal(1, replaced);
            Assert.True(File.Exists(ring), "the live peer's ring was removed in place of the stale one");
            using var file = MappedFile.Open(ring);
            Assert.Equal(peer.Id, RingDescriptor.CreatorPid(file.Region));
        }
        finally
        {
            JobFiles.BeforeRemove = null;
            peer.Kill();
            peer.WaitForExit();
        }
    }

    [Fact]
    public void Files_left_by_a_dead_incarnation_that_had_our_pid_are_replaced()
    {
        // A restarted process can get the pid its SIGKILLed predecessor had (pid namespaces
        // start small): the predecessor's ring and temporary file are stale, not ours.
        string directory = JobDirectory.PathFor(_root, "reused");
        Directory.CreateDirectory(directory, (UnixFileMode)0x1C0);
        string ring = Path.Combine(directory, "ring-1-to-0");
        string temporary = Path.Combine(directory, "proc-0.tmp." + Environment.ProcessId);
        CreateRing(ring, Environment.ProcessId);
        File.WriteAllBytes(temporary, new byte[64]);
        File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var error = Assert.Throws<TimeoutException>(() => JobDirectory.Join(_root, "reused", 0, 2, 1, 4096, TimeSpan.FromMilliseconds(300), _warnings.Add));

        Assert.Contains("process 1 never appeared", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(directory), "the stale files were left: " + string.Join(", ", Directory.Exists(directory) ? Directory.GetFileSystemEntries(directory) : []));
    }

    [Fact]
    public void A_job_directory_removed_under_a_live_job_is_not_an_error()
    {
        var job = JobDirectory.Join(_root, "gone", 0, 1, 2, 4096, TimeSpan.FromSeconds(5), _warnings.Add);
        Directory.Delete(job.Path, recursive: true);

        job.Dispose();

        // The job's files had no names left to lose (sealed at set-up): nothing to say.
        Assert.Empty(_warnings);
        Assert.False(Directory.Exists(job.Path));
    }

    [Fact]
    public void A_foreign_file_in_the_job_directory_is_left_alone_and_named_once()
    {
        var job = JobDirectory.Join(_root, "foreign", 0, 1, 1, 4096, TimeSpan.FromSeconds(5), _warnings.Add);
        string notes = Path.Combine(job.Path, "notes.txt");
        File.WriteAllText(notes, "mine");

        job.Dispose();

        Assert.Equal("mine", File.ReadAllText(notes));
        Assert.Equal(["notes.txt"], Directory.GetFileSystemEntries(job.Path).Select(f => Path.GetFileName(f)).ToArray());
        var warning = Assert.Single(_warnings);
        Assert.Contains($"'{notes}' is not a file of this job; left alone", warning, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ring-1-to-0")]
    [InlineData("proc-1")]
    public void A_file_truncated_during_set_up_is_named_by_the_set_up(string name)
    {
        // Process 0 has published Running; the file (process 1's control file, or a ring process
        // 0 made) still has its name: cut it there, as an operator's mistake would. Process 1
        // waits at the same point until the cut is made: once it sees process 0 running it may
        // seal, which takes its files' names away, and a cut that finds no file tests nothing.
        using var cutMade = new ManualResetEventSlim();
        JobDirectory.AfterPublishingRunning = joined =>
        {
            if (joined.Job != "cut-early")
            {
                return;
            }

            if (joined.ProcessIndex == 1)
            {
                cutMade.Wait(TimeSpan.FromSeconds(20));
                return;
            }

            try
            {
                using var cut = new FileStream(Path.Combine(joined.Path, name), FileMode.Open, FileAccess.Write);
                cut.SetLength(0);
            }
            finally
            {
                cutMade.Set();
            }
        };
        try
        {
            var errors = new Exception?[2];
            var threads = Enumerable.Range(0, 2).Select(p => new Thread(() =>
            {
                try
                {
                    JobDirectory.Join(_root, "cut-early", p, 2, 1, 4096, TimeSpan.FromSeconds(10), _warnings.Add).Dispose();
                }
                catch (IOException e)
                {
                    errors[p] = e;
                }
            })).ToArray();
            Array.ForEach(threads, t => t.Start());
            Assert.All(threads, t => Assert.True(t.Join(TimeSpan.FromSeconds(20)), "a join hung"));

            // Both processes fail naming the file (a peer that saw the other fail first says so).
            Assert.Contains(errors, e => e is not null && e.Message.Contains($"{name}' was truncated under the job", StringComparison.Ordinal));
            Assert.All(errors, Assert.NotNull);
            Assert.False(Directory.Exists(JobDirectory.PathFor(_root, "cut-early")), "a failed set-up leaves no file");
        }
        finally
        {
            JobDirectory.AfterPublishingRunning = null;
        }
    }

    [Fact]
    public void After_set_up_a_file_has_no_name_and_a_cut_through_the_process_is_still_found_before_it_is_touched()
    {
        var (cutFirst, cutSecond) = TestJobs.MeetTwo(_root, "cut", 1, _warnings.Add);
        using var first = cutFirst;
        using var second = cutSecond;
        Assert.Null(first.FindTruncatedFile());
        string ring = Path.Combine(first.Path, "ring-1-to-0");
        Assert.False(File.Exists(ring), "a set-up job's ring still has a name");

        // What is left: a process with this user's rights reaching the file through
        // /proc/<pid>/fd of a process that holds it open.
        string descriptor = Directory.GetFiles("/proc/self/fd").First(fd => new FileInfo(fd).LinkTarget is { } target && target.StartsWith(ring, StringComparison.Ordinal));
        using (var cut = new FileStream(descriptor, FileMode.Open, FileAccess.Write))
        {
            cut.SetLength(0);
        }

        Assert.Equal(ring, first.FindTruncatedFile());
        Assert.Equal(ring, second.FindTruncatedFile());
    }

    [Fact]
    public void A_directory_the_last_peer_out_removed_lists_as_gone_without_an_exception()
    {
        string directory = JobDirectory.PathFor(_root, "gone");
        using var files = JobFiles.OpenDirectory(directory, "gone", 1, _warnings.Add);
        Assert.Equal(0, files.ListNames()?.Length);
        Directory.Delete(directory);   // the other process, last out, removed it

        // Each process but the last leaves after its directory is gone: the look must not go
        // through a thrown exception (about 66,000 instructions of a native exit each).
        var thrown = new List<Exception>();
        int self = Environment.CurrentManagedThreadId;
        EventHandler<System.Runtime.ExceptionServices.FirstChanceExceptionEventArgs> seen = (_, e) =>
        {
            if (Environment.CurrentManagedThreadId == self)
            {
                lock (thrown)
                {
                    thrown.Add(e.Exception);
                }
            }
        };
        AppDomain.CurrentDomain.FirstChanceException += seen;
        try
        {
            Assert.Null(files.ListNames());
            files.TryRemoveEmptyDirectory();
            StaleFileSweeper.Sweep(files, refuseLive: false);
        }
        finally
        {
            AppDomain.CurrentDomain.FirstChanceException -= seen;
        }

        Assert.Empty(thrown);
        Assert.Empty(_warnings);
        Assert.False(Directory.Exists(directory));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static void CreateRing(string path, int creatorPid)
    {
        using var ring = MappedFile.Create(path, RingDescriptor.RequiredRegionBytes(4096));
        RingDescriptor.Initialize(ring.Region, 4096, creatorPid);
    }
}
