using System.Diagnostics.CodeAnalysis;
using BenchmarkDotNet.Attributes;
using Timely.Bytes;
using Timely.Transport.Shm.Layout;
using Timely.Transport.Shm.Memory;

namespace Timely.Benchmarks;

/// <summary>
/// Padded vs unpadded head/tail: the evidence for <see cref="RingDescriptor"/> giving each
/// counter its own <see cref="CacheLine.Size"/> line.
/// </summary>
/// <remarks>
/// The ring's counter protocol without the data, caching included: a producer thread
/// release-stores a tail that runs at most <see cref="Window"/> ahead of the head, re-reading
/// the head only when its cached copy says the window is full; the benchmark thread re-reads
/// the tail only when it has caught up with its cached copy, and release-stores the head once
/// per handoff (the worst case of per-message release). <see cref="CounterDistance"/> = 128 is the ring's layout; 8 puts
/// both counters on one line, so every store by one side invalidates the other side's copy.
/// Counters live in a <see cref="MemoryRegion"/>, as in the ring. Threads are unpinned.
/// <para>
/// Measured 2026-11-22 on the 2-vCPU KVM dev host (load average 4-8 from other jobs), 9
/// iterations: median 16.7 ns/handoff at distance 8 and 80.8 ns at 128, with errors of
/// +-60 ns. That is the opposite of what the layout expects and inside the noise: on two
/// vCPUs that may be one physical core's siblings there may be no cross-core line transfer
/// to save, and the idle-spin policy dominates. Re-measure on a quiet multi-core host before
/// drawing a conclusion either way; the layout keeps the separate lines that Agrona,
/// Disruptor and the runtime's ConcurrentQueue use.
/// </para>
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
        long cachedTail = head;
        var wait = default(SpinWait);
        while (head < target)
        {
            if (head == cachedTail)
            {
                cachedTail = Volatile.Read(ref region.Int64At(tailOffset));
                if (head == cachedTail)
                {
                    wait.SpinOnce(sleep1Threshold: -1);
                    continue;
                }
            }

            head++;
            Volatile.Write(ref region.Int64At(HeadOffset), head);
            wait.Reset();
        }

        return head;
    }

    private void Produce()
    {
        MemoryRegion region = _region;
        long tailOffset = TailOffset;
        long tail = 0;
        long cachedHead = 0;
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
                if (tail - cachedHead >= Window)
                {
                    cachedHead = Volatile.Read(ref region.Int64At(HeadOffset));
                    if (tail - cachedHead >= Window)
                    {
                        full.SpinOnce(sleep1Threshold: -1);
                        continue;
                    }
                }

                tail++;
                Volatile.Write(ref region.Int64At(tailOffset), tail);
                full.Reset();
            }
        }
    }
}
