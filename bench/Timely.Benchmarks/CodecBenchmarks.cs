using BenchmarkDotNet.Attributes;
using Timely.Bytes;

namespace Timely.Benchmarks;

/// <summary>
/// Encode then decode one batch through <see cref="WireCodec{T}.Default"/>, decoding into
/// a recycled list as the channel code does. Figures are per element (OperationsPerInvoke);
/// the u64 case must show 0 B allocated, the string case one string per element.
/// </summary>
[MemoryDiagnoser]
public class CodecBenchmarks
{
    private const int U64Count = 1000;
    private const int StringCount = 100;

    private readonly List<ulong> _u64s = [];
    private readonly List<string> _strings = [];
    private List<ulong> _u64Target = new(U64Count);
    private List<string> _stringTarget = new(StringCount);
    private byte[] _buffer = [];

    [GlobalSetup]
    public void Setup()
    {
        for (int i = 0; i < U64Count; i++)
        {
            _u64s.Add((ulong)i * 2654435761UL);
        }

        for (int i = 0; i < StringCount; i++)
        {
            _strings.Add("hello, " + i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        _buffer = new byte[Math.Max(WireCodec<List<ulong>>.Default.Measure(_u64s), WireCodec<List<string>>.Default.Measure(_strings))];
    }

    [Benchmark(OperationsPerInvoke = U64Count)]
    public int WriteReadListOfU64()
    {
        IWireCodec<List<ulong>> codec = WireCodec<List<ulong>>.Default;
        int written = codec.Write(_buffer, _u64s);
        return codec.Read(_buffer.AsSpan(0, written), ref _u64Target);
    }

    [Benchmark(OperationsPerInvoke = StringCount)]
    public int WriteReadListOfString()
    {
        IWireCodec<List<string>> codec = WireCodec<List<string>>.Default;
        int written = codec.Write(_buffer, _strings);

        // Clear so each read decodes fresh strings (the steady state of a receiver that
        // hands its batch on), instead of matching the previous batch's instances.
        _stringTarget.Clear();
        return codec.Read(_buffer.AsSpan(0, written), ref _stringTarget);
    }
}
