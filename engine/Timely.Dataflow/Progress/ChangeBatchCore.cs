using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Timely.Dataflow.Progress;

/// <summary>
/// The storage and compaction of a <see cref="ChangeBatch{T}"/>, as a struct its owner holds inline:
/// a <see cref="MutableAntichain{T}"/> keeps one in its own object rather than a batch object of its
/// own, so a port's counts cost the antichain's lines and one array, not a second object between them.
/// </summary>
/// <remarks>
/// A mutable struct: only ever used as a field (never copied), and every member is called on
/// that field in place. The first four updates live in the struct itself, so a port's counts
/// (one or two times between compactions, three while a time advances) cost no object of their
/// own; a batch that needs more room first compacts, and only then moves to an array.
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


    // A cached static delegate: Span.Sort with a struct IComparer boxes it and wraps it in a
    // new Comparison on every call, which showed up as ~1 KB per worker step in `barrier`.
    private static readonly Comparison<(T Item, long Diff)> ByItem = static (x, y) => Comparer<T>.Default.Compare(x.Item, y.Item);

    // The updates: in _inline until they outgrow it, then in _updates (never back).
    private (T Item, long Diff)[]? _updates;
    private FourUpdates _inline;
    private int _count;

    // The prefix [0, _clean) is sorted, has distinct items and no zero counts.
    private int _clean;

    /// <summary>A core whose first buffer holds <paramref name="capacity"/> updates.</summary>
    public ChangeBatchCore(int capacity)
    {
        if (capacity > FourUpdates.Length)
        {
            _updates = new (T, long)[capacity];
        }
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
        var buffer = Buffer;
        if ((uint)_count >= (uint)buffer.Length)
        {
            buffer = MakeRoom();
        }

        buffer[_count++] = (item, diff);
        if (_count > CompactThreshold && _clean <= _count / 2)
        {
            Compact();
        }
    }

    /// <summary>The compacted updates: sorted, distinct items, no zero counts. Valid until the next change.</summary>
    [UnscopedRef]
    public ReadOnlySpan<(T Item, long Diff)> Compacted()
    {
        Compact();
        return Buffer[.._count];
    }

    /// <summary>The updates as they stand, compacted or not.</summary>
    [UnscopedRef]
    public ReadOnlySpan<(T Item, long Diff)> Raw => Buffer[.._count];

    /// <summary>Exchanges contents with <paramref name="other"/> (the inline updates are copied, an array is not).</summary>
    public void Swap(ref ChangeBatchCore<T> other) => (this, other) = (other, this);

    /// <summary>Removes every update (keeps the buffer).</summary>
    public void Clear()
    {
        if (RuntimeHelpers.IsReferenceOrContainsReferences<(T, long)>())
        {
            Buffer[.._count].Clear();
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

        var span = Buffer[.._count];
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

    [UnscopedRef]
    private Span<(T Item, long Diff)> Buffer => _updates is { } updates ? updates : _inline;

    // The buffer is full: compacting may free room (an advancing time's +1 and -1 cancel); if it
    // does not, the updates move to an array of twice the room.
    [MethodImpl(MethodImplOptions.NoInlining)]
    [UnscopedRef]
    private Span<(T Item, long Diff)> MakeRoom()
    {
        Compact();
        var buffer = Buffer;
        if (_count < buffer.Length)
        {
            return buffer;
        }

        var grown = new (T, long)[buffer.Length * 2];
        buffer.CopyTo(grown);
        if (RuntimeHelpers.IsReferenceOrContainsReferences<(T, long)>())
        {
            ((Span<(T Item, long Diff)>)_inline).Clear();
        }

        return _updates = grown;
    }

    /// <summary>The first updates' room, inside the struct.</summary>
    [InlineArray(Length)]
    private struct FourUpdates
    {
        public const int Length = 4;

        private (T Item, long Diff) _element;
    }
}
