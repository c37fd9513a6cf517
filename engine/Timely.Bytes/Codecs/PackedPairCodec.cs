using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Timely.Bytes.Codecs;

/// <summary>
/// <c>(T1, T2)</c> of two copied-as-memory fields whose tuple is not itself its fields back to back
/// (<c>(int, long)</c> has 4 bytes of padding in memory, 12 on the wire): the fields written at
/// fixed offsets 0 and <c>sizeof(T1)</c>, the same bytes as <see cref="TupleCodec{T1, T2}"/>, with
/// no interface call per field. Its list codec (<see cref="PackedPairListCodec{T1, T2}"/>) writes
/// a whole batch in one loop.
/// </summary>
internal sealed class PackedPairCodec<T1, T2> : IWireCodec<ValueTuple<T1, T2>>, ISizedWireCodec, ISequenceCodecSource<ValueTuple<T1, T2>>
{
    // Names the type in error messages; built once, not per call.
    private static readonly string What = "(" + typeof(T1).Name + ", " + typeof(T2).Name + ")";

    /// <summary>Bytes of one pair on the wire.</summary>
    public static int Size => Unsafe.SizeOf<T1>() + Unsafe.SizeOf<T2>();

    public int MinimumSize => Size;

    public int Measure(in ValueTuple<T1, T2> value) => Size;

    public int Write(Span<byte> destination, in ValueTuple<T1, T2> value)
    {
        if (destination.Length < Size)
        {
            ThrowHelper.ThrowDestinationTooSmall(What, 0, Size, destination.Length);
        }

        Put(ref MemoryMarshal.GetReference(destination), value);
        return Size;
    }

    public int Read(ReadOnlySpan<byte> source, ref ValueTuple<T1, T2> value)
    {
        if (source.Length < Size)
        {
            ThrowHelper.ThrowTruncated(What, 0, Size, source.Length);
        }

        value = Get(ref MemoryMarshal.GetReference(source));
        return Size;
    }

    public IWireCodec<List<ValueTuple<T1, T2>>> CreateListCodec() => new PackedPairListCodec<T1, T2>();

    /// <summary>Writes <paramref name="value"/>'s fields back to back at <paramref name="at"/>; the caller has checked the room.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Put(ref byte at, in ValueTuple<T1, T2> value)
    {
        Unsafe.WriteUnaligned(ref at, value.Item1);
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref at, Unsafe.SizeOf<T1>()), value.Item2);
    }

    /// <summary>Reads a pair written by <see cref="Put"/> at <paramref name="at"/>; the caller has checked the length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ValueTuple<T1, T2> Get(ref readonly byte at) =>
        (Unsafe.ReadUnaligned<T1>(in at), Unsafe.ReadUnaligned<T2>(in Unsafe.Add(ref Unsafe.AsRef(in at), Unsafe.SizeOf<T1>())));
}
