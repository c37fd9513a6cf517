using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Timely.Dataflow.Progress;

/// <summary>
/// The storage and compaction of a <see cref="ChangeBatch{T}"/>, as a struct its owner holds inline:
/// a <see cref="MutableAntichain{T}"/> keeps one in its own object rather than a batch object of its
/// own, so a port's counts cost the antichain's lines and one array, not a second object between them.
/// </summary>
/// <remarks>
/// A mutable struct: only ever used as a field (never copied), and every member is called on
/// that field in place. The buffer is allocated at the first update: most antichains of a
/// dataflow (the pointstamps of ports no capability or message ever reaches) stay empty.
/// </remarks>
internal struct ChangeBatchCore<T>
{
    // Below this size a batch is never compacted on insert: sorting a handful of entries
    // each time would cost more than the duplicates do (timely uses the same bound).
    private const int CompactThreshold = 32;

    // Progress batches are mostly a handful of entries; an inline insertion sort with the
    // devirtualized default comparer avoids the delegate call per comparison of Span.Sort
    // (whose own cut-over to insertion sort is 16 elements, too).
    private const int SmallSort = 16;

    // Room of the first buffer: a port's counts hold one or two times between compactions.
    private const int FirstCapacity = 4;

    // A cached static delegate: Span.Sort with a struct IComparer boxes it and wraps it in a
    // new Comparison on every call, which showed up as ~1 KB per worker step in `barrier`.
    private static readonly Comparison<(T Item, long Diff)> ByItem = static (x, y) => Comparer<T>.Default.Compare(x.Item, y.Item);

    private (T Item, long Diff)[]? _updates;
    private int _count;

    // The prefix [0, _clean) is sorted, has distinct items and no zero counts.
    private int _clean;

    /// <summary>A core whose first buffer holds <paramref name="capacity"/> updates.</summary>
    public ChangeBatchCore(int capacity)
    {
        _updates = new (T, long)[Math.Max(capacity, 1)];
    }

    /// <summary>Updates held, compacted or not.</summary>
    public readonly int Count => _count;

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

    /// <summary>Adds <paramref name="diff"/> (not zero) to the count of <paramref name="item"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Update(T item, long diff)
    {
        var updates = _updates;
        if (updates is null || (uint)_count >= (uint)updates.Length)
        {
            updates = Grow();
        }

        updates[_count++] = (item, diff);
        if (_count > CompactThreshold && _clean <= _count / 2)
        {
            Compact();
        }
    }

    /// <summary>
    /// Adds <paramref name="diff"/> (not zero) to the count of <paramref name="item"/> in a batch kept
    /// compacted (every update of it through here), and returns the item's new count: the item's
    /// entry is found by a scan in sorted order and changed, removed at zero, or inserted.
    /// </summary>
    /// <remarks>A total order's antichain holds one or two times between updates, so the scan is
    /// a compare or two and the shift a copy of one entry, against a sort and merge per update.</remarks>
    public long UpdateSorted(T item, long diff)
    {
        Debug.Assert(_clean == _count, "a batch updated in sorted order stays compacted");
        var updates = _updates;
        int count = _count;
        int i = 0;
        if (updates is not null)
        {
            for (; i < count; i++)
            {
                int order = Comparer<T>.Default.Compare(updates[i].Item, item);
                if (order == 0)
                {
                    long sum = updates[i].Diff + diff;
                    if (sum != 0)
                    {
                        updates[i].Diff = sum;
                        return sum;
                    }

                    // A loop, not Array.Copy: the shift is an entry or two, below the call's own cost.
                    for (int j = i + 1; j < count; j++)
                    {
                        updates[j - 1] = updates[j];
                    }

                    if (RuntimeHelpers.IsReferenceOrContainsReferences<(T, long)>())
                    {
                        updates[count - 1] = default;
                    }

                    _count = _clean = count - 1;
                    return 0;
                }

                if (order > 0)
                {
                    break;
                }
            }
        }

        if (updates is null || count == updates.Length)
        {
            updates = Grow();
        }

        for (int j = count; j > i; j--)
        {
            updates[j] = updates[j - 1];
        }

        updates[i] = (item, diff);
        _count = _clean = count + 1;
        return diff;
    }

    /// <summary>The first item (in sorted order) of a compacted batch whose count is positive; <c>false</c> when none is.</summary>
    public readonly bool FirstPositive(out T item)
    {
        Debug.Assert(_clean == _count, "read only when compacted");
        foreach (var (time, count) in Raw)
        {
            if (count > 0)
            {
                item = time;
                return true;
            }
        }

        item = default!;
        return false;
    }

    /// <summary>The compacted updates: sorted, distinct items, no zero counts. Valid until the next change.</summary>
    public ReadOnlySpan<(T Item, long Diff)> Compacted()
    {
        Compact();
        return new ReadOnlySpan<(T, long)>(_updates, 0, _count);
    }

    /// <summary>The updates as they stand, compacted or not.</summary>
    public readonly ReadOnlySpan<(T Item, long Diff)> Raw => new(_updates, 0, _count);

    /// <summary>Exchanges contents with <paramref name="other"/> (buffers and counts; nothing is copied).</summary>
    public void Swap(ref ChangeBatchCore<T> other) => (this, other) = (other, this);

    /// <summary>Removes every update (keeps the buffer).</summary>
    public void Clear()
    {
        if (RuntimeHelpers.IsReferenceOrContainsReferences<(T, long)>() && _count > 0)
        {
            Array.Clear(_updates!, 0, _count);
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
    private (T Item, long Diff)[] Grow()
    {
        if (_updates is null)
        {
            return _updates = new (T, long)[FirstCapacity];
        }

        var grown = new (T, long)[_updates.Length * 2];
        _updates.AsSpan().CopyTo(grown);
        return _updates = grown;
    }
}
