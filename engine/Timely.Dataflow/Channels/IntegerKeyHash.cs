using System.Numerics;

namespace Timely.Dataflow.Channels;

/// <summary>An integer key of any width as an <see cref="IExchangeHash{TData}"/>: its bits as a <see cref="ulong"/>.</summary>
internal readonly struct IntegerKeyHash<TData, TKey>(Func<TData, TKey> key) : IExchangeHash<TData>
    where TKey : IBinaryInteger<TKey>
{
    // Design: an immutable value around the user's delegate, called on the worker thread that exchanges.

    public ulong Hash(TData item) => ulong.CreateTruncating(key(item));
}
