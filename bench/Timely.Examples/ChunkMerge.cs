using System.Runtime.CompilerServices;

namespace Timely.Examples;

/// <summary>
/// timely's examples' <c>compact</c> (sort by key, sum equal keys, drop zero sums) of a time's
/// records held in <see cref="RecordChunks{T}"/>, without a copy as large as the time: each chunk
/// is sorted in place, then the chunks are merged through a heap of their next keys, and the
/// compacted pairs come out one at a time, in key order.
/// </summary>
/// <remarks>
/// Design: a copy of the chunks into one array, sorted (what this replaces), needs an array as
/// large as the time: pagerank's load of 400,000 edge changes made a 6.4 MB
/// array on the large-object heap, which set off a full collection in the timed part
/// (<c>AllocLarge</c>, measured with the runtime's GC events). Here the only state is the heap, an
/// entry per chunk (98 at that load). The chunks are the caller's and come back sorted. Sorting
/// chunks of 4,096 and merging them costs about the comparisons of one sort of the whole
/// (n log 4096 + n log chunks = n log n).
/// </remarks>
internal sealed class ChunkMerge<TKey>
    where TKey : struct, IComparable<TKey>, IEquatable<TKey>
{
    private RecordChunks<(TKey Key, long Diff)>? _items;
    private (TKey Key, int Chunk)[] _heap = new (TKey, int)[4];
    private int[] _at = new int[4];
    private int _count;

    /// <summary>Sorts each chunk of <paramref name="items"/> in place and starts merging them; <see cref="TryNext"/> then gives the compacted pairs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Start(RecordChunks<(TKey Key, long Diff)> items)
    {
        _items = items;
        int chunks = items.Chunks;
        if (_heap.Length < chunks)
        {
            _heap = new (TKey, int)[chunks];
            _at = new int[chunks];
        }

        _count = 0;
        for (int c = 0; c < chunks; c++)
        {
            var chunk = items.Chunk(c);
            if (chunk.IsEmpty)
            {
                continue;
            }

            Compaction.Sort(chunk);
            _at[c] = 0;
            _heap[_count] = (chunk[0].Key, c);
            SiftUp(_count++);
        }
    }

    /// <summary>The next compacted pair in key order (its diffs summed over every chunk, never zero), or false when all are out.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryNext(out (TKey Key, long Diff) item)
    {
        while (_count > 0)
        {
            var key = _heap[0].Key;
            long sum = 0;
            do
            {
                int c = _heap[0].Chunk;
                var chunk = _items!.Chunk(c);
                int at = _at[c];
                sum += chunk[at].Diff;
                if (++at < chunk.Length)
                {
                    _at[c] = at;
                    _heap[0] = (chunk[at].Key, c);
                }
                else
                {
                    _heap[0] = _heap[--_count];
                }

                SiftDown(0);
            }
            while (_count > 0 && _heap[0].Key.Equals(key));

            if (sum != 0)
            {
                item = (key, sum);
                return true;
            }
        }

        _items = null;
        item = default;
        return false;
    }

    private void SiftUp(int i)
    {
        var entry = _heap[i];
        while (i > 0)
        {
            int parent = (i - 1) / 2;
            if (_heap[parent].Key.CompareTo(entry.Key) <= 0)
            {
                break;
            }

            _heap[i] = _heap[parent];
            i = parent;
        }

        _heap[i] = entry;
    }

    private void SiftDown(int i)
    {
        if (_count == 0)
        {
            return;
        }

        var entry = _heap[i];
        while (true)
        {
            int child = (2 * i) + 1;
            if (child >= _count)
            {
                break;
            }

            if (child + 1 < _count && _heap[child + 1].Key.CompareTo(_heap[child].Key) < 0)
            {
                child++;
            }

            if (entry.Key.CompareTo(_heap[child].Key) <= 0)
            {
                break;
            }

            _heap[i] = _heap[child];
            i = child;
        }

        _heap[i] = entry;
    }
}
