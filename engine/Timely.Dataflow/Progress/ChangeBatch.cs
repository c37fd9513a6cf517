using System.Runtime.CompilerServices;

namespace Timely.Dataflow.Progress;

/// <summary>
/// A collection of (item, count) updates that compacts lazily: timely's <c>ChangeBatch</c>.
/// Updates are appended; equal items are merged and zero counts dropped only when the
/// batch is read or when more than half of it is unconsolidated, so a burst of updates
/// costs amortized O(log n) each and no allocation once the buffer has grown.
/// </summary>
/// <remarks>
/// Items are ordered by <see cref="Comparer{T}.Default"/>; that order only has to be total
/// and consistent with equality, it is not the timestamp partial order. Not thread-safe.
/// </remarks>
public sealed class ChangeBatch<T>
{
    // Design: not thread-safe and not shared: each batch belongs to one worker thread (an operator's
    // counts, a scope's pending progress, a tracker's work). The storage and compaction are a
    // struct (ChangeBatchCore) so that a MutableAntichain can hold the same inline.
    private ChangeBatchCore<T> _core;

    // An operator's batch: told when the batch goes from empty to holding something, so the
    // scope's harvest knows which operators to look at. Null for every other batch.
    private BatchWatch? _watch;

    /// <summary>An empty batch; its buffer is allocated at the first update (an operator's batches of ports that never see progress stay empty).</summary>
    public ChangeBatch()
    {
    }

    /// <summary>An empty batch with room for <paramref name="capacity"/> updates.</summary>
    public ChangeBatch(int capacity)
    {
        _core = new ChangeBatchCore<T>(capacity);
    }

    /// <summary>Whether the batch is empty once compacted (compacts if it must).</summary>
    public bool IsEmpty => _core.IsEmpty;

    /// <summary>Adds <paramref name="diff"/> to the count of <paramref name="item"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Update(T item, long diff)
    {
        if (diff == 0)
        {
            return;
        }

        if (_core.Count == 0)
        {
            _watch?.Mark();
        }

        _core.Update(item, diff);
    }

    /// <summary>Adds every update in <paramref name="updates"/>.</summary>
    public void Extend(ReadOnlySpan<(T Item, long Diff)> updates)
    {
        foreach (var (item, diff) in updates)
        {
            Update(item, diff);
        }
    }

    /// <summary>The compacted updates: sorted, distinct items, no zero counts. Valid until the next change.</summary>
    public ReadOnlySpan<(T Item, long Diff)> Compacted() => _core.Compacted();

    /// <summary>
    /// Moves every update into <paramref name="other"/> and leaves this batch empty (timely's
    /// <c>drain_into</c>). When <paramref name="other"/> is empty the buffers are swapped, so
    /// nothing is copied.
    /// </summary>
    public void DrainInto(ChangeBatch<T> other)
    {
        if (other._core.Count == 0)
        {
            if (_core.Count > 0)
            {
                other._watch?.Mark();
            }

            // The swap leaves this batch with other's empty buffer: clean, nothing to clear.
            _core.Swap(ref other._core);
            return;
        }

        foreach (var (item, diff) in _core.Raw)
        {
            other.Update(item, diff);
        }

        Clear();
    }

    /// <summary>Has <paramref name="watch"/> told whenever the batch goes from empty to holding something (once, when the batch's scope is built).</summary>
    internal void WatchBy(BatchWatch watch)
    {
        _watch = watch;
        if (_core.Count > 0)
        {
            watch.Mark();
        }
    }

    /// <summary>Removes every update.</summary>
    public void Clear() => _core.Clear();

    /// <summary>Sorts, merges equal items and drops zero counts.</summary>
    public void Compact() => _core.Compact();
}
