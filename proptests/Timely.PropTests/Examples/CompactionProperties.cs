using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Examples;

namespace Timely.PropTests.Examples;

/// <summary>
/// The examples' compaction (sort by key, sum equal keys, drop zero sums) against the model
/// "group by key, sum, keep the non-zero sums in key order", for each of its three forms: the
/// introsort over a span, the radix sort over chunked records (small and large key ranges, below
/// and above the size where it switches from the comparison sort, across chunk boundaries), and
/// the merge of two sorted runs.
/// </summary>
public sealed class CompactionProperties
{
    private static (T Key, long Diff)[] Model<T>(IEnumerable<(T Key, long Diff)> pairs)
        where T : IComparable<T> =>
        pairs.GroupBy(p => p.Key).Select(g => (g.Key, g.Sum(p => p.Diff))).Where(p => p.Item2 != 0).OrderBy(p => p.Key).ToArray();

    // Keys from a few (many repeats, so sums cancel) to many; diffs small, so zero sums occur.
    private static Gen<(int Key, long Diff)[]> Pairs(int maxCount) =>
        Gen.Elements(1, 7, 300, 70_000, 5_000_000, int.MaxValue).SelectMany(range =>
            Gen.Zip(Gen.Choose(0, range - 1), Gen.Choose(-3, 3).Select(d => (long)d)).ArrayOf()
                .Select(a => a.Take(maxCount).ToArray()));

    [Property(MaxTest = 300)]
    public Property Compacting_a_span_sums_each_key_in_key_order()
    {
        return Prop.ForAll(Pairs(2000).ToArbitrary(), pairs =>
        {
            var items = ((int, long)[])pairs.Clone();
            int kept = Compaction.Compact(items.AsSpan());
            return items.AsSpan(0, kept).ToArray().SequenceEqual(Model(pairs));
        });
    }

    [Property(MaxTest = 60)]
    public Property Compacting_chunked_records_by_node_sums_each_key_in_key_order()
    {
        // Beyond a chunk (8192) and well past the radix sort's threshold, as a time's rank changes are.
        var sizes = Gen.OneOf(Gen.Choose(0, 600), Gen.Choose(8000, 20_000));
        var keys = Gen.Elements(3, 1 << 11, 1 << 17, 1 << 22, 1 << 23, int.MaxValue);
        return Prop.ForAll(Gen.Zip(Gen.Zip(sizes, keys), Gen.Choose(0, int.MaxValue)).ToArbitrary(), t =>
        {
            var ((count, range), seed) = t;
            var random = new Random(seed);
            var pairs = Enumerable.Range(0, count).Select(_ => (random.Next(range), (long)random.Next(-2, 3))).ToArray();
            var chunks = new RecordChunks<(int Key, long Diff)>(new Stack<(int, long)[]>());
            for (int i = 0; i < pairs.Length; i += 1000)
            {
                chunks.Append(pairs.AsSpan(i, Math.Min(1000, pairs.Length - i)));
            }

            var scratch = Array.Empty<(int Key, long Diff)>();
            return Compaction.CompactByNode(chunks, ref scratch).ToArray().SequenceEqual(Model(pairs));
        });
    }

    [Property(MaxTest = 300)]
    public Property Merging_two_sorted_runs_is_compacting_their_concatenation()
    {
        var run = Gen.Zip(Gen.Choose(0, 40), Gen.Choose(-5, 5).Select(d => (long)d)).ArrayOf()
            .Select(a => a.GroupBy(p => p.Item1).Select(g => g.First()).OrderBy(p => p.Item1).ToArray());
        return Prop.ForAll(Gen.Zip(run, run).ToArbitrary(), t =>
        {
            var (first, second) = t;
            var items = first.Concat(second).ToArray();
            var into = new (int Key, long Diff)[items.Length];
            int kept = Compaction.CompactRuns(items, first.Length, into);
            return into.AsSpan(0, kept).ToArray().SequenceEqual(Model(items));
        });
    }
}
