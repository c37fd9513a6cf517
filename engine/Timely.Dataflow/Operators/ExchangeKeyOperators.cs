using System.Numerics;
using Timely.Bytes;
using Timely.Dataflow.Channels;

namespace Timely.Dataflow.Operators;

/// <summary>
/// Exchange by a key that is not a <see cref="ulong"/>: any integer type routes by its value
/// (<c>stream.Exchange(s => s.Length)</c>), and any equatable key by a hash that every process
/// computes alike (<c>stream.ExchangeBy(trade => trade.Symbol)</c>).
/// </summary>
public static class ExchangeKeyOperators
{
    /// <summary>
    /// Sends each record to worker <c>key(record) % peers</c>, the key of any integer type taken
    /// as its two's-complement bits (a negative key routes as the <see cref="ulong"/> of the same bits).
    /// </summary>
    public static Stream<T, TData> Exchange<[WireEncoded] T, [WireEncoded] TData, TKey>(this Stream<T, TData> stream, Func<TData, TKey> key)
        where TKey : IBinaryInteger<TKey>
    {
        ArgumentNullException.ThrowIfNull(key);
        return stream.Exchange(new IntegerKeyHash<TData, TKey>(key));
    }

    /// <summary>
    /// Sends each record to the worker its key hashes to, records with equal keys to the same
    /// worker. The hash is of the key's content, the same in every process of a cluster (not
    /// <see cref="object.GetHashCode"/>, which .NET randomizes per process for strings): a string
    /// by its UTF-16 code units, any other key by its wire encoding
    /// (<see cref="Timely.Bytes.WireCodec{T}"/>), so a key type needs a codec, as a record that
    /// crosses processes does.
    /// </summary>
    /// <exception cref="NotSupportedException">The key type has no wire codec (raised when the first record is routed).</exception>
    public static Stream<T, TData> ExchangeBy<[WireEncoded] T, [WireEncoded] TData, [WireEncoded] TKey>(this Stream<T, TData> stream, Func<TData, TKey> key)
        where TKey : IEquatable<TKey>
    {
        ArgumentNullException.ThrowIfNull(key);
        return stream.Exchange(new StableKeyHash<TData, TKey>(key));
    }
}
