using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Timely.Bytes;
using Timely.Testing;
using Timely.Transport.Shm.Memory;
using Timely.Transport.Shm.Rendezvous;

namespace Timely.Communication.Tests;

/// <summary>
/// The allocator contract, plus cross-process properties, for a shared-memory cluster of
/// real processes. The test process is process 0; <see cref="MakeConfig"/> starts processes
/// 1..N-1 as children (Timely.Testing.Host) that run the same test method with
/// the environment naming their index, job and directory; each process asserts on its own
/// workers, and <see cref="Dispose"/> requires every child to exit 0 within a deadline and
/// the job directory to be gone. Subclasses may run the cluster over <c>--transport auto</c>
/// instead (real loopback ports, host identities per process).
/// </summary>
/// <remarks>
/// One file on purpose (over 500 lines): each test here is also the body a child process runs, so
/// the cluster's set-up (<see cref="MakeConfig"/>), its failure cases and the checks
/// <see cref="Dispose"/> makes must be read together; the child processes themselves are
/// <see cref="ClusterChildren"/>.
/// </remarks>
[Collection(ShmCollection.Name)]
public abstract class ShmClusterContract : MultiWorkerAllocatorContract, IDisposable
{
    private const string ProcessVariable = "TIMELY_SHM_TEST_PROCESS";
    private const string JobVariable = "TIMELY_SHM_TEST_JOB";
    private const string RootVariable = "TIMELY_SHM_TEST_ROOT";
    private const string AddressesVariable = "TIMELY_SHM_TEST_ADDRESSES";
    private static readonly TimeSpan ChildDeadline = TimeSpan.FromSeconds(40);

    private readonly int? _childIndex = int.TryParse(Environment.GetEnvironmentVariable(ProcessVariable), NumberStyles.None, CultureInfo.InvariantCulture, out int p) ? p : null;
    private readonly ClusterChildren _children = new();
    private string? _job;
    private Config? _config;
    private string? _root;
    private string[]? _addresses;

    /// <summary>Processes in the cluster.</summary>
    protected abstract int ProcessCount { get; }

    /// <summary>Workers per process.</summary>
    protected abstract int ThreadsPerProcess { get; }

    /// <summary>Workers in the cluster (a sealed subclass declares the same number as its static <c>WorkerCounts</c>).</summary>
    protected int ClusterWorkers => ProcessCount * ThreadsPerProcess;

    /// <summary>Byte-ring capacity: small, so messages wrap, fragment and spill.</summary>
    protected int RingBytes { get; set; } = 8192;

    /// <summary>Spin budget for the next <see cref="MakeConfig"/> (0: park at once).</summary>
    protected int Spin { get; set; } = Config.DefaultSpinIterations;

    /// <summary>
    /// Peer timeout for the next <see cref="MakeConfig"/>: long where a test does not time a
    /// peer out, so a healthy process starved of CPU on a loaded machine is not declared stopped.
    /// </summary>
    protected TimeSpan PeerTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The cluster's transport: shared memory here; <c>auto</c> mixes it with TCP.</summary>
    protected virtual TransportKind Transport => TransportKind.Shm;

    /// <summary>The host identity process <paramref name="process"/> claims (<c>--host-id</c>); null: the machine's.</summary>
    protected virtual string? HostIdentityOf(int process) => null;

    /// <summary>The process the SIGKILL test kills.</summary>
    protected virtual int KilledPeer => ProcessCount - 1;

    /// <summary>The process the heartbeat test stops with SIGSTOP.</summary>
    protected virtual int StoppedPeer => ProcessCount - 1;

    /// <summary>The per-test directory holding the shared-memory job directories.</summary>
    protected string ShmRoot => _root ?? throw new InvalidOperationException("MakeConfig first");

    protected bool IsParent => _childIndex is null;

    protected int ThisProcess => _childIndex ?? 0;

    protected override IEnumerable<int> LocalIndices(int workers) =>
        Enumerable.Range(ThisProcess * ThreadsPerProcess, ThreadsPerProcess);

