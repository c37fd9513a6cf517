using System.Runtime.CompilerServices;

namespace Timely.Bytes.Codecs;

/// <summary>
/// Whether a tuple of copied-as-memory fields can be copied as memory itself: bincode writes a
/// tuple's fields back to back, so when the tuple's memory in this process is exactly its fields
/// back to back (in order, no padding) its bytes are already the wire bytes, and a list of them
/// crosses a ring as one block copy each way instead of two codec calls per record.
/// </summary>
/// <remarks>
/// <c>ValueTuple</c> is declared <c>LayoutKind.Auto</c>, so the runtime may reorder or pad its
/// fields; the check therefore measures the offsets the runtime chose, once per type, rather
/// than assuming them. <c>(ulong, ulong)</c>, <c>(uint, uint)</c> and <c>(int, int)</c> pass on this
/// runtime; <c>(int, long)</c> (4 bytes of padding) and <c>((int, int), long)</c> (the runtime puts
/// the long first) do not, and go through <see cref="PackedPairCodec{T1, T2}"/>. A process
/// whose runtime lays a tuple out otherwise takes the field-by-field codec and writes the same
/// bytes, so two processes need not agree on the choice.
/// </remarks>
internal static class TupleLayout
{
    /// <summary>Whether <typeparamref name="T"/>'s codec is the in-memory copy (no registered codec replaces it).</summary>
    public static bool IsCopied<T>() => WireCodec<T>.Default is UnmanagedCodec<T>;

    /// <summary>Whether <c>(T1, T2)</c> is its two copied fields back to back in memory.</summary>
    public static bool IsPacked<T1, T2>()
    {
        if (!IsCopied<T1>() || !IsCopied<T2>() || Unsafe.SizeOf<ValueTuple<T1, T2>>() != Unsafe.SizeOf<T1>() + Unsafe.SizeOf<T2>())
        {
            return false;
        }

        var value = default(ValueTuple<T1, T2>);
        ref byte start = ref Unsafe.As<ValueTuple<T1, T2>, byte>(ref value);
        return Offset(ref start, ref value.Item1) == 0
            && Offset(ref start, ref value.Item2) == Unsafe.SizeOf<T1>();
    }

    /// <summary>Whether <c>(T1, T2, T3)</c> is its three copied fields back to back in memory.</summary>
    public static bool IsPacked<T1, T2, T3>()
    {
        if (!IsCopied<T1>() || !IsCopied<T2>() || !IsCopied<T3>()
            || Unsafe.SizeOf<ValueTuple<T1, T2, T3>>() != Unsafe.SizeOf<T1>() + Unsafe.SizeOf<T2>() + Unsafe.SizeOf<T3>())
        {
            return false;
        }

        var value = default(ValueTuple<T1, T2, T3>);
        ref byte start = ref Unsafe.As<ValueTuple<T1, T2, T3>, byte>(ref value);
        return Offset(ref start, ref value.Item1) == 0
            && Offset(ref start, ref value.Item2) == Unsafe.SizeOf<T1>()
            && Offset(ref start, ref value.Item3) == Unsafe.SizeOf<T1>() + Unsafe.SizeOf<T2>();
    }

    /// <summary>Whether <c>(T1, T2, T3, T4)</c> is its four copied fields back to back in memory.</summary>
    public static bool IsPacked<T1, T2, T3, T4>()
    {
        if (!IsCopied<T1>() || !IsCopied<T2>() || !IsCopied<T3>() || !IsCopied<T4>()
            || Unsafe.SizeOf<ValueTuple<T1, T2, T3, T4>>() != Unsafe.SizeOf<T1>() + Unsafe.SizeOf<T2>() + Unsafe.SizeOf<T3>() + Unsafe.SizeOf<T4>())
        {
            return false;
        }

        var value = default(ValueTuple<T1, T2, T3, T4>);
        ref byte start = ref Unsafe.As<ValueTuple<T1, T2, T3, T4>, byte>(ref value);
        return Offset(ref start, ref value.Item1) == 0
            && Offset(ref start, ref value.Item2) == Unsafe.SizeOf<T1>()
            && Offset(ref start, ref value.Item3) == Unsafe.SizeOf<T1>() + Unsafe.SizeOf<T2>()
            && Offset(ref start, ref value.Item4) == Unsafe.SizeOf<T1>() + Unsafe.SizeOf<T2>() + Unsafe.SizeOf<T3>();
    }

    private static nint Offset<TField>(ref byte start, ref TField field) =>
        Unsafe.ByteOffset(ref start, ref Unsafe.As<TField, byte>(ref field));
}
