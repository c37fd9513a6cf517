using BenchmarkDotNet.Attributes;
using Timely.Bytes;
using Timely.Bytes.Codecs;

namespace Timely.Benchmarks;

/// <summary>
/// Encode then decode one batch (1024 records, a message's worth) of the pairs timely's examples
/// exchange, through the codec the engine resolves and, as the same-run baseline, through the
/// field-by-field codec it used before (the list codec over the tuple codec: one interface call per
/// field per record). Both write the same bytes. Figures are per record (OperationsPerInvoke).
/// </summary>
[MemoryDiagnoser]
public class RecordCodecBenchmarks
{
    private const int Count = 1024;

    private readonly List<(ulong, ulong)> _pairs = [];
    private readonly List<(int, long)> _padded = [];
    private readonly IWireCodec<List<(ulong, ulong)>> _pairsByField = new ListCodec<(ulong, ulong)>(new TupleCodec<ulong, ulong>(WireCodec<ulong>.Default, WireCodec<ulong>.Default));
    private readonly IWireCodec<List<(int, long)>> _paddedByField = new ListCodec<(int, long)>(new TupleCodec<int, long>(WireCodec<int>.Default, WireCodec<long>.Default));
    private List<(ulong, ulong)> _pairsTarget = new(Count);
    private List<(int, long)> _paddedTarget = new(Count);
    private byte[] _buffer = [];

    [GlobalSetup]
    public void Setup()
    {
        for (int i = 0; i < Count; i++)
        {
            _pairs.Add(((ulong)i * 2654435761UL, (ulong)i));
            _padded.Add((i, -i * 7919L));
        }

        _buffer = new byte[WireCodec<List<(ulong, ulong)>>.Default.Measure(_pairs)];
    }

    [Benchmark(OperationsPerInvoke = Count, Baseline = true)]
    public int U64PairsFieldByField() => WriteRead(_pairsByField, _pairs, ref _pairsTarget);

    [Benchmark(OperationsPerInvoke = Count)]
    public int U64PairsResolved() => WriteRead(WireCodec<List<(ulong, ulong)>>.Default, _pairs, ref _pairsTarget);

    [Benchmark(OperationsPerInvoke = Count)]
    public int PaddedPairsFieldByField() => WriteRead(_paddedByField, _padded, ref _paddedTarget);

    [Benchmark(OperationsPerInvoke = Count)]
    public int PaddedPairsResolved() => WriteRead(WireCodec<List<(int, long)>>.Default, _padded, ref _paddedTarget);

    private int WriteRead<T>(IWireCodec<List<T>> codec, List<T> value, ref List<T> target)
    {
        int written = codec.Write(_buffer, value);
        return codec.Read(_buffer.AsSpan(0, written), ref target);
    }
}
