using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Timely.Bytes.Codecs;

/// <summary>
/// <c>List&lt;(T1, T2)&gt;</c> of a <see cref="PackedPairCodec{T1, T2}"/> pair: u64 count, then the
/// pairs at a fixed stride, written and read in one loop (the bytes of
/// <see cref="ListCodec{T}"/> over <see cref="TupleCodec{T1, T2}"/>). Read clears and refills the
/// list passed in, so a recycled list with enough capacity decodes with no allocation.
/// </summary>
internal sealed class PackedPairListCodec<T1, T2> : IWireCodec<List<ValueTuple<T1, T2>>>, ISizedWireCodec
{
    // Names the type in error messages; built once, not per call.
    private static readonly string What = "List<(" + typeof(T1).Name + ", " + typeof(T2).Name + ")>";

    public int MinimumSize => CodecSupport.LengthPrefix;

    public int Measure(in List<ValueTuple<T1, T2>> value) =>
        CodecSupport.LengthPrefix + checked((value?.Count ?? 0) * PackedPairCodec<T1, T2>.Size);

    public int Write(Span<byte> destination, in List<ValueTuple<T1, T2>> value)
    {
        ReadOnlySpan<ValueTuple<T1, T2>> items = CollectionsMarshal.AsSpan(value);
        int size = PackedPairCodec<T1, T2>.Size;
        int length = CodecSupport.LengthPrefix + checked(items.Length * size);
        if (destination.Length < length)
        {
            ThrowHelper.ThrowDestinationTooSmall(What, 0, length, destination.Length);
        }

        CodecSupport.WriteCount(destination, items.Length, "list");
        ref byte at = ref Unsafe.Add(ref MemoryMarshal.GetReference(destination), CodecSupport.LengthPrefix);
        foreach (ref readonly var item in items)
        {
            PackedPairCodec<T1, T2>.Put(ref at, item);
            at = ref Unsafe.Add(ref at, size);
        }

        return length;
    }

    public int Read(ReadOnlySpan<byte> source, ref List<ValueTuple<T1, T2>> value)
    {
        int size = PackedPairCodec<T1, T2>.Size;
        int count = CodecSupport.ReadCount(source, size, What);
        List<ValueTuple<T1, T2>> list = value ??= new List<ValueTuple<T1, T2>>(count);
        list.Clear();
        CollectionsMarshal.SetCount(list, count);
        ref byte at = ref Unsafe.Add(ref MemoryMarshal.GetReference(source), CodecSupport.LengthPrefix);
        foreach (ref var item in CollectionsMarshal.AsSpan(list))
        {
            item = PackedPairCodec<T1, T2>.Get(ref at);
            at = ref Unsafe.Add(ref at, size);
        }

        return CodecSupport.LengthPrefix + (count * size);
    }
}
