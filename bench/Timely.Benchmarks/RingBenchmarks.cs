using System.Diagnostics.CodeAnalysis;
using BenchmarkDotNet.Attributes;
using Timely.Transport.Shm.Ring;

namespace Timely.Benchmarks;

/// <summary>
/// The SPSC byte ring per message: claim, serialize in place, commit, read, batch release.
/// </summary>
/// <remarks>
/// - <see cref="SameThread"/>: one thread writes a batch of <see cref="Batch"/> records and
///   reads them back with one release: the instruction cost of the protocol, no coherence traffic.
/// - <see cref="WriterReaderSameThread"/>: the same through <see cref="RingWriter"/>/<see cref="RingReader"/>
///   (overflow queue and fragmentation checks on the path, never taken here).
/// - <see cref="CrossThread"/>: a producer thread started in setup writes while the benchmark
///   thread consumes; each invoke asks for <see cref="Batch"/> records and drains them,
///   releasing after each run of reads, so head/tail lines move between cores as in real use.
///   Threads are not pinned: this machine has 2 cores shared with other jobs, so pinning
///   would not buy a quiet core; figures carry that noise and are read as medians. Both
///   sides spin with <see cref="SpinWait"/> (which yields) when they make no progress.
/// The message bytes are written with <c>Span.Fill</c> (a stand-in for a serializer) and read
/// with a one-byte touch, so the figures are ring cost plus a memset, not a codec.
/// </remarks>
[MemoryDiagnoser]
[SuppressMessage("Design", "CA1001", Justification = "BenchmarkDotNet owns the lifetime: GlobalCleanup disposes.")]
public class RingBenchmarks
{
    private const int Batch = 512;

    private SpscByteRing _ring = null!;
    private RingWriter _writer = null!;
    private RingReader _reader = null!;
    private SpscByteRing _crossRing = null!;
    private Thread? _producer;
    private long _requested;       // written by the benchmark thread, read by the producer
    private volatile bool _stop;

    [Params(8, 64, 1024)]
    public int MessageSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        // 1 MiB holds a whole batch of 1024-byte records (512 x 1032 B) without wrapping stalls.
        _ring = SpscByteRing.Allocate(1 << 20);
        _writer = new RingWriter(_ring);
        _reader = new RingReader(_ring);

        // 64 KiB: the producer runs at most 64 KiB ahead, so the consumer reads lines the
        // producer wrote recently (the L2-resident case a transport ring is sized for).
        _crossRing = SpscByteRing.Allocate(1 << 16);
        _requested = 0;
        _stop = false;
        _producer = new Thread(Produce) { IsBackground = true, Name = "ring benchmark producer" };
        _producer.Start();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _stop = true;
        _producer?.Join();
        _reader.Dispose();
        _writer.Dispose();
        _ring.Dispose();
        _crossRing.Dispose();
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public int SameThread()
    {
        SpscByteRing ring = _ring;
        int size = MessageSize;
        for (int i = 0; i < Batch; i++)
        {
            if (!ring.TryClaim(size, out Span<byte> destination))
            {
                throw new InvalidOperationException("ring full in a same-thread batch");
            }

            destination.Fill((byte)i);
            ring.Commit(1);
        }

        int sum = 0;
        while (ring.TryRead(out int type, out ReadOnlySpan<byte> payload))
        {
            sum += type + payload[0];
        }

        ring.ReleaseRead();
        return sum;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public int WriterReaderSameThread()
    {
        RingWriter writer = _writer;
        int size = MessageSize;
        for (int i = 0; i < Batch; i++)
        {
            writer.Claim(size).Fill((byte)i);
            writer.Commit(1);
        }

        int sum = 0;
        while (_reader.TryRead(out int type, out ReadOnlySpan<byte> message))
        {
            sum += type + message[0];
        }

        _reader.ReleaseRead();
        return sum;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public int CrossThread()
    {
        SpscByteRing ring = _crossRing;
        Volatile.Write(ref _requested, _requested + Batch);
        int received = 0;
        int sum = 0;
        var wait = default(SpinWait);
        while (received < Batch)
        {
            int before = received;
            while (ring.TryRead(out int type, out ReadOnlySpan<byte> payload))
            {
                sum += type + payload[0];
                received++;
            }

            ring.ReleaseRead();
            if (received == before)
            {
                // SpinWait yields after a few rounds: on an oversubscribed machine a consumer
                // that never yields can hold the core its producer needs for a whole quantum.
                wait.SpinOnce(sleep1Threshold: -1);
            }
        }

        return sum;
    }

    private void Produce()
    {
        SpscByteRing ring = _crossRing;
        long produced = 0;
        var idle = default(SpinWait);
        while (!_stop)
        {
            if (produced == Volatile.Read(ref _requested))
            {
                idle.SpinOnce(sleep1Threshold: -1);
                continue;
            }

            idle.Reset();
            int size = MessageSize;
            var full = default(SpinWait);
            while (produced < Volatile.Read(ref _requested) && !_stop)
            {
                if (ring.TryClaim(size, out Span<byte> destination))
                {
                    destination.Fill((byte)produced);
                    ring.Commit(1);
                    produced++;
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
