using Timely.Communication;
using Timely.Transport.Shm;
using Timely.Transport.Tcp;

namespace Timely.Engine.Tests.Communication;

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

    protected override int ProcessCount => 3;

    protected override int ThreadsPerProcess => 2;

    protected override TransportKind Transport => TransportKind.Auto;

    // Process 1, not 2: only host A's shared-memory liveness can see a SIGSTOP (the kernel
    // still answers TCP keep-alives), so host B hears of it from process 0's failure notice.
    protected override int KilledPeer => 1;

    protected override int StoppedPeer => 1;

    protected override string? HostIdentityOf(int process) => process < 2 ? HostA : HostB;

    [Fact]
    public void Processes_of_one_host_meet_in_shared_memory_and_the_other_host_over_tcp()
    {
        int n = WorkerCounts[0];
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
                var files = Directory.GetFiles(hostA).Select(Path.GetFileName).ToHashSet();
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

    // A kill is seen first through whichever transport reports it (host A's liveness, a TCP
    // reset, or a failure notice relaying either): each names the process.
    protected override void AssertNamesTheStoppedPeer(PeerFailedException error, int victim, string reason)
    {
        if (reason.StartsWith("stopped", StringComparison.Ordinal))
        {
            base.AssertNamesTheStoppedPeer(error, victim, reason);
            return;
        }

        Assert.Matches($"process {victim} (\\(pid |at 127\\.0\\.0\\.1:)", error.Message);
        Assert.Equal(victim * ThreadsPerProcess, error.FailedWorker);
    }
}
