namespace Timely.Communication.Startup;

/// <summary>
/// The builder <see cref="Workers.Build"/> hands out for a built-in config: the allocator is
/// made at set-up (a cluster's rendezvous and connections must be complete before any worker
/// runs, and nothing in these allocators is tied to the thread that made them), so
/// <see cref="Build"/> only pins the calling thread when the config asks for it and hands the
/// allocator over. Failure and finish go to the workers' <see cref="WorkerGroup"/>.
/// </summary>
internal sealed class FabricAllocatorBuilder : AllocatorBuilder
{
    private Allocator? _allocator;
    private readonly WorkerGroup? _group;
    private readonly int? _core;

    public FabricAllocatorBuilder(Allocator allocator, WorkerGroup? group, int? core)
        : base(allocator.Index)
    {
        _allocator = allocator;
        _group = group;
        _core = core;
    }

    public override Allocator Build()
    {
        var allocator = Interlocked.Exchange(ref _allocator, null)
            ?? throw new InvalidOperationException($"the allocator of worker {Index} was already built; a builder builds once.");
        if (_core is int core)
        {
            try
            {
                Affinity.PinCurrentThread(core);
            }
            catch
            {
                allocator.Dispose();
                throw;
            }
        }

        return allocator;
    }

    public override void OnFailed(Exception error) => _group?.Fail(Index, error);

    public override void OnFinished() => _group?.MarkFinished(Index);
}
