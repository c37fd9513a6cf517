using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Communication;
using Timely.Testing;
using TimelyConfig = Timely.Communication.Config;

namespace Timely.PropTests.Communication;

/// <summary>
/// Random traffic through the TCP transport on 127.0.0.1 (every process of the cluster run in
/// this test process, each with its own sockets and threads): for 2-3 processes of 1-2
/// workers, any per-pair message counts and sizes, small or large rings, every message arrives
/// exactly once, byte-exact, FIFO per (sender, receiver). This covers the paths a frame can take
/// to the socket (the worker's own inline write, the send thread after a spill or a full
/// socket) and the receive side's waits for room, in any interleaving the run produces.
/// </summary>
public sealed class TcpTrafficProperties
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private static Gen<(int Processes, int Threads, int RingBytes, AllocatorProperties.Plan Plan)> ClusterGen() =>
        from processes in Gen.Choose(2, 3)
        from threads in Gen.Choose(1, 2)
        from ring in Gen.Elements(8192, 65536)
        from pool in Gen.ArrayOf(Gen.Frequency((6, Gen.Choose(0, 8)), (3, Gen.Choose(0, 200)), (1, Gen.Choose(0, 20_000))), 64)
        select (processes, threads, ring, Plan(processes * threads, pool));

    [Property(MaxTest = 12, QuietOnSuccess = true)]
    public Property Tcp_delivers_random_traffic_exactly_once_in_order() =>
        Prop.ForAll(ClusterGen().ToArbitrary(), x => Run(x.Processes, x.Threads, x.RingBytes, x.Plan));

    /// <summary>
    /// A process of one worker with one peer reads its socket itself while it is awake and lets
    /// the receive thread read while it parks (SocketTurn): for any traffic and any spin budget
    /// (parking at once, the default, or hardly ever), that path and the receive thread's alone
    /// each deliver every message exactly once, byte-exact, in order.
    /// </summary>
    [Property(MaxTest = 10, QuietOnSuccess = true)]
    public Property Tcp_with_one_worker_per_process_delivers_the_same_on_either_receive_path() =>
        Prop.ForAll(
            (from pool in Gen.ArrayOf(Gen.Frequency((6, Gen.Choose(0, 8)), (3, Gen.Choose(0, 200)), (1, Gen.Choose(0, 20_000))), 64)
             from spin in Gen.Elements(0, TimelyConfig.DefaultSpinIterations, 100_000)
             select (Plan: Plan(2, pool), Spin: spin)).ToArbitrary(),
            x => Run(2, 1, 65536, x.Plan, c => c with { SpinIterations = x.Spin, TcpWorkerReads = true })
                && Run(2, 1, 65536, x.Plan, c => c with { SpinIterations = x.Spin, TcpWorkerReads = false }));

    /// <summary>A plan for <paramref name="workers"/> workers: per-pair message counts and payload lengths drawn in turn from <paramref name="pool"/>.</summary>
    private static AllocatorProperties.Plan Plan(int workers, int[] pool)
    {
        int k = 0;
        var lengths = new int[workers][][];
        for (int s = 0; s < workers; s++)
        {
            lengths[s] = new int[workers][];
            for (int t = 0; t < workers; t++)
            {
                int count = pool[k++ % pool.Length] % 300;
                lengths[s][t] = Enumerable.Range(0, count).Select(_ => pool[k++ % pool.Length]).ToArray();
            }
        }

        return new AllocatorProperties.Plan(workers, lengths);
    }

    private static bool Run(int processes, int threads, int ringBytes, AllocatorProperties.Plan plan, Func<TimelyConfig, TimelyConfig>? adjust = null)
    {
        var config = TimelyConfig.Cluster(threads, 0, FreePorts.Loopback(processes), TransportKind.Tcp) with
        {
            RingBytes = ringBytes,
            ConnectTimeout = TimeSpan.FromSeconds(20),
            JobName = "prop-" + Guid.NewGuid().ToString("N"),
        };
        config = adjust?.Invoke(config) ?? config;
        var runs = Enumerable.Range(0, processes).Select(p => Task.Factory.StartNew(
            () =>
            {
                using var guards = Workers.Initialize(config with { ProcessIndex = p }, allocator => AllocatorProperties.Exchange(allocator, plan));
                return guards.Join();
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default)).ToArray();
        if (!Task.WaitAll(runs, Deadline))
        {
            throw new TimeoutException($"{processes} processes x {threads} workers over TCP did not finish within {Deadline.TotalSeconds} s under {plan}");
        }

        return AllocatorProperties.Verify(runs.SelectMany(r => r.Result).ToArray(), plan);
    }
}
