using Timely.Communication.Fabrics;
using Timely.Testing;
using Timely.Transport.Shm.Rendezvous;
using Timely.Transport.Tcp;

namespace Timely.Communication.Tests;

/// <summary>
/// The contract over <c>--transport auto</c> with 3 real processes of 2 workers on 127.0.0.1:
/// processes 0 and 1 claim host A (shared memory between them), process 2 host B (TCP with
/// both), so every worker has local, shared-memory and TCP targets. The failure tests stop a
/// host-A process (the survivor on the other host learns of it through the failure notice) and
/// the host-B process.
/// </summary>
public sealed class AutoTwoHostsContractTests : ShmClusterContract
{
    private const string HostA = "host-a";
    private const string HostB = "host-b";

    public static int[] WorkerCounts => [6];

    protected override int ProcessCount => 3;

    protected override int ThreadsPerProcess => 2;

    protected override TransportKind Transport => TransportKind.Auto;

    // Process 1, not 2: a process with both a shared-memory and a TCP peer. A SIGSTOP of it is
    // seen by host A's shared-memory liveness and by host B's TCP heartbeat check, a kill by
    // the liveness, a TCP reset, or a failure notice relaying either: whichever comes first.
    protected override int KilledPeer => 1;

    protected override int StoppedPeer => 1;

    protected override string? HostIdentityOf(int process) => process < 2 ? HostA : HostB;

    [Fact]
    public void Processes_of_one_host_meet_in_shared_memory_and_the_other_host_over_tcp()
    {
        int n = ClusterWorkers;
        var config = MakeConfig(n);
        string hostA = JobDirectory.PathFor(ShmRoot, AutoFabric.HostJobName(config, TcpOptions.JobIdOf(HostA)));
        string hostB = JobDirectory.PathFor(ShmRoot, AutoFabric.HostJobName(config, TcpOptions.JobIdOf(HostB)));
        var seen = WorkerRun.RunOk(config, allocator =>
        {
            // Every worker hears from every worker, checks the files, and then waits until every
            // worker has checked (a second round): no process leaves, deleting its files, before.
            var from = Exchange(allocator, 0);
            Assert.Equal(Enumerable.Range(0, allocator.Peers), from.Order());
            Assert.False(Directory.Exists(JobDirectory.PathFor(ShmRoot, config.EffectiveJobName)), "a shared-memory job of every process exists");
            Assert.False(Directory.Exists(hostB), "host B (one process) met in shared memory");
            if (ThisProcess < 2)
            {
                // Host A's job: 2 processes of 2 workers, 8 rings between them, none for process 2.
                // Set up, the files have no names (the directory stays, empty, until the last
                // process leaves): this process reaches each of them only through its mappings.
                Assert.Empty(Directory.GetFileSystemEntries(hostA));
                var files = UnnamedMappings.In(Environment.ProcessId, hostA, JobFileNames.TemporaryMarker).Keys.Select(Path.GetFileName).ToHashSet();
                Assert.Contains("proc-0", files);
                Assert.Contains("proc-1", files);
                Assert.DoesNotContain("proc-2", files);
                for (int s = 0; s < 2; s++)
                {
                    for (int r = 2; r < 4; r++)
                    {
                        Assert.Contains($"ring-{s}-to-{r}", files);
                        Assert.Contains($"ring-{r}-to-{s}", files);
                    }
                }

                Assert.Equal(10, files.Count);
            }

            Assert.Equal(Enumerable.Range(0, allocator.Peers), Exchange(allocator, 1).Order());
            return from.Count;
        });
        Assert.All(seen, c => Assert.Equal(n, c));
    }

    /// <summary>Sends this worker's index to every worker on <paramref name="channel"/>; returns the indices received from all.</summary>
    private static List<int> Exchange(Allocator allocator, int channel)
    {
        var (senders, receiver) = allocator.Allocate<int[]>(channel);
        for (int t = 0; t < senders.Length; t++)
        {
            int[]? message = [allocator.Index];
            senders[t].Push(ref message);
            senders[t].Done();
        }

        var from = new List<int>();
        WorkerRun.ReceiveExactly(allocator, receiver, allocator.Peers, m => from.Add(m[0]));
        return from;
    }

    [Fact]
    public void The_other_host_killed_mid_run_fails_the_survivors_naming_it() =>
        SurvivorsFailWhenThePeerStops(KillChild, 2, "died");

    // A stop or a kill is seen first through whichever path reports it (host A's liveness,
    // host B's heartbeat check or a TCP reset, or a failure notice relaying one of them): each
    // names the process and blames its first worker; what it says of why depends on the path.
    protected override void AssertNamesTheStoppedPeer(PeerFailedException error, int victim, string reason)
    {
        Assert.Matches($"process {victim} (\\(pid |at 127\\.0\\.0\\.1:)", error.Message);
        Assert.Equal(victim * ThreadsPerProcess, error.FailedWorker);
        if (reason.StartsWith("stopped", StringComparison.Ordinal))
        {
            string tcp = $"nothing arrived for {PeerTimeout.TotalSeconds:0.###} s";
            Assert.True(error.Message.Contains(reason, StringComparison.Ordinal) || error.Message.Contains(tcp, StringComparison.Ordinal), error.Message);
        }
    }

    // Resumed, the victim may first hear from host B over TCP (its connection was reset, or a
    // failure notice waits in it) instead of reading host A's failure record: either names a
    // survivor. And process 0's record gives the reason it heard first: its own liveness, or
    // host B's notice of its TCP heartbeat check (which names the victim by its address).
    protected override void AssertDeclaredFailed(PeerFailedException error, int victim, string reason)
    {
        if (!error.Message.Contains("declared this process failed", StringComparison.Ordinal))
        {
            Assert.Matches("process (0|2) at 127\\.0\\.0\\.1:", error.Message);
            return;
        }

        Assert.StartsWith("process 0 (pid ", error.Message, StringComparison.Ordinal);
        Assert.Matches($"process {victim} (\\(pid |at 127\\.0\\.0\\.1:)", error.Message);
    }

    // Host A's processes meet in their host job; host B's process hears of it over TCP (a failure
    // notice with host A's words, or a reset), naming a host-A process.
    protected override string ControlFileOf(int process)
    {
        var config = MakeConfig(ClusterWorkers);
        return Path.Combine(JobDirectory.PathFor(ShmRoot, AutoFabric.HostJobName(config, TcpOptions.JobIdOf(HostA))), "proc-" + process.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    protected override void AssertNamesTheCorruptFile(int process, Exception error, string path)
    {
        if (process == 2)
        {
            Assert.Matches("process (0|1) at 127\\.0\\.0\\.1:", Assert.IsType<PeerFailedException>(error).Message);
            return;
        }

        base.AssertNamesTheCorruptFile(process, error, path);
    }
}