    protected override Config MakeConfig(int workers)
    {
        Assert.Equal(ProcessCount * ThreadsPerProcess, workers);
        if (_config is not null)
        {
            return _config;   // one cluster per test; a second call (a failure message) describes it
        }

        if (IsParent)
        {
            _job = "test-" + Guid.NewGuid().ToString("N")[..12];
            _root = Path.Combine(JobDirectory.DefaultRoot, "timely-tests-" + _job);
            Directory.CreateDirectory(_root);
            _addresses = Transport == TransportKind.Shm
                ? Enumerable.Range(0, ProcessCount).Select(i => $"127.0.0.1:{2101 + i}").ToArray()   // named, never bound
                : FreePorts.Loopback(ProcessCount);
            var method = CallingTestMethod();
            for (int process = 1; process < ProcessCount; process++)
            {
                StartChild(process, method.Name, method.GetParameters().Length == 1 ? [workers] : []);
            }
        }
        else
        {
            _job = Environment.GetEnvironmentVariable(JobVariable);
            _root = Environment.GetEnvironmentVariable(RootVariable);
            _addresses = Environment.GetEnvironmentVariable(AddressesVariable)!.Split(',');
        }

        return _config = Config.Cluster(ThreadsPerProcess, ThisProcess, _addresses, Transport) with
        {
            HostIdentity = HostIdentityOf(ThisProcess),
            JobName = _job,
            ShmDirectory = _root,
            RingBytes = RingBytes,
            SpinIterations = Spin,
            PeerTimeout = PeerTimeout,
            ConnectTimeout = TimeSpan.FromSeconds(20),
        };
    }

    [Fact]
    public void Random_sizes_wrap_fragment_and_spill_byte_exact_in_order()
    {
        // Sizes and bursts are a deterministic function of (seed, sender, sequence), so the
        // receiving process can recompute what each sender sent without sharing state.
        const int perPeer = 300;
        const int seed = 20261122;
        int n = ClusterWorkers;
        int max = RingBytes * 3;   // beyond MaxPayload (ring/2): fragmented records
        WorkerRun.RunOk(MakeConfig(n), allocator =>
        {
            var (senders, receiver) = allocator.Allocate<byte[]>(0);
            var burst = new Random(seed + allocator.Index);
            int untilRelease = burst.Next(1, 64);
            for (int seq = 0; seq < perPeer; seq++)
            {
                for (int t = 0; t < senders.Length; t++)
                {
                    byte[]? message = Payload(seed, allocator.Index, t, seq, max);
                    senders[t].Push(ref message);
                }

                if (--untilRelease == 0)
                {
                    allocator.Release();   // random bursts: some fill the ring and spill
                    untilRelease = burst.Next(1, 64);
                }
            }

            foreach (var s in senders)
            {
                s.Done();
            }

            var next = new int[allocator.Peers];
            int received = 0;
            var deadline = DateTime.UtcNow + WorkerRun.Deadline;
            while (received < perPeer * allocator.Peers)
            {
                allocator.Receive();
                while (true)
                {
                    ref byte[]? slot = ref receiver.Pull();
                    if (slot is not { } message)
                    {
                        break;
                    }

                    slot = null;
                    int from = message.Length >= 8 ? BitConverter.ToInt32(message, 0) : -1;
                    Assert.InRange(from, 0, allocator.Peers - 1);
                    Assert.Equal(Payload(seed, from, allocator.Index, next[from], max), message);   // FIFO, byte-exact
                    next[from]++;
                    received++;
                }

                Assert.True(DateTime.UtcNow < deadline, $"worker {allocator.Index}: {received} of {perPeer * allocator.Peers} messages before the deadline");
                allocator.AwaitEvents(TimeSpan.FromMilliseconds(50));
                allocator.Release();
            }

            Assert.All(next, c => Assert.Equal(perPeer, c));
            return received;
        });
    }

    [Fact]
    public void Many_sleep_wake_cycles_across_processes_lose_no_wake_up()
    {
        // A token passes around every worker; with no spinning each wait parks on the futex,
        // and with no timeout a lost wake-up would hang the ring (caught by the deadline).
        const int laps = 300;
        Spin = 0;
        int n = ClusterWorkers;
        var counts = WorkerRun.RunOk(MakeConfig(n), allocator =>
        {
            var (senders, receiver) = allocator.Allocate<long[]>(0);
            int next = (allocator.Index + 1) % allocator.Peers;
            int seen = 0;
            if (allocator.Index == 0)
            {
                long[]? token = [0];
                senders[next].Push(ref token);
                senders[next].Done();
                allocator.Release();
            }

            // Worker w gets the token for the k-th time carrying k * peers + (w - 1) mod peers.
            int offset = (allocator.Index - 1 + allocator.Peers) % allocator.Peers;
            while (seen < laps)
            {
                allocator.Receive();
                ref long[]? slot = ref receiver.Pull();
                if (slot is { } token)
                {
                    slot = null;
                    Assert.Equal(((long)seen * allocator.Peers) + offset, token[0]);
                    seen++;
                    if (!(allocator.Index == 0 && seen == laps))
                    {
                        long[]? forward = [token[0] + 1];
                        senders[next].Push(ref forward);
                        senders[next].Done();
                    }

                    allocator.Release();
                }
                else
                {
                    allocator.AwaitEvents(null);
                }
            }

            return seen;
        });
        Assert.All(counts, c => Assert.Equal(laps, c));
    }

