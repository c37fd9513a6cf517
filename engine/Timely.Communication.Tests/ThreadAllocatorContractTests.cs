namespace Timely.Communication.Tests;

public sealed class ThreadAllocatorContractTests : AllocatorContract
{
    protected override Config MakeConfig(int workers) => Config.Thread;

    public static int[] WorkerCounts => [1];
}
