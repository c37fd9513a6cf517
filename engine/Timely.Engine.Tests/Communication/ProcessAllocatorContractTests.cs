using Timely.Communication;

namespace Timely.Engine.Tests.Communication;

public sealed class ProcessAllocatorContractTests : AllocatorContract
{
    protected override Config MakeConfig(int workers) => Config.Process(workers);

    protected override int[] WorkerCounts => [1, 2, 3, 4];
}
