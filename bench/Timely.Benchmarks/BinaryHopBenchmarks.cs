using BenchmarkDotNet.Attributes;
using Timely.Communication;
using Timely.Communication.Fabrics;

namespace Timely.Benchmarks;

/// <summary>
/// The communication layer's own instructions for one round trip of netbench's message (a
/// 64-byte <c>byte[]</c>) between two workers of a <see cref="BinaryAllocator"/>, both driven by
/// one thread: worker 0 pushes and flushes, worker 1 receives, pulls and pushes the same array
/// back, worker 0 receives and pulls, each releases. No line moves between cores and nobody
/// waits, so what is left is the push's claim and encode, the flush's look at the peer's bell,
/// the receive's drain, dispatch and decode, and pull and release: the part of
/// <c>timely netbench --transport shm</c>'s round trip the engine owns (perf.md §17), without the
/// cross-core lines that hide it there. One operation = one round trip (two hops).
/// </summary>
[MemoryDiagnoser]
public class BinaryHopBenchmarks : IDisposable
{
    private const int Trips = 10_000;

    private ProcessBinaryFabric? _fabric;
    private BinaryAllocator[] _allocators = null!;
    private IPush<byte[]> _to1 = null!;
    private IPush<byte[]> _to0 = null!;
    private IPull<byte[]> _at0 = null!;
    private IPull<byte[]> _at1 = null!;
    private byte[]? _message;

    [GlobalSetup]
    public void Setup()
    {
        _fabric = new ProcessBinaryFabric(2, 1 << 20);
        _allocators = _fabric.CreateAllocators(spinIterations: 0);
        var (s0, r0) = _allocators[0].Allocate<byte[]>(0);
        var (s1, r1) = _allocators[1].Allocate<byte[]>(0);
        _to1 = s0[1];
        _to0 = s1[0];
        _at0 = r0;
        _at1 = r1;
        _message = new byte[64];
    }

    /// <summary>Worker 0 to worker 1 and back, the array handed back through each pull slot.</summary>
    [Benchmark(OperationsPerInvoke = Trips)]
    public int RoundTrip()
    {
        var a0 = _allocators[0];
        var a1 = _allocators[1];
        byte[]? message = _message;
        int sum = 0;
        for (int i = 0; i < Trips; i++)
        {
            _to1.Push(ref message);
            _to1.Done();
            a0.Release();
            a1.Receive();
            message = Take(_at1);
            _to0.Push(ref message);
            _to0.Done();
            a1.Release();
            a0.Receive();
            message = Take(_at0);
            sum += message.Length;
            a0.Events.Clear();
            a1.Events.Clear();
        }

        _message = message;
        return sum;
    }

    private static byte[] Take(IPull<byte[]> pull)
    {
        ref byte[]? slot = ref pull.Pull();
        byte[] message = slot ?? throw new InvalidOperationException("the receive decoded nothing: the round trip lost its message");
        slot = null;
        return message;
    }

    [GlobalCleanup]
    public void Dispose()
    {
        if (_fabric is null)
        {
            return;
        }

        foreach (var allocator in _allocators)
        {
            allocator.Dispose();
        }

        _fabric.Dispose();
        _fabric = null;
        GC.SuppressFinalize(this);
    }
}
