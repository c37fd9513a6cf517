using Timely.Dataflow;
using Timely.Dataflow.Operators;
using Timely.Workloads;

namespace Timely.Bench.TestWorkloads;

/// <summary>Workloads with known behaviour, for the suite's tests.</summary>
public static class TestWorkloads
{
    /// <summary>A correct keyed count: records exchanged by key, counted per key; the same checksum on every configuration.</summary>
    [Workload("good")]
    public static WorkloadOutcome Good(WorkloadContext context)
    {
        ulong records = context.BySize(200_000UL, 20_000UL, 1_000UL);
        var counts = new Dictionary<ulong, ulong>();
        var input = InputHandle.Create<ulong>();
        var probe = context.Worker.Dataflow(scope => scope.InputFrom(input)
            .Exchange(x => x % 97)
            .Inspect(x => counts[x % 97] = counts.GetValueOrDefault(x % 97) + 1)
            .Probe());
        long sent = Feed(context, input, probe, records);
        ulong checksum = 0;
        foreach (var (key, count) in counts)
        {
            checksum += WorkloadChecksum.Of(key, count);
        }

        return new WorkloadOutcome(sent, checksum);
    }

    /// <summary>Throws on every worker.</summary>
    [Workload("throws", Configurations = WorkloadConfigurations.OneWorker)]
    public static WorkloadOutcome Throws(WorkloadContext context) =>
        throw new InvalidOperationException($"thrown on purpose by worker {context.Index}");

    /// <summary>Never returns (the suite's deadline must end it).</summary>
    [Workload("hangs", Configurations = WorkloadConfigurations.OneWorker)]
    public static WorkloadOutcome Hangs(WorkloadContext context)
    {
        Thread.Sleep(Timeout.Infinite);
        return default;
    }

    /// <summary>A checksum that depends on the number of workers: right on one configuration, wrong on the other.</summary>
    [Workload("peers-in-checksum", Configurations = WorkloadConfigurations.OneWorker | WorkloadConfigurations.TwoWorkers)]
    public static WorkloadOutcome PeersInChecksum(WorkloadContext context) =>
        new(1, context.Index == 0 ? (ulong)context.Peers : 0);

    /// <summary>A checksum that differs from run to run (the process id): wrong on the second run of a row.</summary>
    [Workload("unstable-checksum", Configurations = WorkloadConfigurations.OneWorker)]
    public static WorkloadOutcome UnstableChecksum(WorkloadContext context) =>
        new(1, (ulong)Environment.ProcessId);

    /// <summary>
    /// Records through a dataflow whose map does a fixed busy loop per record (<see cref="BaseIterations"/>),
    /// scaled by the dial: the whole number of percent in a file <c>dial-percent</c> beside this
    /// assembly (none: 0). Two copies of the assembly with different dials are two builds whose
    /// speed differs by a known amount.
    /// </summary>
    [Workload("dial", Configurations = WorkloadConfigurations.OneWorker)]
    public static WorkloadOutcome Dial(WorkloadContext context)
    {
        ulong records = context.BySize(50_000UL, 5_000UL, 200UL);
        int iterations = BaseIterations * (100 + DialPercent()) / 100;
        ulong sum = 0;
        var input = InputHandle.Create<ulong>();
        var probe = context.Worker.Dataflow(scope => scope.InputFrom(input)
            .Map(x => Spin(x, iterations))
            .Inspect(x => sum += x)
            .Probe());
        long sent = Feed(context, input, probe, records);

        // The busy loop's result depends on the dial; the checksum must not (one workload, two speeds).
        return new WorkloadOutcome(sent, WorkloadChecksum.Of((ulong)sent) + (sum == 42 ? 1UL : 0UL));
    }

    /// <summary>Busy-loop steps per record at dial 0: about 20 us on the 2-core host of perf.md, most of a record's cost.</summary>
    public const int BaseIterations = 3_000;

    /// <summary>Starts the timing, sends this worker's share of 0..records-1 (stepping now and then), closes the input and steps until the probe is done; returns the records sent.</summary>
    private static long Feed(WorkloadContext context, InputHandle<ulong, ulong> input, ProbeHandle<ulong> probe, ulong records)
    {
        context.StartTiming();
        long sent = 0;
        for (ulong x = (ulong)context.Index; x < records; x += (ulong)context.Peers)
        {
            input.Send(x);
            sent++;
            if ((sent & 1023) == 0)
            {
                context.Worker.Step();
            }
        }

        input.Close();
        context.Worker.StepWhile(() => !probe.Done);
        return sent;
    }

    // Fully optimized from the first call: under tiered compilation the loop would run its first
    // part of every (short) run as unoptimized code, and its cost would not scale with the dial.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static ulong Spin(ulong x, int iterations)
    {
        for (int i = 0; i < iterations; i++)
        {
            x = WorkloadChecksum.Of(x);
        }

        return x;
    }

    private static int DialPercent()
    {
        string file = Path.Combine(Path.GetDirectoryName(typeof(TestWorkloads).Assembly.Location)!, "dial-percent");
        return File.Exists(file) ? int.Parse(File.ReadAllText(file).Trim(), System.Globalization.CultureInfo.InvariantCulture) : 0;
    }
}
