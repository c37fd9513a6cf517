namespace Timely.Bytes.Codecs;

/// <summary>
/// <c>T?</c> for a value type, as bincode writes Rust's <c>Option&lt;T&gt;</c>: one tag byte
/// (0 = None, 1 = Some) then the value. Not a memory copy: <c>Nullable&lt;T&gt;</c> carries
/// padding after its flag and would put undefined bytes on the wire.
/// </summary>
internal sealed class NullableCodec<T> : IWireCodec<T?>, ISizedWireCodec
    where T : struct
{
    private readonly IWireCodec<T> _value;

    public NullableCodec(IWireCodec<T> value) => _value = value;

    public int MinimumSize => 1;

    public int Measure(in T? value) => value.HasValue ? 1 + _value.Measure(value.GetValueOrDefault()) : 1;

    public int Write(Span<byte> destination, in T? value)
    {
        if (destination.IsEmpty)
        {
            ThrowHelper.ThrowDestinationTooSmall("option tag", 0, 1, 0);
        }

        if (!value.HasValue)
        {
            destination[0] = 0;
            return 1;
        }

        destination[0] = 1;
        T inner = value.GetValueOrDefault();
        return 1 + _value.Write(destination[1..], inner);
    }

    public int Read(ReadOnlySpan<byte> source, ref T? value)
    {
        if (source.IsEmpty)
        {
            ThrowHelper.ThrowTruncated("option tag", 0, 1, 0);
        }

        byte tag = source[0];
        if (tag == 0)
        {
            value = null;
            return 1;
        }

        if (tag != 1)
        {
            ThrowHelper.ThrowInvalidOptionTag(tag, 0);
        }

        T inner = value.GetValueOrDefault();
        int n = _value.Read(source[1..], ref inner);
        value = inner;
        return 1 + n;
    }
}
