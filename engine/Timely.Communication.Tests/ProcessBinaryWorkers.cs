using Timely.Communication.Fabrics;

namespace Timely.Communication.Tests;

/// <summary>
/// The workers of a ProcessBinary fabric, built without threads so that a test drives each
/// allocator on its own thread in the order it writes; disposed with their fabric.
/// </summary>
internal sealed class ProcessBinaryWorkers : IDisposable
{
    public ProcessBinaryWorkers(int peers, int ringBytes)
    {
        Fabric = new ProcessBinaryFabric(peers, ringBytes);
        All = Fabric.CreateAllocators(spinIterations: 0);
    }

    public ProcessBinaryFabric Fabric { get; }

    public BinaryAllocator[] All { get; }

    public void Dispose()
    {
        foreach (var worker in All)
        {
            worker.Dispose();
        }

        Fabric.Dispose();
    }
}
