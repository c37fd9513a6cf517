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
    private readonly ChangeBatch<T> _updates = new();
    private List<T> _frontier = new();

    // The frontier before a rebuild, kept to diff against: frontiers are tiny (one element
    // for a total order), so diffing old and new needs no sort and no consolidation.
    // Both lists are read as spans: a list's enumerator is a call per element in a Native AOT
    // build (only the JIT's dynamic PGO inlines it), and these loops run several times a round.
    private List<T> _previous = new();
    private readonly List<(T Item, long Diff)> _changes = new();

    /// <summary>The current frontier: minimal times with positive count.</summary>
    public ReadOnlySpan<T> Frontier => CollectionsMarshal.AsSpan(_frontier);

    /// <summary>Whether the frontier is empty (no time has a positive count).</summary>
    public bool IsEmpty => _frontier.Count == 0;

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
    public ReadOnlySpan<(T Item, long Diff)> UpdateIter(ReadOnlySpan<(T Item, long Diff)> updates)
    {
        _changes.Clear();
        bool rebuild = false;
        foreach (var (time, diff) in updates)
        {
            rebuild |= Affects(time, diff);
            _updates.Update(time, diff);
        }

        if (rebuild)
        {
            Rebuild();
        }

        return CollectionsMarshal.AsSpan(_changes);
    }

    /// <summary>Applies one update; see <see cref="UpdateIter"/>.</summary>
    public ReadOnlySpan<(T Item, long Diff)> Update(T time, long diff)
    {
        _changes.Clear();
        bool rebuild = Affects(time, diff);
        _updates.Update(time, diff);
        if (rebuild)
        {
            Rebuild();
        }

        return CollectionsMarshal.AsSpan(_changes);
    }

    private bool Affects(T time, long diff)
    {
        if (diff > 0)
        {
            // An increment matters only if no current frontier element already covers it.
            return !LessEqual(time);
        }

        if (diff < 0)
        {
            var eq = EqualityComparer<T>.Default;
            foreach (var f in Frontier)
            {
                if (eq.Equals(f, time))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private void Rebuild()
    {
        (_previous, _frontier) = (_frontier, _previous);
        _frontier.Clear();
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
                _frontier.Add(time);
            }
        }

        var eq = EqualityComparer<T>.Default;
        var frontier = CollectionsMarshal.AsSpan(_frontier);
        var previous = CollectionsMarshal.AsSpan(_previous);
        foreach (var old in previous)
        {
            if (!Contains(frontier, old, eq))
            {
                _changes.Add((old, -1));
            }
        }

        foreach (var now in frontier)
        {
            if (!Contains(previous, now, eq))
            {
                _changes.Add((now, 1));
            }
        }
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
}
