using Timely.Communication;

namespace Timely.Dataflow.Channels;

/// <summary>
/// What an exchange pact knows about its hash beyond the delegate: how to build the pusher
/// specialized for it. The pact is generic in the records only; the timestamp type is known
/// when a stream connects, so the pusher is made by a generic method, once per edge.
/// </summary>
internal abstract class ExchangeRoute<TData>
{
    /// <summary>The pusher to <paramref name="targets"/>; it takes a new message from <paramref name="pool"/> when a target hands none back.</summary>
    /// <remarks>
    /// Not itself virtual: under Native AOT a generic virtual method's first call per
    /// instantiation resolves its target through the type loader, which builds the
    /// instantiation at run time (2.0% of the samples of a native shm x2 `wordcount`, perf record
    /// over 30 runs, at its one exchange). A delegate's route, what <see cref="Pact{TData}.Exchange(Func{TData, ulong})"/>
    /// makes, is known here and called directly; a struct hash's route, whose hash type only
    /// it knows, still goes through <see cref="CreateSpecialized{T}"/>.
    /// </remarks>
    public IPush<Message<T, TData>> CreatePusher<T>(IPush<Message<T, TData>>[] targets, MessagePool<T, TData>? pool = null) =>
        this is StructExchangeRoute<TData, DelegateHash<TData>> byDelegate
            ? byDelegate.CreateDirect(targets, pool)
            : CreateSpecialized(targets, pool);

    /// <summary><see cref="CreatePusher{T}"/> for a route the base class does not know.</summary>
    protected abstract IPush<Message<T, TData>> CreateSpecialized<T>(IPush<Message<T, TData>>[] targets, MessagePool<T, TData>? pool);
}
