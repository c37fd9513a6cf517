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
    // counts, a scope's pending progress, a tracker's work).

    // Below this size a batch is never compacted on insert: sorting a handful of entries
    // each time would cost more than the duplicates do (timely uses the same bound).
    private const int CompactThreshold = 32;

    private (T Item, long Diff)[] _updates;
    private int _count;

    // The prefix [0, _clean) is sorted, has distinct items and no zero counts.
    private int _clean;

    // An operator's batch: told when the batch goes from empty to holding something, so the
    // scope's harvest knows which operators to look at. Null for every other batch.
    private BatchWatch? _watch;

    /// <summary>An empty batch.</summary>
    public ChangeBatch()
        : this(4)
    {
    }

    /// <summary>An empty batch with room for <paramref name="capacity"/> updates.</summary>
    public ChangeBatch(int capacity)
    {
        _updates = new (T, long)[Math.Max(capacity, 1)];
    }

    /// <summary>Whether the batch is empty once compacted (compacts if it must).</summary>
    public bool IsEmpty
    {
        get
        {
            if (_clean == _count)
            {
                return _count == 0;
            }

            Compact();
            return _count == 0;
        }
    }

    /// <summary>Adds <paramref name="diff"/> to the count of <paramref name="item"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Update(T item, long diff)
    {
        if (diff == 0)
        {
            return;
        }

        if ((uint)_count >= (uint)_updates.Length)
        {
            Grow();
        }

        if (_count == 0)
        {
            _watch?.Mark();
        }

        _updates[_count++] = (item, diff);
        if (_count > CompactThreshold && _clean <= _count / 2)
        {
            Compact();
        }
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
    public ReadOnlySpan<(T Item, long Diff)> Compacted()
    {
        Compact();
        return new ReadOnlySpan<(T, long)>(_updates, 0, _count);
    }

    /// <summary>
    /// Moves every update into <paramref name="other"/> and leaves this batch empty (timely's
    /// <c>drain_into</c>). When <paramref name="other"/> is empty the buffers are swapped, so
    /// nothing is copied.
    /// </summary>
    public void DrainInto(ChangeBatch<T> other)
    {
        if (other._count == 0)
        {
            if (_count > 0)
            {
                other._watch?.Mark();
            }

            (_updates, other._updates) = (other._updates, _updates);
            (_count, other._count) = (0, _count);
            (_clean, other._clean) = (0, _clean);
            return;
        }

        for (int i = 0; i < _count; i++)
        {
            other.Update(_updates[i].Item, _updates[i].Diff);
        }

        Clear();
    }

    /// <summary>Has <paramref name="watch"/> told whenever the batch goes from empty to holding something (once, when the batch's scope is built).</summary>
    internal void WatchBy(BatchWatch watch)
    {
        _watch = watch;
        if (_count > 0)
        {
            watch.Mark();
        }
    }

    /// <summary>Removes every update.</summary>
    public void Clear()
    {
        if (RuntimeHelpers.IsReferenceOrContainsReferences<(T, long)>())
        {
            Array.Clear(_updates, 0, _count);
        }

        _count = 0;
        _clean = 0;
    }

    /// <summary>Sorts, merges equal items and drops zero counts.</summary>
    public void Compact()
    {
        if (_clean == _count)
        {
            return;
        }

        var span = new Span<(T Item, long Diff)>(_updates, 0, _count);
        if (span.Length <= SmallSort)
        {
            InsertionSort(span);
        }
        else
        {
            span.Sort(ByItem);
        }

        var comparer = EqualityComparer<T>.Default;
        int write = 0;
        int read = 0;
        while (read < span.Length)
        {
            T item = span[read].Item;
            long sum = span[read].Diff;
            read++;
            while (read < span.Length && comparer.Equals(span[read].Item, item))
            {
                sum += span[read].Diff;
                read++;
            }

            if (sum != 0)
            {
                span[write++] = (item, sum);
            }
        }

        if (RuntimeHelpers.IsReferenceOrContainsReferences<(T, long)>())
        {
            span[write..].Clear();
        }

        _count = write;
        _clean = write;
    }

    // Progress batches are mostly a handful of entries; an inline insertion sort with the
    // devirtualized default comparer avoids the delegate call per comparison of Span.Sort
    // (whose own cut-over to insertion sort is 16 elements, too).
    private const int SmallSort = 16;

    private static void InsertionSort(Span<(T Item, long Diff)> span)
    {
        for (int i = 1; i < span.Length; i++)
        {
            var current = span[i];
            int j = i - 1;
            while (j >= 0 && Comparer<T>.Default.Compare(span[j].Item, current.Item) > 0)
            {
                span[j + 1] = span[j];
                j--;
            }

            span[j + 1] = current;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Grow() => Array.Resize(ref _updates, _updates.Length * 2);

    // A cached static delegate: Span.Sort with a struct IComparer boxes it and wraps it in a
    // new Comparison on every call, which showed up as ~1 KB per worker step in `barrier`.
    private static readonly Comparison<(T Item, long Diff)> ByItem = static (x, y) => Comparer<T>.Default.Compare(x.Item, y.Item);
}
