namespace Timely.Communication.Tests;

/// <summary>The contract over shared memory: 3 processes of 1 worker.</summary>
public sealed class ShmThreeProcessesOneWorkerContractTests : ShmClusterContract
{
    public static int[] WorkerCounts => [3];

    protected override int ProcessCount => 3;

    protected override int ThreadsPerProcess => 1;
}
