namespace Timely.Communication.Tests;

public sealed class ProcessAllocatorContractTests : MultiWorkerAllocatorContract
{
    protected override Config MakeConfig(int workers) => Config.Process(workers);

    public static int[] WorkerCounts => [1, 2, 3, 4];
}
