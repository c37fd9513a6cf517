using System.Buffers;
using System.Runtime.InteropServices;
using Timely.Bytes;

namespace Timely.Dataflow.Channels;

/// <summary>
/// A key hashed by its content, alike in every process: a string by its UTF-16 code units, any
/// other key by its wire encoding. FNV-1a over the bytes, then a 64-bit finalizer, because the
/// exchange routes by the low bits (a mask when the worker count is a power of two).
/// </summary>
internal readonly struct StableKeyHash<TData, TKey>(Func<TData, TKey> key) : IExchangeHash<TData>
    where TKey : IEquatable<TKey>
{
    // Design: an immutable value around the user's delegate, called on the worker thread that
    // exchanges; the encoding buffer is on the stack, or rented for a key over 256 bytes.

    public ulong Hash(TData item) => Of(key(item));

    /// <summary>The content hash of <paramref name="value"/>.</summary>
    public static ulong Of(TKey value)
    {
        if (typeof(TKey) == typeof(string))
        {
            var text = (string)(object)value!;
            return Mix(Fnv(MemoryMarshal.AsBytes(text.AsSpan())));
        }

        var codec = WireCodec<TKey>.Default;
        int size = codec.Measure(value);
        if (size <= 256)
        {
            Span<byte> buffer = stackalloc byte[256];
            int written = codec.Write(buffer, value);
            return Mix(Fnv(buffer[..written]));
        }

        var rented = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            int written = codec.Write(rented, value);
            return Mix(Fnv(rented.AsSpan(0, written)));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static ulong Fnv(ReadOnlySpan<byte> bytes)
    {
        ulong hash = 14695981039346656037UL;
        foreach (byte b in bytes)
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return hash;
    }

    /// <summary>MurmurHash3's 64-bit finalizer: every input bit reaches the low bits.</summary>
    private static ulong Mix(ulong h)
    {
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdUL;
        h ^= h >> 33;
        h *= 0xc4ceb9a53ca5e63bUL;
        h ^= h >> 33;
        return h;
    }
}
