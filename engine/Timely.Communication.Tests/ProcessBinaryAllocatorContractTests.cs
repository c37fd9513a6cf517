namespace Timely.Communication.Tests;

public sealed class ProcessBinaryAllocatorContractTests : MultiWorkerAllocatorContract
{
    // A small ring (8 KiB) so the suite's traffic wraps, spills to overflow and fragments.
    protected override Config MakeConfig(int workers) => Config.ProcessBinary(workers) with { RingBytes = 8192 };

    public static int[] WorkerCounts => [1, 2, 3, 4];
}
