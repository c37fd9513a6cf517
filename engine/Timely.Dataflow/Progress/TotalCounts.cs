using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Timely.Dataflow.Progress;

/// <summary>
/// The counts of a total order's times (<see cref="MutableAntichain{T}.IsTotalOrder"/>) and the
/// frontier they make, as a struct held inside its owner's entry: the tracker keeps one per port
/// in its flat port arrays, as timely keeps a port's <c>MutableAntichain</c> inside its
/// <c>PortInformation</c>. The first count is inline, later ones in an array made when a second
/// time is held at once.
/// </summary>
/// <remarks>
/// <para>Counts are kept sorted by time, merged, and without zeros. The frontier of a total order
/// is at most one element: the least time whose count is positive. It is not stored: the first
/// count is that time whenever it is positive (always, for implications, whose counts are never
/// negative), so reading the frontier reads the entry an update has just written.</para>
/// <para>A port's implications were a <see cref="MutableAntichain{T}"/> object with its counts'
/// array behind it: a propagation that reached a port of a dataflow not touched for a thousand
/// rounds loaded the port's entry, the object (two lines) and the array. Here the counts sit in
/// the entry itself. Measured by evlayout (perf.md §4, the examples' levers): callgrind of <c>event_driven 1000 10</c>.</para>
/// <para>A mutable struct: only ever used in place (an array element or a field reached by
/// reference), never copied.</para>
/// </remarks>
internal struct TotalCounts<T>
{
    // Design: not shared: owned by one worker thread's tracker. Entry 0 is _first, entry i > 0 is
    // _rest[i - 1]; _rest is kept once made (a port that held two times will again).
    private (T Item, long Diff) _first;
    private (T Item, long Diff)[]? _rest;
    private int _count;

    /// <summary>Distinct times with a nonzero count.</summary>
    public readonly int Count => _count;

    /// <summary>The count of entry <paramref name="i"/> in time order (<paramref name="i"/> below <see cref="Count"/>).</summary>
    public readonly (T Item, long Diff) this[int i] => i == 0 ? _first : _rest![i - 1];

    /// <summary>The frontier: the least time with a positive count, or none.</summary>
    /// <remarks>A span into <paramref name="counts"/> itself, valid until its next update.</remarks>
    public static ReadOnlySpan<T> Frontier(ref TotalCounts<T> counts)
    {
        if (counts._count == 0)
        {
            return default;
        }

        if (counts._first.Diff > 0)
        {
            return MemoryMarshal.CreateReadOnlySpan(ref counts._first.Item, 1);
        }

        return FrontierInRest(ref counts);
    }

    /// <summary>The least time with a positive count; <c>false</c> when none is.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly bool TryFrontier(out T time)
    {
        if (_count == 0)
        {
            time = default!;
            return false;
        }

        if (_first.Diff > 0)
        {
            time = _first.Item;
            return true;
        }

        return TryFrontierSlow(out time);
    }

    /// <summary>The count of <paramref name="time"/>.</summary>
    public readonly long CountFor(T time)
    {
        for (int i = 0; i < _count; i++)
        {
            var (item, diff) = this[i];
            if (EqualityComparer<T>.Default.Equals(item, time))
            {
                return diff;
            }
        }

        return 0;
    }

    /// <summary>
    /// Adds <paramref name="diff"/> (not zero) to the count of <paramref name="time"/> and writes the
    /// frontier's change into <paramref name="changes"/> (the old element out, the new one in), returning
    /// how many changes it wrote: none, one or two.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Update(T time, long diff, ref MutableAntichain<T>.TwoChanges changes)
    {
        Debug.Assert(diff != 0, "a nonzero update");
        bool had = TryFrontier(out T old);
        Apply(time, diff);
        return Report(had, old, ref changes);
    }

    /// <summary>
    /// Applies <paramref name="updates"/> (zeros skipped) and writes the net change of the frontier
    /// across all of them into <paramref name="changes"/> (the old element out, the new one in),
    /// returning how many it wrote: a port's pointstamp updates of one propagation, as
    /// <see cref="MutableAntichain{T}.UpdateIter"/> reports them for a total order.
    /// </summary>
    public int UpdateAll(ReadOnlySpan<(T Item, long Diff)> updates, ref MutableAntichain<T>.TwoChanges changes)
    {
        bool had = TryFrontier(out T old);
        foreach (var (time, diff) in updates)
        {
            if (diff != 0)
            {
                Apply(time, diff);
            }
        }

        return Report(had, old, ref changes);
    }

