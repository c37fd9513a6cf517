using System.Diagnostics.CodeAnalysis;
using BenchmarkDotNet.Attributes;
using Timely.Bytes;
using Timely.Transport.Shm;

namespace Timely.Benchmarks;

/// <summary>
/// Padded vs unpadded head/tail: the evidence for <see cref="RingDescriptor"/> giving each
/// counter its own <see cref="CacheLine.Size"/> line.
/// </summary>
/// <remarks>
/// The ring's counter protocol without the data: a producer thread release-stores a tail
/// that runs at most <see cref="Window"/> ahead of the head; the benchmark thread
/// acquire-loads the tail and release-stores the head once per handoff (the worst case of
/// per-message release). <see cref="CounterDistance"/> = 128 is the ring's layout; 8 puts
/// both counters on one line, so every store by one side invalidates the other side's copy.
/// Counters live in a <see cref="MemoryRegion"/>, as in the ring. Threads are unpinned.
/// </remarks>
[MemoryDiagnoser]
[SuppressMessage("Design", "CA1001", Justification = "BenchmarkDotNet owns the lifetime: GlobalCleanup disposes.")]
public class RingCounterPaddingBenchmarks
{
    private const int Handoffs = 4096;
    private const long Window = 64;
    private const long HeadOffset = CacheLine.Size;

    private MemoryRegion _region = null!;
    private Thread? _producer;
    private long _requested;
    private volatile bool _stop;

    [Params(8, CacheLine.Size)]
    public int CounterDistance { get; set; }

    private long TailOffset => HeadOffset + CounterDistance;

    [GlobalSetup]
    public void Setup()
    {
        _region = MemoryRegion.Allocate(3 * CacheLine.Size);
        _requested = 0;
        _stop = false;
        _producer = new Thread(Produce) { IsBackground = true, Name = "padding benchmark producer" };
        _producer.Start();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _stop = true;
        _producer?.Join();
        _region.Dispose();
    }

    [Benchmark(OperationsPerInvoke = Handoffs)]
    public long Handoff()
    {
        MemoryRegion region = _region;
        long tailOffset = TailOffset;
        long target = _requested + Handoffs;
        Volatile.Write(ref _requested, target);
        long head = region.Int64At(HeadOffset);
        var wait = default(SpinWait);
        while (head < target)
        {
            if (Volatile.Read(ref region.Int64At(tailOffset)) > head)
            {
                head++;
                Volatile.Write(ref region.Int64At(HeadOffset), head);
                wait.Reset();
            }
            else
            {
                wait.SpinOnce(sleep1Threshold: -1);
            }
        }

        return head;
    }

    private void Produce()
    {
        MemoryRegion region = _region;
        long tailOffset = TailOffset;
        long tail = 0;
        var idle = default(SpinWait);
        while (!_stop)
        {
            long target = Volatile.Read(ref _requested);
            if (tail == target)
            {
                idle.SpinOnce(sleep1Threshold: -1);
                continue;
            }

            idle.Reset();
            var full = default(SpinWait);
            while (tail < target && !_stop)
            {
                if (tail - Volatile.Read(ref region.Int64At(HeadOffset)) < Window)
                {
                    tail++;
                    Volatile.Write(ref region.Int64At(tailOffset), tail);
                    full.Reset();
                }
                else
                {
                    full.SpinOnce(sleep1Threshold: -1);
                }
            }
        }
    }
}
