using Timely.Communication;

namespace Timely.Dataflow.Channels;

/// <summary>
/// An exchange by a struct hash: the pusher is specialized for <typeparamref name="THash"/>. A
/// delegate hash comes as <see cref="DelegateHash{TData}"/>, so both share the pusher's code.
/// </summary>
internal sealed class StructExchangeRoute<TData, THash>(THash hash) : ExchangeRoute<TData>
    where THash : struct, IExchangeHash<TData>
{
    // Design: immutable; makes one pusher per edge on the worker thread that connects the stream.

    public override IPush<Message<T, TData>> CreatePusher<T>(IPush<Message<T, TData>>[] targets, MessagePool<T, TData>? pool = null) =>
        new ExchangePusher<T, TData, THash>(targets, hash, pool ?? new MessagePool<T, TData>());
}
