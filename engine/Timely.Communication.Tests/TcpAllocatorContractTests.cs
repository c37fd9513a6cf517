using Timely.Testing;

namespace Timely.Communication.Tests;

/// <summary>
/// The allocator contract over real TCP connections on 127.0.0.1: 2 and 3 processes of one
/// worker, and 2 processes of 2 workers (local and remote targets mixed).
/// </summary>
public sealed class TcpAllocatorContractTests : MultiWorkerAllocatorContract
{
    // Small rings (8 KiB) so the suite's traffic wraps, spills to overflow and fragments on
    // both sides of the network threads.
    protected override Config MakeConfig(int workers)
    {
        int processes = workers == 4 ? 2 : workers;
        return Config.Cluster(workers / processes, 0, FreePorts.Loopback(processes), TransportKind.Tcp) with
        {
            RingBytes = 8192,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            JobName = "contract-" + Guid.NewGuid().ToString("N"),
        };
    }

    public static int[] WorkerCounts => [2, 3, 4];
}
