using System.Runtime.CompilerServices;

namespace Timely.Examples;

/// <summary>
/// timely's examples' <c>compact</c> (sort by key, sum equal keys, drop zero sums) of a time's
/// rank changes, for keys that are one worker's nodes: a running sum per node, indexed by the
/// node's index among the worker's nodes, then the touched nodes in order.
/// </summary>
/// <remarks>
/// Design: a sort of the changes needs a second array as large as the time's changes (pagerank's
/// largest time holds about 1.2 million, 19 MB of scratch beside the 19 MB that hold them); the
/// sums need one slot per node (12 bytes each, a 100,000-node graph's 1.2 MB on one worker), and
/// the result is the same pairs in the same order: every change is still read and summed, only
/// the grouping is by index instead of by sorting. A slot is stamped with the compaction that
/// last touched it, so nothing is cleared between times.
/// </remarks>
internal sealed class NodeSums(int peers, int index)
{
    private long[] _sums = [];
    private int[] _stamps = [];
    private int[] _touched = [];
    private (int Node, long Diff)[] _result = [];
    private int _stamp;

    /// <summary>Sums sized for <paramref name="slots"/> of the worker's nodes from the start (grown past them if a node needs it), instead of by doubling to the largest node seen.</summary>
    public NodeSums(int peers, int index, int slots)
        : this(peers, index)
    {
        _sums = new long[slots];
        _stamps = new int[slots];
        _touched = new int[slots];
    }

    /// <summary>The compacted changes, in node order (valid until the next call).</summary>
    /// <exception cref="ArgumentException">A change's node belongs to another worker or is negative.</exception>
    public ReadOnlySpan<(int Node, long Diff)> Compact(RecordChunks<(int Node, long Diff)> changes)
    {
        int stamp = NextStamp();
        int touched = 0;
        int highest = -1;
        for (int c = 0; c < changes.Chunks; c++)
        {
            Sum(changes.Chunk(c), stamp, ref touched, ref highest);
        }

        return Collect(stamp, touched, highest);
    }

    /// <summary>The compacted changes of <paramref name="batches"/> (lists taken from an input), in node order (valid until the next call).</summary>
    /// <exception cref="ArgumentException">A change's node belongs to another worker or is negative.</exception>
    public ReadOnlySpan<(int Node, long Diff)> Compact(List<List<(int Node, long Diff)>> batches)
    {
        int stamp = NextStamp();
        int touched = 0;
        int highest = -1;
        foreach (var batch in batches)
        {
            Sum(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(batch), stamp, ref touched, ref highest);
        }

        return Collect(stamp, touched, highest);
    }

    private int NextStamp()
    {
        if (++_stamp == int.MaxValue)
        {
            Array.Clear(_stamps);
            _stamp = 1;
        }

        return _stamp;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Sum(ReadOnlySpan<(int Node, long Diff)> changes, int stamp, ref int touched, ref int highest)
    {
        foreach (var (node, diff) in changes)
        {
            var (slot, worker) = Math.DivRem(node, peers);
            if (worker != index || node < 0)
            {
                throw new ArgumentException($"node {node} is not one of worker {index}'s {peers}-way share", nameof(changes));
            }

            if (slot >= _stamps.Length)
            {
                Grow(slot);
            }

            if (_stamps[slot] != stamp)
            {
                _stamps[slot] = stamp;
                _sums[slot] = diff;
                _touched[touched++] = slot;
                highest = Math.Max(highest, slot);
            }
            else
            {
                _sums[slot] = checked(_sums[slot] + diff); // a wrapped sum would pass for a small change
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private ReadOnlySpan<(int Node, long Diff)> Collect(int stamp, int touched, int highest)
    {
        if (_result.Length < touched)
        {
            _result = new (int, long)[Math.Max(touched, _result.Length * 2)];
        }

        // In node order: scan the slots when most of them were touched, else sort the touched ones.
        int kept = 0;
        if (touched > (highest + 1) / 8)
        {
            for (int slot = 0; slot <= highest; slot++)
            {
                if (_stamps[slot] == stamp && _sums[slot] != 0)
                {
                    _result[kept++] = ((slot * peers) + index, _sums[slot]);
                }
            }
        }
        else
        {
            var order = _touched.AsSpan(0, touched);
            order.Sort();
            foreach (int slot in order)
            {
                if (_sums[slot] != 0)
                {
                    _result[kept++] = ((slot * peers) + index, _sums[slot]);
                }
            }
        }

        return _result.AsSpan(0, kept);
    }

    private void Grow(int slot)
    {
        int length = Math.Max(slot + 1, _stamps.Length * 2);
        Array.Resize(ref _sums, length);
        Array.Resize(ref _stamps, length);
        Array.Resize(ref _touched, length);
    }
}
