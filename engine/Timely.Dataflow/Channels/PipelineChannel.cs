using Timely.Communication;
using Timely.Dataflow.Scheduling;

namespace Timely.Dataflow.Channels;

/// <summary>
/// A pipeline edge: messages stay on the worker, in a queue owned by that worker's thread.
/// Pushing schedules the receiving operator; messages the receiver has read go to the worker's
/// <see cref="MessagePool{T, TData}"/>, and a push hands one back from there through the slot.
/// </summary>
internal sealed class PipelineChannel<T, TData> : IPush<Message<T, TData>>, IPull<Message<T, TData>>
{
    // Design: owned by one worker thread: both ends of a pipeline edge are operators of the same
    // dataflow on the same worker, so the queue needs no synchronization; pushing activates the
    // receiver in that worker's ActivationSet. Released messages go to the worker's pool, not to a
    // stack of this channel's own, so the next hop's sender can fill what this receiver released.
    private readonly Queue<Message<T, TData>> _queue = new();
    private readonly MessagePool<T, TData> _pool;
    private readonly ActivationSet _activations;
    private readonly int _target;
    private Message<T, TData>? _current;

    public PipelineChannel(ActivationSet activations, int target, MessagePool<T, TData> pool)
    {
        _activations = activations;
        _pool = pool;
        _target = target;
    }

    public void Push(ref Message<T, TData>? item)
    {
        if (item is null)
        {
            return;
        }

        _queue.Enqueue(item);
        item = _pool.TryRent();
        _activations.Activate(_target);
    }

    public void Done()
    {
    }

    public ref Message<T, TData>? Pull()
    {
        if (_current is not null)
        {
            _pool.Return(_current);
        }

        _current = _queue.TryDequeue(out var next) ? next : null;
        return ref _current;
    }
}
