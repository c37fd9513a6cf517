using Timely.Communication.Binary;
using Timely.Communication.Startup;
using Timely.Transport.Shm.Ring;

namespace Timely.Communication.Fabrics;

/// <summary>
/// The rings of a <see cref="CommunicationKind.ProcessBinary"/> computation: one SPSC byte
/// ring per ordered pair of workers (self included: every message takes the serialized
/// path, as it would between processes), in native memory. Freed when the guards are
/// disposed, after every worker has stopped. With the default ring size
/// (<see cref="Config.DerivedRingBytes"/>) that is at most 64 MiB of data area up to 128
/// workers; with an explicit one, workers² × <see cref="Config.RingBytes"/>.
/// </summary>
internal sealed class ProcessBinaryFabric : IDisposable
{
    private readonly SpscByteRing[] _rings;

    public ProcessBinaryFabric(int peers, int ringBytes)
    {
        Group = new WorkerGroup(peers);
        _rings = new SpscByteRing[peers * peers];
        for (int i = 0; i < _rings.Length; i++)
        {
            _rings[i] = SpscByteRing.Allocate(ringBytes);
        }
    }

    public WorkerGroup Group { get; }

    /// <summary>Data-area bytes of all rings (what the workers' messages can occupy).</summary>
    public long RingCapacityBytes => _rings.Sum(r => (long)r.Capacity);

    /// <summary>The ring from worker <paramref name="source"/> to worker <paramref name="target"/> (tests write raw records into it).</summary>
    internal SpscByteRing RingOf(int source, int target) => _rings[(source * Group.Peers) + target];

    /// <summary>Native bytes the rings hold, their counters included.</summary>
    public long RingRegionBytes => _rings.Sum(r => r.Region.Length);

    public BinaryAllocator[] CreateAllocators(int spinIterations)
    {
        int peers = Group.Peers;
        var allocators = new BinaryAllocator[peers];
        for (int w = 0; w < peers; w++)
        {
            var links = new BinaryLinks
            {
                WriterByTarget = Enumerable.Range(0, peers).Select(t => new RingWriter(_rings[(w * peers) + t])).ToArray(),
                CompactByTarget = Enumerable.Repeat(true, peers).ToArray(),   // every ring joins two workers
                BellByTarget = Group.Doorbells,
                Readers = Enumerable.Range(0, peers).Select(s => new InboundRing(new RingReader(_rings[(s * peers) + w]), s)).ToArray(),
                OwnBell = Group.Doorbells[w],
                Status = Group,
            };
            allocators[w] = new BinaryAllocator(w, peers, links, spinIterations);
        }

        return allocators;
    }

    public void Dispose()
    {
        foreach (var ring in _rings)
        {
            ring.Dispose();
        }

        Group.Dispose();
    }
}
