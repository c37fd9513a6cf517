namespace Timely.Communication;

/// <summary>Pushes one item to every target; used by <see cref="Allocator.Broadcast{T}"/>.</summary>
internal sealed class BroadcastPusher<T> : IPush<T>
    where T : class
{
    private readonly IPush<T>[] _targets;
    private readonly Func<T, T>? _clone;

    public BroadcastPusher(IPush<T>[] targets, Func<T, T>? clone)
    {
        _targets = targets;
        _clone = clone;
    }

    public void Push(ref T? item)
    {
        if (item is null)
        {
            Done();
            return;
        }

        T value = item;
        for (int i = 0; i < _targets.Length; i++)
        {
            // The last target may take the original; the others get copies (or the same
            // immutable instance when no clone function was given).
            T? copy = (i == _targets.Length - 1 || _clone is null) ? value : _clone(value);
            _targets[i].Push(ref copy);
        }

        // Nothing is handed back: recycled buffers from one target cannot be trusted to be
        // exclusive to this sender's next item across all targets.
        item = default;
    }

    public void Done()
    {
        foreach (var t in _targets)
        {
            t.Done();
        }
    }
}
