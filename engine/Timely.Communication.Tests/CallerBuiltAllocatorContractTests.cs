namespace Timely.Communication.Tests;

/// <summary>
/// The contract for allocators made by a caller's own <see cref="AllocatorBuilder"/>
/// (<see cref="CallerBuilder"/>: wraps the builders of a serializing config, builds on the
/// worker's thread and checks it is that thread, forwards failure and finish) started with
/// <see cref="Workers.InitializeFrom{T}"/>. A small ring (8 KiB) so the traffic wraps and spills.
/// </summary>
public sealed class CallerBuiltAllocatorContractTests : MultiWorkerAllocatorContract
{
    protected override Config MakeConfig(int workers) => Config.ProcessBinary(workers) with { RingBytes = 8192 };

    public static int[] WorkerCounts => [1, 2, 3];

    protected override IReadOnlyList<WorkerResult<T>> Run<T>(Config config, Func<Allocator, T> logic)
    {
        var (inner, others) = Workers.Build(config);
        var builders = inner.Select(b => new CallerBuilder(b)).ToArray();
        var results = WorkerRun.Join(
            Workers.InitializeFrom(builders, others, allocator =>
            {
                // The allocator the logic gets is the one built on this very thread.
                var builder = builders[allocator.Index];
                Assert.Equal(Environment.CurrentManagedThreadId, builder.BuiltOnThread);
                Assert.Same(builder.Built, allocator);
                return logic(allocator);
            }),
            $"workers from caller builders of {config.Kind}({config.Threads})");
        Assert.All(builders, b => Assert.Equal(1, b.Finished));
        return results;
    }

    /// <summary>A caller's builder around another builder: records where it built, forwards the rest.</summary>
    private sealed class CallerBuilder(AllocatorBuilder inner) : AllocatorBuilder(inner.Index)
    {
        public int BuiltOnThread { get; private set; }

        public Allocator? Built { get; private set; }

        public int Finished;

        public override Allocator Build()
        {
            BuiltOnThread = Environment.CurrentManagedThreadId;
            Built = inner.Build();
            return Built;
        }

        public override void OnFailed(Exception error) => inner.OnFailed(error);

        public override void OnFinished()
        {
            Interlocked.Increment(ref Finished);
            inner.OnFinished();
        }
    }
}
