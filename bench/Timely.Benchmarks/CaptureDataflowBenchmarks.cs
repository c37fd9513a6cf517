using BenchmarkDotNet.Attributes;
using Timely.Communication;
using Timely.Dataflow;
using Timely.Dataflow.Capture;
using Timely.Dataflow.Operators;

namespace Timely.Benchmarks;

/// <summary>
/// Capture and replay through the dataflow path on one worker (ThreadAllocator), per event.
/// A round is 256 u64 records at one time, then an advance: it captures as one Messages event
/// (2,076-byte record) and one Progress event <c>[(t, -1), (t + 1, 1)]</c> (52 bytes), so an
/// event averages 1,064 bytes; MB/s = 1,064 B / median.
/// <list type="bullet">
/// <item><see cref="CaptureToWriter"/>: input -> CaptureInto(EventWriter over a MemoryStream);
/// includes the input, the channel and progress tracking of a round. Steady state should
/// allocate nothing (the writer is written in place).</item>
/// <item><see cref="ReplayFromReader"/>: EventReader over the captured bytes -> ReplayInto ->
/// a sink counting records, on its own worker, to completion; builds one dataflow per invoke (amortized over 2,048 events).
/// The reader allocates each event and its list; replay copies records into the output batch.</item>
/// </list>
/// </summary>
[MemoryDiagnoser]
public class CaptureDataflowBenchmarks : IDisposable
{
    private const int Rounds = 1024;
    private const int EventsPerInvoke = 2 * Rounds;
    private const int RecordsPerRound = 256;

    private readonly ulong[] _records = new ulong[RecordsPerRound];
    private ThreadAllocator _allocator = null!;
    private Worker _worker = null!;
    private ThreadAllocator _replayAllocator = null!;
    private Worker _replayWorker = null!;
    private InputHandle<ulong, ulong> _input = null!;
    private MemoryStream _captureStream = null!;
    private EventWriter<ulong, ulong> _writer = null!;
    private byte[] _captured = null!;
    private long _replayed;

    [GlobalSetup]
    public void Setup()
    {
        for (int i = 0; i < _records.Length; i++)
        {
            _records[i] = (ulong)i;
        }

        _allocator = new ThreadAllocator();
        _worker = new Worker(_allocator);
        _replayAllocator = new ThreadAllocator();
        _replayWorker = new Worker(_replayAllocator);
        _input = new InputHandle<ulong, ulong>();
        _captureStream = new MemoryStream(new byte[EventsPerInvoke * 1100]);
        _writer = new EventWriter<ulong, ulong>(_captureStream, leaveOpen: true);
        _worker.Dataflow<ulong>(scope => scope.InputFrom(_input).CaptureInto(_writer));

        // The replay input: one invoke's worth of rounds captured by a separate run, ended.
        var bytes = new MemoryStream();
        Execute.Directly(worker =>
        {
            var writer = new EventWriter<ulong, ulong>(bytes, leaveOpen: true);
            var input = new InputHandle<ulong, ulong>();
            worker.Dataflow<ulong>(scope => scope.InputFrom(input).CaptureInto(writer));
            for (ulong round = 0; round < Rounds; round++)
            {
                input.SendBatch(_records);
                input.AdvanceTo(round + 1);
                worker.Step();
            }
        });
        _captured = bytes.ToArray();
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _input.Close();
        while (_worker.Step())
        {
        }

        _writer.Dispose();
        _captureStream.Dispose();
        _allocator.Dispose();
        _replayAllocator.Dispose();
        GC.SuppressFinalize(this);
    }

    [Benchmark(OperationsPerInvoke = EventsPerInvoke)]
    public long CaptureToWriter()
    {
        _captureStream.Position = 0;
        for (int round = 0; round < Rounds; round++)
        {
            _input.SendBatch(_records);
            _input.AdvanceTo(_input.Time + 1);
            _worker.Step();
        }

        return _captureStream.Position;
    }

    [Benchmark(OperationsPerInvoke = EventsPerInvoke)]
    public long ReplayFromReader()
    {
        _replayed = 0;
        using var reader = new EventReader<ulong, ulong>(new MemoryStream(_captured, writable: false));
        _replayWorker.Dataflow<ulong>(scope => new[] { reader }.ReplayInto(scope).InspectBatch((_, batch) => _replayed += batch.Count));
        while (_replayWorker.Step())
        {
        }

        return _replayed;
    }
}
