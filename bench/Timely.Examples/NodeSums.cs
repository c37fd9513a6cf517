using System.Runtime.CompilerServices;

namespace Timely.Examples;

/// <summary>
/// timely's examples' <c>compact</c> (sort by key, sum equal keys, drop zero sums) of a time's
/// rank changes, for keys that are one worker's nodes: a running sum per node, indexed by the
/// node's index among the worker's nodes, then the touched nodes in order. The changes may come
/// in any number of <see cref="Add"/>s (as their batches arrive) before <see cref="Collect"/>.
/// </summary>
/// <remarks>
/// Design: a sort of the changes needs a second array as large as the time's changes (pagerank's
/// largest time holds about 1.2 million, 19 MB of scratch beside the 19 MB that hold them); the
/// sums need one slot per node (16 bytes each, a 100,000-node graph's 1.6 MB on one worker), and
/// the result is the same pairs in the same order: every change is still read and summed, only
/// the grouping is by index instead of by sorting. Summing a batch as it arrives, not when its time
/// completes, adds the same changes in the same order (batches are read in arrival order either
/// way), so the sums and the result are the same; the batch goes back to the engine at once. A
/// slot is stamped with the compaction that last touched it, so nothing is cleared between times.
/// The slots and the result are native memory (<see cref="NativeList{T}"/>), outside the
/// collector's budgets, freed by <see cref="Dispose"/>. Single-threaded.
/// </remarks>
internal sealed class NodeSums(int peers, int index) : IDisposable
{
    private readonly NativeList<long> _sums = new();
    private readonly NativeList<int> _stamps = new();
    private readonly NativeList<int> _touched = new();
    private readonly NativeList<(int Node, long Diff)> _result = new();
    private int _stamp;
    private bool _open;
    private int _touchedCount;
    private int _highest;
    private int _kept;

    /// <summary>Sums sized for <paramref name="slots"/> of the worker's nodes from the start (grown past them if a node needs it), instead of by doubling to the largest node seen.</summary>
    public NodeSums(int peers, int index, int slots)
        : this(peers, index)
    {
        GrowTo(slots);
    }

    /// <summary>Whether changes were added since the last <see cref="Collect"/>.</summary>
    public bool IsOpen => _open;

    /// <summary>What the last <see cref="Collect"/> returned (valid until the next <see cref="Add"/> or <see cref="Collect"/>).</summary>
    public ReadOnlySpan<(int Node, long Diff)> Collected => _result.AsSpan()[.._kept];

    /// <summary>The compacted changes of <paramref name="changes"/>, in node order (valid until the next <see cref="Add"/> or <see cref="Collect"/>).</summary>
    /// <exception cref="ArgumentException">A change's node belongs to another worker or is negative.</exception>
    public ReadOnlySpan<(int Node, long Diff)> Compact(RecordChunks<(int Node, long Diff)> changes)
    {
        for (int c = 0; c < changes.Chunks; c++)
        {
            Add(changes.Chunk(c));
        }

        return Collect();
    }

    /// <summary>Adds <paramref name="changes"/> to the sums of the compaction under way (starting one if none is).</summary>
    /// <exception cref="ArgumentException">A change's node belongs to another worker or is negative.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Add(ReadOnlySpan<(int Node, long Diff)> changes)
    {
        if (!_open)
        {
            Open();
        }

        int stamp = _stamp;
        int touched = _touchedCount;
        int highest = _highest;
        try
        {
            Span<long> sums = _sums.AsSpan();
            Span<int> stamps = _stamps.AsSpan();
            Span<int> touchedSlots = _touched.AsSpan();
            foreach (var (node, diff) in changes)
            {
                var (slot, worker) = Math.DivRem(node, peers);
                if (worker != index || node < 0)
                {
                    throw new ArgumentException($"node {node} is not one of worker {index}'s {peers}-way share", nameof(changes));
                }

                if (slot >= stamps.Length)
                {
                    GrowTo(Math.Max(slot + 1, stamps.Length * 2));
                    sums = _sums.AsSpan();
                    stamps = _stamps.AsSpan();
                    touchedSlots = _touched.AsSpan();
                }

                if (stamps[slot] != stamp)
                {
                    stamps[slot] = stamp;
                    sums[slot] = diff;
                    touchedSlots[touched++] = slot;
                    highest = Math.Max(highest, slot);
                }
                else
                {
                    sums[slot] = checked(sums[slot] + diff); // a wrapped sum would pass for a small change
                }
            }
        }
        finally
        {
            (_touchedCount, _highest) = (touched, highest);
        }
    }

    /// <summary>The compacted changes added since the last call, in node order (valid until the next <see cref="Add"/> or <see cref="Collect"/>; empty if none were added).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public ReadOnlySpan<(int Node, long Diff)> Collect()
    {
        if (!_open)
        {
            _kept = 0;
            return default;
        }

        _open = false;
        int stamp = _stamp;
        int touched = _touchedCount;
        int highest = _highest;
        _result.Clear();
        _result.Grow(touched);
        var result = _result.AsSpan();
        var sums = _sums.AsSpan();
        var stamps = _stamps.AsSpan();

        // In node order: scan the slots when most of them were touched, else sort the touched ones.
        int kept = 0;
        if (touched > (highest + 1) / 8)
        {
            for (int slot = 0; slot <= highest; slot++)
            {
                if (stamps[slot] == stamp && sums[slot] != 0)
                {
                    result[kept++] = ((slot * peers) + index, sums[slot]);
                }
            }
        }
        else
        {
            var order = _touched.AsSpan()[..touched];
            order.Sort();
            foreach (int slot in order)
            {
                if (sums[slot] != 0)
                {
                    result[kept++] = ((slot * peers) + index, sums[slot]);
                }
            }
        }

        _kept = kept;
        return result[..kept];
    }

    /// <summary>Frees the sums and the result.</summary>
    public void Dispose()
    {
        _sums.Dispose();
        _stamps.Dispose();
        _touched.Dispose();
        _result.Dispose();
    }

    private void Open()
    {
        if (++_stamp == int.MaxValue)
        {
            _stamps.AsSpan().Clear();
            _stamp = 1;
        }

        (_open, _touchedCount, _highest) = (true, 0, -1);
    }

    private void GrowTo(int slots)
    {
        _sums.Grow(slots);
        _stamps.Grow(slots);
        _touched.Grow(slots);
    }
}
