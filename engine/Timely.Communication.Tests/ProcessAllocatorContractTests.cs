namespace Timely.Communication.Tests;

public sealed class ProcessAllocatorContractTests : AllocatorContract
{
    protected override Config MakeConfig(int workers) => Config.Process(workers);

    protected override int[] WorkerCounts => [1, 2, 3, 4];
}
