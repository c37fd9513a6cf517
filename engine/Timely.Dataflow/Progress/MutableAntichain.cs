using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Timely.Dataflow.Timestamps;

namespace Timely.Dataflow.Progress;

/// <summary>
/// A multiset of timestamps with counts, and the antichain of its minimal elements with a
/// positive count: timely's <c>MutableAntichain</c>. Updates report how the frontier changed.
/// </summary>
/// <remarks>
/// Counts may go negative transiently (progress from different workers arrives in any
/// interleaving); only times with a positive count take part in the frontier. The frontier
/// is rebuilt only when an update could change it: an increment at a time no frontier
/// element is less than or equal to, or a decrement at a frontier element. Not thread-safe.
/// </remarks>
public sealed class MutableAntichain<T>
{
    // Design: not shared: each belongs to one worker thread's tracker or operator; frontiers handed
    // out as spans are read on that thread only.
    //
    // Layout: everything but the counts' buffer lives in this one object, as timely's struct with
    // three Vecs lives inline in its owner. A round of `event_driven 1000 10` looks at the antichains
    // of a dataflow last touched a thousand rounds earlier, so each object it follows is a cache miss:
    // with a ChangeBatch object, its array, and three lists each with its array, an antichain was nine
    // objects; now it is this object and the counts' array. The frontier's first element is held
    // inline (a total order's frontier never has more than one), later ones in an array made only
    // when a partial order needs it; the frontier changes of an update likewise (a total order's
    // update changes at most two: the old minimum leaves, the new one enters).
    private ChangeBatchCore<T> _updates;

    // The frontier: _frontierCount elements, in _first when there is at most one, else all of them
    // in _frontierArray[0.._frontierCount).
    private T _first = default!;
    private T[]? _frontierArray;
    private int _frontierCount;

    // The array of the frontier before a rebuild of more than one element, kept to diff against
    // and reused as the next rebuild's array.
    private T[]? _previousArray;

    // The frontier changes of the last update: the first two inline, all of them in _changesArray
    // once there are more.
    private TwoChanges _inlineChanges;
    private (T Item, long Diff)[]? _changesArray;
    private int _changeCount;

    // Set on a read-only view of a tracker port's implications for a total order, whose counts
    // live in the tracker's port array (TotalCounts), not here: every read goes to that entry. The
    // view holds the port array itself, not the tracker: a read loads this object, the array and
    // the entry (which the propagation has just written), not the tracker's object besides.
    private readonly Tracker<T>.TargetPort[]? _targets;
    private readonly Tracker<T>.SourcePort[]? _sources;
    private readonly int _flatPort;
    private readonly bool _isView;

    // Set on a view of a tracker port's pointstamps for a total order: the tracker's array of them.
    private readonly TotalCounts<T>[]? _pointstamps;

    /// <summary>An empty antichain: its counts' buffer is made at the first update.</summary>
    public MutableAntichain()
    {
    }

    /// <summary>
    /// An empty antichain whose counts' buffer is made now, with room for <paramref name="capacity"/>
    /// times, so that it sits in memory right behind the antichain's object: a reader of one then
    /// finds the other on the same or the next line. The tracker's implications take this (every
    /// port's implications are updated from the first propagation on), where a buffer made at the
    /// first update lay wherever that update's allocations left off, a line of its own to load.
    /// </summary>
    internal MutableAntichain(int capacity)
    {
        _updates = new ChangeBatchCore<T>(capacity);
    }

    /// <summary>
    /// A read-only view of the implications of input <paramref name="flatPort"/> of a tracker, for a
    /// total order: what the tracker hands out where public code wants an antichain object (an
    /// operator's frontiers, a probe).
    /// </summary>
    internal MutableAntichain(Tracker<T>.TargetPort[] targets, int flatPort)
    {
        Debug.Assert(IsTotalOrder, "the tracker keeps its counts inline only for a total order");
        _targets = targets;
        _flatPort = flatPort;
        _isView = true;
    }

    /// <summary>A read-only view of the pointstamps of port <paramref name="flatPort"/> of a tracker (its inputs' or its outputs' counts), for a total order.</summary>
    internal MutableAntichain(TotalCounts<T>[] pointstamps, int flatPort)
    {
        Debug.Assert(IsTotalOrder, "the tracker keeps its counts inline only for a total order");
        _pointstamps = pointstamps;
        _flatPort = flatPort;
        _isView = true;
    }

    /// <summary>A read-only view of the implications of output <paramref name="flatPort"/> of a tracker, for a total order.</summary>
    internal MutableAntichain(Tracker<T>.SourcePort[] sources, int flatPort)
    {
        Debug.Assert(IsTotalOrder, "the tracker keeps its counts inline only for a total order");
        _sources = sources;
        _flatPort = flatPort;
        _isView = true;
    }

    /// <summary>The current frontier: minimal times with positive count.</summary>
    public ReadOnlySpan<T> Frontier => _isView
        ? ViewFrontier()
        : _frontierCount <= 1
            ? MemoryMarshal.CreateReadOnlySpan(ref _first, _frontierCount)
            : new ReadOnlySpan<T>(_frontierArray, 0, _frontierCount);

