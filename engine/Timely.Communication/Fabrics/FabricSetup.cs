using Timely.Communication.Startup;

namespace Timely.Communication.Fabrics;

/// <summary>
/// What setting up a config yields (<see cref="Workers.Build"/> turns it into builders): the
/// local workers' allocators, the global index of the first, what they share (a fabric,
/// mappings, sockets; disposed after every worker ended, null when nothing is shared) and the
/// group that hears of their failures and returns (null for a lone thread).
/// </summary>
internal sealed record FabricSetup(Allocator[] Allocators, int FirstIndex, IDisposable? Shared, WorkerGroup? Group);
