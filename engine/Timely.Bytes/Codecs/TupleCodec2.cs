namespace Timely.Bytes.Codecs;

/// <summary>
/// <c>(T1, T2)</c> as bincode writes a Rust tuple: the fields back to back. Never a memory
/// copy even when both fields are unmanaged: <c>(byte, ulong)</c> has 7 padding bytes in memory.
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
