namespace Timely.Communication.Tests;

/// <summary>The contract over shared memory: 2 processes of 2 workers (4 workers).</summary>
public sealed class ShmTwoProcessesTwoWorkersContractTests : ShmClusterContract
{
    public static int[] WorkerCounts => [4];

    protected override int ProcessCount => 2;

    protected override int ThreadsPerProcess => 2;
}
