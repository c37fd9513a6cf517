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
    public abstract IPush<Message<T, TData>> CreatePusher<T>(IPush<Message<T, TData>>[] targets, MessagePool<T, TData>? pool = null);
}
