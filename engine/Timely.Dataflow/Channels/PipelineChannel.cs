using Timely.Communication;
using Timely.Dataflow.Scheduling;

namespace Timely.Dataflow.Channels;

/// <summary>
/// A pipeline edge: messages stay on the worker, in a queue owned by that worker's thread.
/// Pushing schedules the receiving operator; messages the receiver has read come back to
/// the sender through the push slot.
/// </summary>
internal sealed class PipelineChannel<T, TData> : IPush<Message<T, TData>>, IPull<Message<T, TData>>
{
    // Design: owned by one worker thread: both ends of a pipeline edge are operators of the same
    // dataflow on the same worker, so the queue needs no synchronization; pushing activates the
    // receiver in that worker's ActivationSet.
    private readonly Queue<Message<T, TData>> _queue = new();
    private readonly Stack<Message<T, TData>> _recycled = new();
    private readonly ActivationSet _activations;
    private readonly int _target;
    private Message<T, TData>? _current;

    public PipelineChannel(ActivationSet activations, int target)
    {
        _activations = activations;
        _target = target;
    }

    public void Push(ref Message<T, TData>? item)
    {
        if (item is null)
        {
            return;
        }

        _queue.Enqueue(item);
        item = _recycled.TryPop(out var back) ? back : null;
        _activations.Activate(_target);
    }

    public void Done()
    {
    }

    public ref Message<T, TData>? Pull()
    {
        if (_current is not null)
        {
            _current.Data.Clear();
            _recycled.Push(_current);
        }

        _current = _queue.TryDequeue(out var next) ? next : null;
        return ref _current;
    }
}