    [Fact]
    public void A_peer_killed_with_SIGKILL_fails_the_survivors_naming_it() =>
        SurvivorsFailWhenThePeerStops(KillChild, KilledPeer, "died: its pid is gone");

    [Fact]
    public void A_peer_that_stops_its_heartbeat_fails_the_survivors_after_the_peer_timeout()
    {
        // SIGSTOP: the pid lives on, only the heartbeat tells. The default timeout: shorter
        // ones risk a survivor starved of CPU being declared stopped too, on a loaded machine.
        PeerTimeout = Config.DefaultPeerTimeout;
        SurvivorsFailWhenThePeerStops(StopChild, StoppedPeer, "stopped: no heartbeat for 2 s");
    }

    [Fact]
    public void A_peer_resumed_after_the_peer_timeout_learns_it_was_declared_failed_and_stops()
    {
        // SIGSTOP past the timeout, then SIGCONT once the survivors have gone: the resumed
        // process must stop with the survivors' reason instead of waiting for them forever.
        PeerTimeout = Config.DefaultPeerTimeout;
        SurvivorsFailWhenThePeerStops(StopChild, StoppedPeer, "stopped: no heartbeat for 2 s", resume: true);
    }

    [Fact]
    public void Garbage_in_a_parked_workers_doorbell_word_fails_every_process_naming_the_file() =>
        EveryProcessFailsWhenAControlFileIsCorrupted(mapping =>
        {
            // The word only, while its owner sleeps on it: no futex wake comes with the write.
            using var file = MappedFile.Open(mapping);
            Volatile.Write(ref file.Region.Int32At(CacheLine.Size), 0x5A5A5A5A);
        });

    [Fact]
    public void Garbage_over_a_control_file_fails_every_process_naming_the_file() =>
        EveryProcessFailsWhenAControlFileIsCorrupted(mapping =>
        {
            using var file = MappedFile.Open(mapping);
            new Random(20261202).NextBytes(file.Region.Slice(0, (int)file.Region.Length));
        });

