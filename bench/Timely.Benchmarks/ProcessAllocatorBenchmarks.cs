using System.Runtime.InteropServices;
using System.Threading.Channels;
using BenchmarkDotNet.Attributes;
using Timely.Bytes;
using Timely.Communication;
using Timely.Communication.Fabrics;
using Timely.Communication.Startup;

namespace Timely.Benchmarks;

/// <summary>
/// Round trip between two pinned threads: the cache-line floor, the Process allocator, and
/// System.Threading.Channels, measured in the same run so the ratios are comparable.
/// One operation = one round trip (two hops).
/// </summary>
[MemoryDiagnoser]
public class ProcessRoundTripBenchmarks : IDisposable
{
    private const int Trips = 10_000;

    private PingPongPartner? _partner;
    private PaddedFlag[] _flags = null!;
    private IPush<long[]>? _toEcho;
    private IPull<long[]>? _fromEcho;
    private long[]? _message;
    private Channel<long[]>? _chanTo;
    private Channel<long[]>? _chanFrom;

    [GlobalSetup(Target = nameof(CacheLineFloor))]
    public void SetupFloor()
    {
        int? core = PingPongPartner.PinBenchmarkThread();
        _flags = new PaddedFlag[2];
        var flags = _flags;
        _partner = new PingPongPartner(stop =>
        {
            long seen = 0;
            while (!stop())
            {
                long v = Volatile.Read(ref flags[0].Value);
                if (v != seen)
                {
                    seen = v;
                    Volatile.Write(ref flags[1].Value, v);
                }
            }

            return 0;
        }, core);
    }

    /// <summary>One thread writes a counter on its line, the other echoes it on another line: the hardware's floor for a round trip.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Trips)]
    public long CacheLineFloor()
    {
        long start = Volatile.Read(ref _flags[0].Value);
        for (long i = start + 1; i <= start + Trips; i++)
        {
            Volatile.Write(ref _flags[0].Value, i);
            while (Volatile.Read(ref _flags[1].Value) != i)
            {
            }
        }

        return start;
    }

    [GlobalSetup(Target = nameof(ProcessAllocator))]
    public void SetupAllocator()
    {
        int? core = PingPongPartner.PinBenchmarkThread();
        var group = new WorkerGroup(2);
        var fabric = new ProcessFabric(group);
        var a0 = new Communication.ProcessAllocator(fabric, 0, 0);
        var a1 = new Communication.ProcessAllocator(fabric, 1, 0);
        var (s0, r0) = a0.Allocate<long[]>(0);
        var (s1, r1) = a1.Allocate<long[]>(0);
        _toEcho = s0[1];
        _fromEcho = r0;
        _message = new long[8];
        _partner = new PingPongPartner(stop =>
        {
            var back = s1[0];
            while (!stop())
            {
                ref long[]? slot = ref r1.Pull();
                if (slot is not null)
                {
                    long[]? m = slot;
                    slot = null;
                    back.Push(ref m);
                }
            }

            return 0;
        }, core);
    }

    /// <summary>A message to the other worker and back through the Process allocator's channels (buffer handed back each hop).</summary>
    [Benchmark(OperationsPerInvoke = Trips)]
    public long ProcessAllocator()
    {
        long sum = 0;
        long[]? message = _message;
        for (int i = 0; i < Trips; i++)
        {
            _toEcho!.Push(ref message);
            while (true)
            {
                ref long[]? slot = ref _fromEcho!.Pull();
                if (slot is not null)
                {
                    message = slot;
                    slot = null;
                    break;
                }
            }

            sum += message[0];
        }

        _message = message;
        return sum;
    }

    [GlobalSetup(Target = nameof(ThreadingChannels))]
    public void SetupChannels()
    {
        int? core = PingPongPartner.PinBenchmarkThread();
        var options = new UnboundedChannelOptions { SingleReader = true, SingleWriter = true, AllowSynchronousContinuations = true };
        _chanTo = Channel.CreateUnbounded<long[]>(options);
        _chanFrom = Channel.CreateUnbounded<long[]>(options);
        _message = new long[8];
        var to = _chanTo;
        var from = _chanFrom;
        _partner = new PingPongPartner(stop =>
        {
            while (!stop())
            {
                if (to.Reader.TryRead(out var m))
                {
                    from.Writer.TryWrite(m);
                }
            }

            return 0;
        }, core);
    }

    /// <summary>The same round trip through System.Threading.Channels (unbounded, single reader/writer), polled with TryRead.</summary>
    [Benchmark(OperationsPerInvoke = Trips)]
    public long ThreadingChannels()
    {
        long sum = 0;
        long[] message = _message!;
        for (int i = 0; i < Trips; i++)
        {
            _chanTo!.Writer.TryWrite(message);
            long[]? back;
            while (!_chanFrom!.Reader.TryRead(out back))
            {
            }

            message = back;
            sum += message[0];
        }

        return sum;
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

    [StructLayout(LayoutKind.Explicit, Size = 2 * CacheLine.Size)]
    private struct PaddedFlag
    {
        [FieldOffset(CacheLine.Size)] public long Value;
    }
}
