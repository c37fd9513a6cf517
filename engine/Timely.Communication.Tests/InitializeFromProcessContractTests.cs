namespace Timely.Communication.Tests;

/// <summary>
/// The contract for workers started from builders (<see cref="Workers.Build"/> then
/// <see cref="Workers.InitializeFrom{T}"/>) instead of <see cref="Workers.Initialize{T}"/>:
/// the split into set-up and start keeps every promise, failure propagation included.
/// </summary>
public sealed class InitializeFromProcessContractTests : MultiWorkerAllocatorContract
{
    protected override Config MakeConfig(int workers) => Config.Process(workers);

    public static int[] WorkerCounts => [1, 2, 3, 4];

    protected override IReadOnlyList<WorkerResult<T>> Run<T>(Config config, Func<Allocator, T> logic)
    {
        var (builders, others) = Workers.Build(config);
        return WorkerRun.Join(Workers.InitializeFrom(builders, others, logic), $"workers from builders of {config.Kind}({config.Threads})");
    }
}
