using BenchmarkDotNet.Attributes;
using Timely.Communication;
using Timely.Communication.Fabrics;
using Timely.Communication.Startup;

namespace Timely.Benchmarks;

/// <summary>
/// One-way streaming between two pinned threads through the Process allocator: the
/// sender pushes a batch of buffers, the partner drains them and hands each back through
/// the slot, so the same buffers circulate. One operation = one message.
/// </summary>
[MemoryDiagnoser]
public class ProcessThroughputBenchmarks : IDisposable
{
    private const int Batch = 100 * 1024;   // a multiple of the partner's 1024-message progress step

    private PingPongPartner? _partner;
    private IPush<long[]> _sender = null!;
    private long[]?[] _buffers = null!;
    private long _consumedTarget;
    private long[] _consumed = null!;

    [GlobalSetup]
    public void Setup()
    {
        int? core = PingPongPartner.PinBenchmarkThread();
        var group = new WorkerGroup(2);
        var fabric = new ProcessFabric(group);
        var a0 = new Communication.ProcessAllocator(fabric, 0, 0);
        var a1 = new Communication.ProcessAllocator(fabric, 1, 0);
        var (s0, _) = a0.Allocate<long[]>(0);
        var (_, r1) = a1.Allocate<long[]>(0);
        _sender = s0[1];
        _buffers = new long[]?[1];
        _consumed = new long[16 * 2];
        var consumed = _consumed;
        _partner = new PingPongPartner(stop =>
        {
            long count = 0;
            while (!stop())
            {
                ref long[]? slot = ref r1.Pull();
                if (slot is not null)
                {
                    count++;
                    if ((count & 1023) == 0)
                    {
                        Volatile.Write(ref consumed[16], count);
                    }
                }
            }

            return 0;
        }, core);
    }

    /// <summary>Push <c>Batch</c> messages; wait until the partner has drained them.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public long Stream()
    {
        long[]? slot = null;
        for (int i = 0; i < Batch; i++)
        {
            slot ??= new long[8];
            slot[0] = i;
            _sender.Push(ref slot);
        }

        _consumedTarget += Batch;
        while (Volatile.Read(ref _consumed[16]) < _consumedTarget)
        {
        }

        return _consumedTarget;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _partner?.Dispose();
        _partner = null;
    }

    public void Dispose()
    {
        Cleanup();
        GC.SuppressFinalize(this);
    }
}