    [Fact]
    public void A_control_file_truncated_to_its_header_fails_every_process_naming_the_file() =>
        EveryProcessFailsWhenAControlFileIsCorrupted(mapping =>
        {
            // Everything beyond the first line is gone: touching it through a mapping raises SIGBUS.
            using var stream = new FileStream(mapping, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
            stream.SetLength(CacheLine.Size);
        });

    /// <summary>
    /// What a survivor's worker must say when <paramref name="victim"/> was stopped for
    /// <paramref name="reason"/>: its shared-memory liveness (or a survivor's failure record
    /// relaying it) names the process, its pid and the reason.
    /// </summary>
    protected virtual void AssertNamesTheStoppedPeer(PeerFailedException error, int victim, string reason)
    {
        Assert.Contains($"process {victim} (pid ", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.Equal(victim * ThreadsPerProcess, error.FailedWorker);
    }

    /// <summary>
    /// What the resumed <paramref name="victim"/>'s worker must say: a survivor (named with
    /// its pid) declared this process failed, for <paramref name="reason"/>.
    /// </summary>
    protected virtual void AssertDeclaredFailed(PeerFailedException error, int victim, string reason)
    {
        Assert.Matches($"^process [0-9]+ \\(pid [0-9]+, workers [0-9]+\\.\\.[0-9]+\\) declared this process failed: ", error.Message);
        Assert.DoesNotMatch($"^process {victim} ", error.Message);
        Assert.Contains($"process {victim} (pid ", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    /// <summary>The control file of process <paramref name="process"/> (in its shared-memory job).</summary>
    protected virtual string ControlFileOf(int process) =>
        Path.Combine(JobDirectory.PathFor(ShmRoot, _config!.EffectiveJobName), "proc-" + process.ToString(CultureInfo.InvariantCulture));

    /// <summary>What process <paramref name="process"/>'s worker must say after the control file <paramref name="path"/> was corrupted: it names the file.</summary>
    protected virtual void AssertNamesTheCorruptFile(int process, Exception error, string path)
    {
        Assert.True(error is PeerFailedException or InvalidDataException, $"{error.GetType().Name}: {error.Message}");
        Assert.Contains($"'{path}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_ring_file_truncated_under_a_parked_job_fails_every_process_naming_the_file() =>
        EveryProcessFailsWhenAControlFileIsCorrupted(
            mapping =>
            {
                // The lost pages would raise SIGBUS at the next access; the liveness check's fstat finds it first.
                using var stream = new FileStream(mapping, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
                stream.SetLength(CacheLine.Size);
            },
            victimFile: RingFileInto);

    /// <summary>The ring file from process <paramref name="process"/>'s first worker into the first worker of process 0 (1 for process 0), which shares its shared-memory job.</summary>
    protected string RingFileInto(int process)
    {
        int receiver = (process == 0 ? 1 : 0) * ThreadsPerProcess;
        string name = FormattableString.Invariant($"ring-{process * ThreadsPerProcess}-to-{receiver}");
        return Path.Combine(Path.GetDirectoryName(ControlFileOf(process))!, name);
    }

    /// <summary>
    /// Every worker parks waiting for a message that never comes; once the victim's first
    /// worker sleeps on its doorbell, the parent <paramref name="corrupt"/>s the victim's
    /// control file (or the file <paramref name="victimFile"/> names), and every worker of every process must fail naming that file (the
    /// children check theirs, and <see cref="Dispose"/> requires them to exit 0). Set up, the
    /// job's files have no names, so the parent reaches the file the one way left: through the
    /// victim's own mapping of it (<c>/proc/&lt;pid&gt;/map_files</c>), which also proves the name is gone.
    /// </summary>
    private void EveryProcessFailsWhenAControlFileIsCorrupted(Action<string> corrupt, Func<int, string>? victimFile = null)
    {
        int n = ClusterWorkers;
        int victim = StoppedPeer;
        var config = MakeConfig(n);
        string control = ControlFileOf(victim);
        string path = victimFile is null ? control : victimFile(victim);
        var results = WorkerRun.Run<int>(config, allocator =>
        {
            var (_, receiver) = allocator.Allocate<long[]>(0);
            if (IsParent && allocator.Index == 0)
            {
                int pid = _children.PidOf(victim);
                string controlMapping = UnnamedMappings.WaitFor(pid, control, JobFileNames.TemporaryMarker, WorkerRun.Deadline);
                WaitUntilSleeping(controlMapping, control);
                corrupt(path == control ? controlMapping : UnnamedMappings.WaitFor(pid, path, JobFileNames.TemporaryMarker, WorkerRun.Deadline));
            }

            while (true)
            {
                allocator.Receive();
                Assert.Null(receiver.Pull());   // nobody sends
                allocator.AwaitEvents(null);
            }
        });

        Assert.Equal(LocalIndices(n), results.Select(r => r.Worker));
        foreach (var result in results)
        {
            AssertNamesTheCorruptFile(ThisProcess, result.Error!, path);
        }
    }

    /// <summary>Waits (bounded) until the first worker of the control file <paramref name="path"/>, opened through <paramref name="mapping"/>, sleeps on its doorbell.</summary>
    private static void WaitUntilSleeping(string mapping, string path)
    {
        var deadline = Stopwatch.StartNew();
        using var file = MappedFile.Open(mapping);
        while (Volatile.Read(ref file.Region.Int32At(CacheLine.Size)) != 1)
        {
            Assert.True(deadline.Elapsed < WorkerRun.Deadline, $"the first worker of '{path}' never parked");
            Thread.Yield();
        }
    }

    /// <summary>
    /// A token circulates through every worker; mid-run the parent <paramref name="stop"/>s
    /// process <paramref name="victim"/>, and every survivor's worker must fail naming it.
    /// </summary>
    protected void SurvivorsFailWhenThePeerStops(Action<int> stop, int victim, string reason, bool resume = false)
    {
        int n = ClusterWorkers;
        var results = WorkerRun.Run<int>(MakeConfig(n), allocator =>
        {
            var (senders, receiver) = allocator.Allocate<long[]>(0);
            int next = (allocator.Index + 1) % allocator.Peers;
            if (allocator.Index == 0)
            {
                long[]? token = [0];
                senders[next].Push(ref token);
                senders[next].Done();
                allocator.Release();
            }

            while (true)
            {
                allocator.Receive();
                ref long[]? slot = ref receiver.Pull();
                if (slot is { } token)
                {
                    slot = null;
                    if (IsParent && allocator.Index == 0 && token[0] >= 50L * allocator.Peers && _children.Stopped.Count == 0)
                    {
                        stop(victim);   // mid-run, while the token circulates
                    }

                    long[]? forward = [token[0] + 1];
                    senders[next].Push(ref forward);
                    senders[next].Done();
                    allocator.Release();
                }
                else
                {
                    allocator.AwaitEvents(null);
                }
            }
        });

        Assert.Equal(LocalIndices(n), results.Select(r => r.Worker));
        foreach (var result in results)
        {
            var error = Assert.IsType<PeerFailedException>(result.Error);
            if (ThisProcess == victim)
            {
                AssertDeclaredFailed(error, victim, reason);   // resumed (only then does it get here)
            }
            else
            {
                AssertNamesTheStoppedPeer(error, victim, reason);
            }
        }

        if (IsParent && _children.SigStopped.Count > 0)
        {
            // The other survivors must notice the silence themselves before the stopped child
            // is killed (after that they would see a dead pid instead); Dispose checks them.
            for (int process = 1; process < ProcessCount; process++)
            {
                if (!_children.SigStopped.Contains(process))
                {
                    Assert.True(_children.WaitForExit(process, ChildDeadline), $"process {process} did not stop");
                }
            }

            foreach (int process in _children.SigStopped)
            {
                if (resume)
                {
                    ResumeChild(process);   // it must stop on its own: Dispose requires exit 0
                }
                else
                {
                    KillChild(process);   // a stopped child is ended here
                }
            }
        }
    }

    public void Dispose()
    {
        if (!IsParent || _job is null)
        {
            GC.SuppressFinalize(this);
            return;
        }

        var failures = _children.JoinAll(ChildDeadline);

        // Every job directory (one per host group under auto) lives under the per-test root.
        string[] files = Directory.GetFileSystemEntries(_root!, "*", SearchOption.AllDirectories);
        bool leftBehind = files.Length > 0;
        Directory.Delete(_root!, recursive: true);
        GC.SuppressFinalize(this);
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        // Even after a SIGKILL: the survivors remove the dead process's files on their way out.
        // (A process stopped with SIGSTOP was still alive when they left: its files stay,
        // unless it was resumed and removed them itself.)
        if (_children.SigStopped.All(_children.Resumed.Contains))
        {
            Assert.False(leftBehind, $"left behind: {string.Join(", ", files.Select(f => Path.GetRelativePath(_root!, f)))}");
        }
    }

    private static byte[] Payload(int seed, int from, int to, int seq, int max)
    {
        ulong h = (ulong)seed * 0x9E3779B97F4A7C15UL ^ ((ulong)from << 40) ^ ((ulong)to << 20) ^ (ulong)seq;
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdUL;
        h ^= h >> 33;
        int bucket = (int)(h % 100);
        int size = bucket < 70 ? 8 + (int)((h >> 8) % 200) : bucket < 95 ? 8 + (int)((h >> 8) % (ulong)(max / 6)) : 8 + (int)((h >> 8) % (ulong)max);
        var bytes = new byte[size];
        BitConverter.TryWriteBytes(bytes, from);
        BitConverter.TryWriteBytes(bytes.AsSpan(4), seq);
        for (int i = 8; i < size; i++)
        {
            bytes[i] = (byte)((from * 31) + (seq * 7) + i);
        }

        return bytes;
    }

    /// <summary>The test method (a fact, or a theory whose one argument is the worker count) that called MakeConfig.</summary>
    private static MethodBase CallingTestMethod()
    {
        foreach (var frame in new StackTrace().GetFrames())
        {
            var method = frame.GetMethod();
            if (method is not null && method.IsDefined(typeof(FactAttribute), inherit: true))
            {
                return method;
            }
        }

        throw new InvalidOperationException("MakeConfig was not called from a test method.");
    }

    protected void KillChild(int process) => _children.Kill(process);

    private void StopChild(int process) => _children.Stop(process);

    private void ResumeChild(int process) => _children.Resume(process);

    private void StartChild(int process, string method, int[] arguments) =>
        _children.Start(process, GetType(), method, arguments, new Dictionary<string, string>
        {
            [ProcessVariable] = process.ToString(CultureInfo.InvariantCulture),
            [JobVariable] = _job!,
            [RootVariable] = _root!,
            [AddressesVariable] = string.Join(',', _addresses!),
        });
}
