using System.Runtime.CompilerServices;

namespace Timely.Examples;

/// <summary>
/// timely's examples' <c>compact</c> over <c>(key, diff)</c> pairs: sort by key, sum the diffs of
/// equal keys, drop the zero sums. The sort is an introsort over the pairs themselves, generic over
/// the key, so the JIT compiles one copy per key type with the key comparison inlined; the
/// runtime's <c>List.Sort(Comparison)</c> calls a delegate per comparison, which was a third of
/// pagerank's time (perf.md §14: the examples' profiles before their rewrites, in its git history).
/// </summary>
internal static class Compaction
{
    private const int InsertionSortBelow = 16;

    /// <summary>Compacts <paramref name="items"/> in place; the compacted pairs are its first (returned) count, in key order.</summary>
    public static int Compact<TKey>(Span<(TKey Key, long Diff)> items)
        where TKey : struct, IComparable<TKey>, IEquatable<TKey>
    {
        Sort(items);
        return SumSorted(items);
    }

    /// <summary>
    /// Compacts <paramref name="items"/>, two runs each sorted by key with no key twice
    /// (<c>[0, split)</c> and <c>[split, end)</c>), into <paramref name="into"/> by merging them: what sorting the
    /// concatenation and compacting it gives, in one linear pass (a node's old and new allocation
    /// over its sorted out-edges are two such runs). Returns the count written.
    /// </summary>
    public static int CompactRuns(ReadOnlySpan<(int Key, long Diff)> items, int split, Span<(int Key, long Diff)> into)
    {
        int i = 0, j = split, kept = 0;
        while (i < split || j < items.Length)
        {
            (int Key, long Diff) next;
            if (j == items.Length || (i < split && items[i].Key < items[j].Key))
            {
                next = items[i++];
            }
            else if (i == split || items[j].Key < items[i].Key)
            {
                next = items[j++];
            }
            else
            {
                next = (items[i].Key, items[i].Diff + items[j].Diff);
                i++;
                j++;
            }

            if (next.Diff != 0)
            {
                into[kept++] = next;
            }
        }

        return kept;
    }

    /// <summary>Compacts a list in place (it keeps the compacted pairs only).</summary>
    public static void Compact<TKey>(List<(TKey Key, long Diff)> list)
        where TKey : struct, IComparable<TKey>, IEquatable<TKey>
    {
        int kept = Compact(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(list));
        list.RemoveRange(kept, list.Count - kept);
    }

    // Sums the diffs of each run of equal keys of sorted pairs into the front, dropping zero sums; the count kept.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int SumSorted<TKey>(Span<(TKey Key, long Diff)> items)
        where TKey : struct, IEquatable<TKey>
    {
        if (items.Length == 0)
        {
            return 0;
        }

        int kept = 0;
        var last = items[0];
        for (int i = 1; i < items.Length; i++)
        {
            var item = items[i];
            if (item.Key.Equals(last.Key))
            {
                last.Diff += item.Diff;
            }
            else
            {
                if (last.Diff != 0)
                {
                    items[kept++] = last;
                }

                last = item;
            }
        }

        if (last.Diff != 0)
        {
            items[kept++] = last;
        }

        return kept;
    }

    /// <summary>Sorts by key (not stable: equal keys are summed afterwards, so their order does not matter).</summary>
    public static void Sort<TKey>(Span<(TKey Key, long Diff)> items)
        where TKey : struct, IComparable<TKey>
    {
        if (items.Length > 1)
        {
            IntroSort(items, 2 * (System.Numerics.BitOperations.Log2((uint)items.Length) + 1));
        }
    }

    private static void IntroSort<TKey>(Span<(TKey Key, long Diff)> items, int depth)
        where TKey : struct, IComparable<TKey>
    {
        while (items.Length > InsertionSortBelow)
        {
            if (depth == 0)
            {
                HeapSort(items);
                return;
            }

            depth--;
            int pivot = Partition(items);
            IntroSort(items[(pivot + 1)..], depth);
            items = items[..pivot];
        }

        InsertionSort(items);
    }

    // Median of three to the second-last place, then the two scans of the runtime's ArraySortHelper:
    // both stop on keys equal to the pivot, so runs of equal keys split evenly.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Partition<TKey>(Span<(TKey Key, long Diff)> items)
        where TKey : struct, IComparable<TKey>
    {
        int hi = items.Length - 1;
        int middle = hi >> 1;
        SwapIfGreater(items, 0, middle);
        SwapIfGreater(items, 0, hi);
        SwapIfGreater(items, middle, hi);
        var pivot = items[middle];
        (items[middle], items[hi - 1]) = (items[hi - 1], items[middle]);
        int left = 0, right = hi - 1;
        while (left < right)
        {
            while (items[++left].Key.CompareTo(pivot.Key) < 0)
            {
            }

            while (pivot.Key.CompareTo(items[--right].Key) < 0)
            {
            }

            if (left >= right)
            {
                break;
            }

            (items[left], items[right]) = (items[right], items[left]);
        }

        if (left != hi - 1)
        {
            (items[left], items[hi - 1]) = (items[hi - 1], items[left]);
        }

        return left;
    }

    private static void SwapIfGreater<TKey>(Span<(TKey Key, long Diff)> items, int i, int j)
        where TKey : struct, IComparable<TKey>
    {
        if (items[i].Key.CompareTo(items[j].Key) > 0)
        {
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    private static void InsertionSort<TKey>(Span<(TKey Key, long Diff)> items)
        where TKey : struct, IComparable<TKey>
    {
        for (int i = 1; i < items.Length; i++)
        {
            var item = items[i];
            int j = i - 1;
            while (j >= 0 && item.Key.CompareTo(items[j].Key) < 0)
            {
                items[j + 1] = items[j];
                j--;
            }

            items[j + 1] = item;
        }
    }

    private static void HeapSort<TKey>(Span<(TKey Key, long Diff)> items)
        where TKey : struct, IComparable<TKey>
    {
        int n = items.Length;
        for (int i = (n >> 1) - 1; i >= 0; i--)
        {
            SiftDown(items, i, n);
        }

        for (int end = n - 1; end > 0; end--)
        {
            (items[0], items[end]) = (items[end], items[0]);
            SiftDown(items, 0, end);
        }
    }

    private static void SiftDown<TKey>(Span<(TKey Key, long Diff)> items, int i, int n)
        where TKey : struct, IComparable<TKey>
    {
        var item = items[i];
        while (true)
        {
            int child = (2 * i) + 1;
            if (child >= n)
            {
                break;
            }

            if (child + 1 < n && items[child].Key.CompareTo(items[child + 1].Key) < 0)
            {
                child++;
            }

            if (item.Key.CompareTo(items[child].Key) >= 0)
            {
                break;
            }

            items[i] = items[child];
            i = child;
        }

        items[i] = item;
    }
}
