using System.Runtime.InteropServices;

namespace Timely.Bytes.Codecs;

/// <summary>
/// <c>List&lt;T&gt;</c> of any element with a codec: u64 count, then the elements.
/// Read refills the list passed in and decodes into the element instances already there
/// (a recycled <c>List&lt;List&lt;ulong&gt;&gt;</c> reuses its inner lists too); surplus
/// elements are removed, missing ones appended.
/// </summary>
internal sealed class ListCodec<T> : IWireCodec<List<T>>, ISizedWireCodec
{
    // Names the type in error messages; built once, not per call.
    private static readonly string What = "List<" + typeof(T).Name + ">";

    private readonly IWireCodec<T> _element;
    private readonly int _elementMinSize;

    public ListCodec(IWireCodec<T> element)
    {
        _element = element;
        _elementMinSize = CodecSupport.MinimumSizeOf(element);
    }

    public int MinimumSize => CodecSupport.LengthPrefix;

    public int Measure(in List<T> value)
    {
        int size = CodecSupport.LengthPrefix;
        foreach (ref readonly T item in CollectionsMarshal.AsSpan(value))
        {
            size = checked(size + _element.Measure(item));
        }

        return size;
    }

    public int Write(Span<byte> destination, in List<T> value)
    {
        CodecSupport.WriteCount(destination, value?.Count ?? 0, "list");
        int written = CodecSupport.LengthPrefix;
        foreach (ref readonly T item in CollectionsMarshal.AsSpan(value))
        {
            written += _element.Write(destination[written..], item);
        }

        return written;
    }

    public int Read(ReadOnlySpan<byte> source, ref List<T> value)
    {
        int count = CodecSupport.ReadCount(source, _elementMinSize, What);
        List<T> list = value ??= new List<T>(count);
        int reuse = Math.Min(list.Count, count);
        if (list.Count > count)
        {
            list.RemoveRange(count, list.Count - count);
        }

        int read = CodecSupport.LengthPrefix;
        Span<T> existing = CollectionsMarshal.AsSpan(list);
        for (int i = 0; i < reuse; i++)
        {
            read += _element.Read(source[read..], ref existing[i]);
        }

        if (count > reuse)
        {
            list.EnsureCapacity(count);
            for (int i = reuse; i < count; i++)
            {
                T item = default!;
                read += _element.Read(source[read..], ref item);
                list.Add(item);
            }
        }

        return read;
    }
}
