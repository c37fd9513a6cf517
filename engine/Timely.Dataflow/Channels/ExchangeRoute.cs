using Timely.Communication;

namespace Timely.Dataflow.Channels;

/// <summary>
/// What an exchange pact knows about its hash beyond the delegate: how to build the pusher
/// specialized for it. The pact is generic in the records only; the timestamp type is known
/// when a stream connects, so the pusher is made by a generic method, once per edge.
/// </summary>
internal abstract class ExchangeRoute<TData>
{
    public abstract IPush<Message<T, TData>> CreatePusher<T>(IPush<Message<T, TData>>[] targets);
}

/// <summary>
/// An exchange by a struct hash: the pusher is specialized for <typeparamref name="THash"/>. A
/// delegate hash comes as <see cref="DelegateHash{TData}"/>, so both share the pusher's code.
/// </summary>
internal sealed class StructExchangeRoute<TData, THash>(THash hash) : ExchangeRoute<TData>
    where THash : struct, IExchangeHash<TData>
{
    public override IPush<Message<T, TData>> CreatePusher<T>(IPush<Message<T, TData>>[] targets) =>
        new ExchangePusher<T, TData, THash>(targets, hash);
}

/// <summary>A <see cref="Func{T, TResult}"/> as an <see cref="IExchangeHash{TData}"/>.</summary>
internal readonly struct DelegateHash<TData>(Func<TData, ulong> hash) : IExchangeHash<TData>
{
    public ulong Hash(TData item) => hash(item);
}
