using BenchmarkDotNet.Attributes;
using Timely.Dataflow.Capture;

namespace Timely.Benchmarks;

/// <summary>
/// EventWriter and EventReader over a MemoryStream, events of 1000 u64 (8,028-byte records).
/// Per-event figures (OperationsPerInvoke = events per invoke); MB/s = 8,028 B / median.
/// The writer must show 0 B per event; the reader allocates the event and its list, which
/// the replay operator takes ownership of (about 8 KB for the data array).
/// </summary>
[MemoryDiagnoser]
public class CaptureFormatBenchmarks : IDisposable
{
    private const int EventsPerInvoke = 64;
    private const int Elements = 1000;

    private Event<ulong, ulong> _event = null!;
    private MemoryStream _writeStream = null!;
    private EventWriter<ulong, ulong> _writer = null!;
    private MemoryStream _readStream = null!;
    private EventReader<ulong, ulong> _reader = null!;

    [GlobalSetup]
    public void Setup()
    {
        var data = new List<ulong>(Elements);
        for (ulong i = 0; i < Elements; i++)
        {
            data.Add(i);
        }

        _event = new Event<ulong, ulong>.Messages(42, data);
        byte[] target = new byte[EventsPerInvoke * (Elements + 16) * sizeof(ulong)];
        _writeStream = new MemoryStream(target);
        _writer = new EventWriter<ulong, ulong>(_writeStream, leaveOpen: true);
        for (int i = 0; i < EventsPerInvoke; i++)
        {
            _writer.Push(_event);
        }

        // The write stream wraps a fixed array, so its Length is the array's; copy only what was written.
        _readStream = new MemoryStream(target.AsSpan(0, (int)_writeStream.Position).ToArray());
        _reader = new EventReader<ulong, ulong>(_readStream, leaveOpen: true);
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _writer.Dispose();
        _reader.Dispose();
        _writeStream.Dispose();
        _readStream.Dispose();
        GC.SuppressFinalize(this);
    }

    [Benchmark(OperationsPerInvoke = EventsPerInvoke)]
    public long Write()
    {
        _writeStream.Position = 0;
        for (int i = 0; i < EventsPerInvoke; i++)
        {
            _writer.Push(_event);
        }

        return _writeStream.Position;
    }

    [Benchmark(OperationsPerInvoke = EventsPerInvoke)]
    public int Read()
    {
        _readStream.Position = 0;
        int count = 0;
        while (_reader.TryNext(out _))
        {
            count++;
        }

        return count;
    }
}