    // The frontier's change since it was `old` (or none, when !had): the old element out, the new in.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly int Report(bool had, T old, ref MutableAntichain<T>.TwoChanges changes)
    {
        bool has = TryFrontier(out T now);
        if (had == has && (!had || EqualityComparer<T>.Default.Equals(old, now)))
        {
            return 0;
        }

        int count = 0;
        if (had)
        {
            changes[count++] = (old, -1);
        }

        if (has)
        {
            changes[count++] = (now, 1);
        }

        return count;
    }

    // The count changes in place: found by a scan in time order (a compare or two: a port holds
    // one time between rounds and two while its frontier moves), changed, removed at zero, or
    // inserted with the later entries shifted up. Inline here, the cases of a port whose frontier
    // moves from one time to the next (the old time's count leaves, then the new one's enters: the
    // propagation takes changes in time order); out of line, a port that holds more than one time.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Apply(T time, long diff)
    {
        int count = _count;
        if (count == 0)
        {
            _first = (time, diff);
            _count = 1;
            return;
        }

        if (EqualityComparer<T>.Default.Equals(_first.Item, time))
        {
            long sum = _first.Diff + diff;
            if (sum != 0)
            {
                _first.Diff = sum;
            }
            else if (count == 1)
            {
                if (RuntimeHelpers.IsReferenceOrContainsReferences<T>())
                {
                    _first = default;
                }

                _count = 0;
            }
            else
            {
                RemoveAt(0);
            }

            return;
        }

        ApplyOther(time, diff);
    }

    private void ApplyOther(T time, long diff)
    {
        int count = _count;
        int i = 0;
        for (; i < count; i++)
        {
            ref var entry = ref At(i);
            int order = Comparer<T>.Default.Compare(entry.Item, time);
            if (order == 0)
            {
                long sum = entry.Diff + diff;
                if (sum != 0)
                {
                    entry.Diff = sum;
                }
                else
                {
                    RemoveAt(i);
                }

                return;
            }

            if (order > 0)
            {
                break;
            }
        }

        InsertAt(i, (time, diff));
    }

    [UnscopedRef]
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref (T Item, long Diff) At(int i) => ref i == 0 ? ref _first : ref _rest![i - 1];

    private void RemoveAt(int i)
    {
        int count = _count;
        for (int j = i + 1; j < count; j++)
        {
            At(j - 1) = At(j);
        }

        if (RuntimeHelpers.IsReferenceOrContainsReferences<T>())
        {
            At(count - 1) = default;
        }

        _count = count - 1;
    }

    private void InsertAt(int i, (T Item, long Diff) entry)
    {
        int count = _count;
        if (count >= 1 && (_rest is null || _rest.Length < count))
        {
            Grow(count);
        }

        for (int j = count; j > i; j--)
        {
            At(j) = At(j - 1);
        }

        At(i) = entry;
        _count = count + 1;
    }

    // Room for entries 1..count in _rest: a second time at a port, then doubling.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Grow(int count)
    {
        var grown = new (T Item, long Diff)[Math.Max(4, 2 * (_rest?.Length ?? 0))];
        Debug.Assert(grown.Length >= count, "room for every entry after the first");
        _rest?.AsSpan().CopyTo(grown);
        _rest = grown;
    }

    private readonly bool TryFrontierSlow(out T time)
    {
        for (int i = 0; i < _count; i++)
        {
            var (item, diff) = this[i];
            if (diff > 0)
            {
                time = item;
                return true;
            }
        }

        time = default!;
        return false;
    }

    // Only pointstamp-like counts (negative for a while) put the frontier after the first entry.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ReadOnlySpan<T> FrontierInRest(ref TotalCounts<T> counts)
    {
        for (int i = 0; i < counts._count - 1; i++)
        {
            if (counts._rest![i].Diff > 0)
            {
                return MemoryMarshal.CreateReadOnlySpan(ref counts._rest[i].Item, 1);
            }
        }

        return default;
    }
}
