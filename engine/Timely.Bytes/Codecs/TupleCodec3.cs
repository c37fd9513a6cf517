namespace Timely.Bytes.Codecs;

/// <summary><c>(T1, T2, T3)</c>: the fields back to back (see <see cref="TupleCodec{T1, T2}"/>).</summary>
internal sealed class TupleCodec<T1, T2, T3> : IWireCodec<ValueTuple<T1, T2, T3>>, ISizedWireCodec
{
    private readonly IWireCodec<T1> _c1;
    private readonly IWireCodec<T2> _c2;
    private readonly IWireCodec<T3> _c3;

    public TupleCodec(IWireCodec<T1> c1, IWireCodec<T2> c2, IWireCodec<T3> c3)
    {
        _c1 = c1;
        _c2 = c2;
        _c3 = c3;
        MinimumSize = CodecSupport.MinimumSizeOf(c1) + CodecSupport.MinimumSizeOf(c2) + CodecSupport.MinimumSizeOf(c3);
    }

    public int MinimumSize { get; }

    public int Measure(in ValueTuple<T1, T2, T3> value) =>
        checked(_c1.Measure(value.Item1) + _c2.Measure(value.Item2) + _c3.Measure(value.Item3));

    public int Write(Span<byte> destination, in ValueTuple<T1, T2, T3> value)
    {
        int n = _c1.Write(destination, value.Item1);
        n += _c2.Write(destination[n..], value.Item2);
        return n + _c3.Write(destination[n..], value.Item3);
    }

    public int Read(ReadOnlySpan<byte> source, ref ValueTuple<T1, T2, T3> value)
    {
        int n = _c1.Read(source, ref value.Item1);
        n += _c2.Read(source[n..], ref value.Item2);
        return n + _c3.Read(source[n..], ref value.Item3);
    }
}
