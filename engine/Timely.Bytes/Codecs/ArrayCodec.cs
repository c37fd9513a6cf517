namespace Timely.Bytes.Codecs;

/// <summary>
/// <c>T[]</c> of any element with a codec: u64 count, then the elements back to back.
/// Read reuses the array passed in (and the element instances in it) when the length matches.
/// </summary>
internal sealed class ArrayCodec<T> : IWireCodec<T[]>, ISizedWireCodec
{
    // Names the type in error messages; built once, not per call.
    private static readonly string What = typeof(T).Name + "[]";

    private readonly IWireCodec<T> _element;
    private readonly int _elementMinSize;

    public ArrayCodec(IWireCodec<T> element)
    {
        _element = element;
        _elementMinSize = CodecSupport.MinimumSizeOf(element);
    }

    public int MinimumSize => CodecSupport.LengthPrefix;

    public int Measure(in T[] value)
    {
        int size = CodecSupport.LengthPrefix;
        if (value is not null)
        {
            foreach (ref readonly T item in value.AsSpan())
            {
                size = checked(size + _element.Measure(item));
            }
        }

        return size;
    }

    public int Write(Span<byte> destination, in T[] value)
    {
        CodecSupport.WriteCount(destination, value?.Length ?? 0, "array");
        int written = CodecSupport.LengthPrefix;
        if (value is not null)
        {
            foreach (ref readonly T item in value.AsSpan())
            {
                written += _element.Write(destination[written..], item);
            }
        }

        return written;
    }

    public int Read(ReadOnlySpan<byte> source, ref T[] value)
    {
        int count = CodecSupport.ReadCount(source, _elementMinSize, What);
        if (value is null || value.Length != count)
        {
            value = count == 0 ? [] : new T[count];
        }

        int read = CodecSupport.LengthPrefix;
        for (int i = 0; i < count; i++)
        {
            read += _element.Read(source[read..], ref value[i]);
        }

        return read;
    }
}