    /// <summary>Whether the frontier is empty (no time has a positive count).</summary>
    public bool IsEmpty => _isView ? ViewFrontier().IsEmpty : _frontierCount == 0;

    /// <summary>Whether some frontier element is strictly less than <paramref name="time"/>.</summary>
    public bool LessThan(T time)
    {
        var traits = TimestampTraits<T>.Default;
        var eq = EqualityComparer<T>.Default;
        foreach (var f in Frontier)
        {
            if (traits.LessEqual(f, time) && !eq.Equals(f, time))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether some frontier element is less than or equal to <paramref name="time"/>.</summary>
    public bool LessEqual(T time)
    {
        var traits = TimestampTraits<T>.Default;
        foreach (var f in Frontier)
        {
            if (traits.LessEqual(f, time))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The accumulated count of <paramref name="time"/>.</summary>
    public long CountFor(T time)
    {
        if (_isView)
        {
            return ViewCounts().CountFor(time);
        }

        var eq = EqualityComparer<T>.Default;
        foreach (var (item, diff) in _updates.Compacted())
        {
            if (eq.Equals(item, time))
            {
                return diff;
            }
        }

        return 0;
    }

    /// <summary>
    /// Applies <paramref name="updates"/> and returns the changes to the frontier (+1 for a time
    /// that entered it, -1 for one that left; each time at most once, in no particular order).
    /// The span is valid until the next update.
    /// </summary>
    /// <exception cref="InvalidOperationException">The antichain is a tracker's implications, which only the tracker changes.</exception>
    public ReadOnlySpan<(T Item, long Diff)> UpdateIter(ReadOnlySpan<(T Item, long Diff)> updates)
    {
        ThrowIfView();
        _changeCount = 0;
        if (IsTotalOrder)
        {
            bool had = _frontierCount != 0;
            T old = _first;
            foreach (var (time, diff) in updates)
            {
                if (diff != 0)
                {
                    ApplyTotal(time, diff);
                }
            }

            ReportTotal(had, old);
            return Changes;
        }

        bool rebuild = false;
        foreach (var (time, diff) in updates)
        {
            if (diff != 0)
            {
                rebuild |= Affects(time, diff);
                _updates.Update(time, diff);
            }
        }

        if (rebuild)
        {
            Rebuild();
        }

        return Changes;
    }

    /// <summary>Applies one update; see <see cref="UpdateIter"/>.</summary>
    /// <exception cref="InvalidOperationException">The antichain is a tracker's implications, which only the tracker changes.</exception>
    public ReadOnlySpan<(T Item, long Diff)> Update(T time, long diff)
    {
        ThrowIfView();
        _changeCount = 0;
        if (diff != 0 && IsTotalOrder)
        {
            bool had = _frontierCount != 0;
            T old = _first;
            ApplyTotal(time, diff);
            ReportTotal(had, old);
        }
        else if (diff != 0)
        {
            bool rebuild = Affects(time, diff);
            _updates.Update(time, diff);
            if (rebuild)
            {
                Rebuild();
            }
        }

        return Changes;
    }

    // Whether T's order is total (ulong and uint, the root scope's times): then the frontier is the
    // least time with a positive count, at most one element, and the counts are kept sorted and
    // merged as they change, so an update finds its time by a short scan and moves the frontier in
    // constant time, where the general path compacts (sorts and merges) the counts and rebuilds
    // the frontier from them whenever an update could change it. A JIT-time constant for a value
    // type T, so each instantiation keeps one path. Measured by evdriven (perf.md §4, the examples' levers; callgrind of
    // `event_driven 1000 10`): a round's 60 rebuilds and 62 compactions were about 12 k of its 41 k
    // instructions.
    // Marked for inlining: the native build called it (60 calls a round of `event_driven 1000 10`)
    // where the JIT folds it.
    internal static bool IsTotalOrder
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => typeof(T) == typeof(ulong) || typeof(T) == typeof(uint);
    }

    // One update of a total order: the counts change in place (sorted, merged, no zeros), and the
    // frontier follows without a rebuild. Every time before the frontier element has a count of at
    // most zero (the element is the least positive one), so an increment makes `time` the frontier
    // exactly when its count turns positive before the current element (or there is none), and a
    // decrement moves the frontier only when it takes the element's own count to zero or below;
    // the next element is then the first positive count after it, and the scan from the start
    // finds the same.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void ApplyTotal(T time, long diff)
    {
        long count = _updates.UpdateSorted(time, diff);
        if (diff > 0)
        {
            if (count > 0 && (_frontierCount == 0 || Comparer<T>.Default.Compare(time, _first) < 0))
            {
                _first = time;
                _frontierCount = 1;
            }
        }
        else if (count <= 0 && _frontierCount != 0 && EqualityComparer<T>.Default.Equals(time, _first))
        {
            _frontierCount = _updates.FirstPositive(out _first) ? 1 : 0;
        }
    }

    // The net change of a total order's frontier across one call: the old element out, the new in.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void ReportTotal(bool had, T old)
    {
        bool has = _frontierCount != 0;
        if (had == has && (!had || EqualityComparer<T>.Default.Equals(old, _first)))
        {
            return;
        }

        if (had)
        {
            AddChange(old, -1);
        }

        if (has)
        {
            AddChange(_first, 1);
        }
    }

    private ReadOnlySpan<T> ViewFrontier() => TotalCounts<T>.Frontier(ref ViewCounts());

    // The counts a view reads: its port's implications in the tracker's entry, or its pointstamps.
    private ref TotalCounts<T> ViewCounts()
    {
        if (_targets is { } targets)
        {
            return ref targets[_flatPort].Counts;
        }

        if (_sources is { } sources)
        {
            return ref sources[_flatPort].Counts;
        }

        return ref _pointstamps![_flatPort];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void ThrowIfView()
    {
        if (_isView)
        {
            ThrowView();
        }
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowView() =>
        throw new InvalidOperationException("this antichain is a progress tracker's implications at a port: only the tracker changes them (update the pointstamps through the tracker)");

    private ReadOnlySpan<(T Item, long Diff)> Changes => _changeCount <= TwoChanges.Length
        ? ((ReadOnlySpan<(T Item, long Diff)>)_inlineChanges)[.._changeCount]
        : new ReadOnlySpan<(T Item, long Diff)>(_changesArray, 0, _changeCount);

    private bool Affects(T time, long diff)
    {
        if (diff > 0)
        {
            // An increment matters only if no current frontier element already covers it.
            return !LessEqual(time);
        }

        var eq = EqualityComparer<T>.Default;
        foreach (var f in Frontier)
        {
            if (eq.Equals(f, time))
            {
                return true;
            }
        }

        return false;
    }

    private void Rebuild()
    {
        // The old frontier, to diff against: its one element copied out, or its array set aside.
        int previousCount = _frontierCount;
        T previousFirst = _first;
        T[]? previousArray = null;
        if (previousCount > 1)
        {
            previousArray = _frontierArray;
            _frontierArray = _previousArray;
            _previousArray = previousArray;
        }

        _frontierCount = 0;
        var traits = TimestampTraits<T>.Default;

        // Compacted updates are sorted by a linear extension of the partial order, so a time
        // is minimal exactly when no earlier-kept element is less than or equal to it.
        foreach (var (time, count) in _updates.Compacted())
        {
            if (count <= 0)
            {
                continue;
            }

            bool covered = false;
            foreach (var f in Frontier)
            {
                if (traits.LessEqual(f, time))
                {
                    covered = true;
                    break;
                }
            }

            if (!covered)
            {
                AddToFrontier(time);
            }
        }

        var eq = EqualityComparer<T>.Default;
        var frontier = Frontier;
        var previous = previousCount <= 1
            ? MemoryMarshal.CreateReadOnlySpan(ref previousFirst, previousCount)
            : new ReadOnlySpan<T>(previousArray, 0, previousCount);
        foreach (var old in previous)
        {
            if (!Contains(frontier, old, eq))
            {
                AddChange(old, -1);
            }
        }

        foreach (var now in frontier)
        {
            if (!Contains(previous, now, eq))
            {
                AddChange(now, 1);
            }
        }

        if (RuntimeHelpers.IsReferenceOrContainsReferences<T>())
        {
            if (_frontierCount > 1)
            {
                _first = default!;
            }

            previousArray?.AsSpan().Clear();
        }
    }

    private void AddToFrontier(T time)
    {
        if (_frontierCount == 0)
        {
            _first = time;
            _frontierCount = 1;
            return;
        }

        AddToFrontierArray(time);
    }

    // Only a partial order's frontier has a second element.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void AddToFrontierArray(T time)
    {
        if (_frontierCount == 1)
        {
            _frontierArray ??= new T[4];
            _frontierArray[0] = _first;
        }
        else if (_frontierCount == _frontierArray!.Length)
        {
            Array.Resize(ref _frontierArray, _frontierCount * 2);
        }

        _frontierArray[_frontierCount++] = time;
    }

    private void AddChange(T time, long diff)
    {
        if (_changeCount < TwoChanges.Length)
        {
            _inlineChanges[_changeCount++] = (time, diff);
            return;
        }

        AddChangeToArray(time, diff);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void AddChangeToArray(T time, long diff)
    {
        if (_changeCount == TwoChanges.Length)
        {
            _changesArray ??= new (T, long)[2 * TwoChanges.Length];
            ((ReadOnlySpan<(T Item, long Diff)>)_inlineChanges).CopyTo(_changesArray);
        }
        else if (_changeCount == _changesArray!.Length)
        {
            Array.Resize(ref _changesArray, _changeCount * 2);
        }

        _changesArray[_changeCount++] = (time, diff);
    }

    private static bool Contains(ReadOnlySpan<T> list, T time, EqualityComparer<T> eq)
    {
        foreach (var item in list)
        {
            if (eq.Equals(item, time))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Room for the two frontier changes a total order's update can make, inside the antichain's object or on a caller's stack.</summary>
    [InlineArray(Length)]
    internal struct TwoChanges
    {
        public const int Length = 2;

        private (T Item, long Diff) _element;
    }
}
