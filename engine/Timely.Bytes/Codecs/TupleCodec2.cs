namespace Timely.Bytes.Codecs;

/// <summary>
/// <c>(T1, T2)</c> as bincode writes a Rust tuple: the fields back to back, each through its own
/// codec. A pair of copied-as-memory fields takes a faster codec with the same bytes: the
/// in-memory copy when the tuple is its fields back to back, else <see cref="PackedPairCodec{T1, T2}"/>
/// (<c>(byte, ulong)</c> has 7 padding bytes in memory; see <see cref="TupleLayout"/>).
/// </summary>
internal sealed class TupleCodec<T1, T2> : IWireCodec<ValueTuple<T1, T2>>, ISizedWireCodec
{
    private readonly IWireCodec<T1> _c1;
    private readonly IWireCodec<T2> _c2;

    public TupleCodec(IWireCodec<T1> c1, IWireCodec<T2> c2)
    {
        _c1 = c1;
        _c2 = c2;
        MinimumSize = CodecSupport.MinimumSizeOf(c1) + CodecSupport.MinimumSizeOf(c2);
    }

    public int MinimumSize { get; }

    public int Measure(in ValueTuple<T1, T2> value) => checked(_c1.Measure(value.Item1) + _c2.Measure(value.Item2));

    public int Write(Span<byte> destination, in ValueTuple<T1, T2> value)
    {
        int n = _c1.Write(destination, value.Item1);
        return n + _c2.Write(destination[n..], value.Item2);
    }

    public int Read(ReadOnlySpan<byte> source, ref ValueTuple<T1, T2> value)
    {
        int n = _c1.Read(source, ref value.Item1);
        return n + _c2.Read(source[n..], ref value.Item2);
    }
}
