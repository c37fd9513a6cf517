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

    /// <summary>The pusher specialized for <typeparamref name="THash"/>, called directly (<see cref="ExchangeRoute{TData}.CreatePusher{T}"/> says why).</summary>
    public IPush<Message<T, TData>> CreateDirect<T>(IPush<Message<T, TData>>[] targets, MessagePool<T, TData>? pool) =>
        new ExchangePusher<T, TData, THash>(targets, hash, pool ?? new MessagePool<T, TData>());

    protected override IPush<Message<T, TData>> CreateSpecialized<T>(IPush<Message<T, TData>>[] targets, MessagePool<T, TData>? pool) =>
        CreateDirect(targets, pool);
}
