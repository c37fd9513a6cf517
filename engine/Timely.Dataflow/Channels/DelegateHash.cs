namespace Timely.Dataflow.Channels;

/// <summary>A <see cref="Func{T, TResult}"/> as an <see cref="IExchangeHash{TData}"/>.</summary>
internal readonly struct DelegateHash<TData>(Func<TData, ulong> hash) : IExchangeHash<TData>
{
    // Design: an immutable value around the user's delegate, called on the worker thread that
    // exchanges.

    public ulong Hash(TData item) => hash(item);
}
