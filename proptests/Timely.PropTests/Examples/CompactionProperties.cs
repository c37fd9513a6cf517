using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Examples;

namespace Timely.PropTests.Examples;

/// <summary>
/// The examples' compaction (sort by key, sum equal keys, drop zero sums) against the model
/// "group by key, sum, keep the non-zero sums in key order", for each of its three forms: the
/// introsort over a span, the sums per node of one worker's share of the nodes over chunked
/// records (small and large node ranges, across chunk boundaries, several times in a row on the
/// same sums) and over batches summed as they arrive (two times at once), the merge of two sorted runs, and the merge of chunks each sorted in place.
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
    public Property Summing_a_workers_nodes_is_compacting_them_time_after_time()
    {
        // Several times in a row on one NodeSums (its slots carry over), each beyond a chunk (8192)
        // or small, over few to many nodes, for one worker's share of P: the nodes w, w + P, w + 2P, ...
        var sizes = Gen.OneOf(Gen.Choose(0, 600), Gen.Choose(8000, 20_000));
        var slots = Gen.Elements(1, 3, 1 << 11, 1 << 17, 1 << 20);
        var time = Gen.Zip(Gen.Zip(sizes, slots), Gen.Choose(0, int.MaxValue));
        var run = Gen.Zip(Gen.Zip(Gen.Choose(1, 4), Gen.Choose(0, 3)), time.ArrayOf().Select(a => a.Take(4).ToArray()));
        return Prop.ForAll(run.ToArbitrary(), t =>
        {
            var ((peers, w), times) = t;
            int index = w % peers;
            var sums = new NodeSums(peers, index);
            var spare = new Stack<(int, long)[]>();
            foreach (var ((count, range), seed) in times)
            {
                var random = new Random(seed);
                var pairs = Enumerable.Range(0, count).Select(_ => ((random.Next(range) * peers) + index, (long)random.Next(-2, 3))).ToArray();
                var chunks = new RecordChunks<(int Key, long Diff)>(spare);
                for (int i = 0; i < pairs.Length; i += 1000)
                {
                    chunks.Append(pairs.AsSpan(i, Math.Min(1000, pairs.Length - i)));
                }

                var compacted = sums.Compact(chunks).ToArray();
                chunks.Clear();
                if (!compacted.SequenceEqual(Model(pairs)))
                {
                    return false.Label($"{count} changes over {range} nodes of worker {index} of {peers}");
                }
            }

            return true.ToProperty();
        });
    }

    [Property(MaxTest = 60)]
    public Property Summing_batches_as_they_arrive_two_times_at_once_is_compacting_each_time()
    {
        // pagerank sums each batch into its time's NodeSums as it arrives, with the next time's
        // batches arriving before the time is collected: batches of any size, the two times'
        // batches interleaved in any order, each pair of times on the same two sums as the last.
        var batch = Gen.Zip(Gen.Elements(0, 1), Gen.OneOf(Gen.Choose(0, 40), Gen.Choose(900, 3000)));
        var round = Gen.Zip(Gen.Elements(1, 300, 70_000), Gen.Choose(0, int.MaxValue));
        var run = Gen.Zip(Gen.Zip(Gen.Choose(1, 3), Gen.Choose(0, 2)), Gen.Zip(round, batch.ArrayOf().Select(a => a.Take(12).ToArray())).ArrayOf().Select(a => a.Take(3).ToArray()));
        return Prop.ForAll(run.ToArbitrary(), t =>
        {
            var ((peers, w), rounds) = t;
            int index = w % peers;
            using var first = new NodeSums(peers, index);
            using var second = new NodeSums(peers, index, 5);
            foreach (var ((range, seed), batches) in rounds)
            {
                var random = new Random(seed);
                var sent = new[] { new List<(int Key, long Diff)>(), new List<(int Key, long Diff)>() };
                foreach (var (time, size) in batches)
                {
                    var pairs = Enumerable.Range(0, size).Select(_ => ((random.Next(range) * peers) + index, (long)random.Next(-2, 3))).ToArray();
                    (time == 0 ? first : second).Add(pairs);
                    sent[time].AddRange(pairs);
                }

                var compacted = (First: first.Collect().ToArray(), Second: second.Collect().ToArray());
                if (!compacted.First.SequenceEqual(Model(sent[0])) || !compacted.Second.SequenceEqual(Model(sent[1])) || !second.Collected.ToArray().SequenceEqual(compacted.Second))
                {
                    return false.Label($"{sent[0].Count} and {sent[1].Count} changes over {range} nodes of worker {index} of {peers}");
                }
            }

            return true.ToProperty();
        });
    }

    [Property(MaxTest = 60)]
    public Property Merging_sorted_chunks_is_compacting_them_time_after_time()
    {
        // Several times in a row through one merge (its heap carries over), from nothing to
        // several chunks' worth, keys from few (sums cancel across chunks) to many.
        var time = Gen.Zip(Gen.Zip(Gen.OneOf(Gen.Choose(0, 600), Gen.Choose(RecordChunks<(int, long)>.ChunkSize - 3, (3 * RecordChunks<(int, long)>.ChunkSize) + 5)), Gen.Elements(1, 7, 300, 70_000, int.MaxValue)), Gen.Choose(0, int.MaxValue))
            .Select(t => (Count: t.Item1.Item1, Range: t.Item1.Item2, Seed: t.Item2));
        return Prop.ForAll(time.ArrayOf().Select(a => a.Take(4).ToArray()).ToArbitrary(), times =>
        {
            var merge = new ChunkMerge<int>();
            var spare = new Stack<(int, long)[]>();
            foreach (var (count, range, seed) in times)
            {
                var random = new Random(seed);
                var pairs = Enumerable.Range(0, count).Select(_ => (random.Next(range), (long)random.Next(-2, 3))).ToArray();
                var chunks = new RecordChunks<(int Key, long Diff)>(spare);
                for (int i = 0; i < pairs.Length; i += 1000)
                {
                    chunks.Append(pairs.AsSpan(i, Math.Min(1000, pairs.Length - i)));
                }

                merge.Start(chunks);
                var compacted = new List<(int, long)>();
                while (merge.TryNext(out var item))
                {
                    compacted.Add(item);
                }

                chunks.Clear();
                if (!compacted.SequenceEqual(Model(pairs)))
                {
                    return false.Label($"{count} pairs over {range} keys");
                }
            }

            return true.ToProperty();
        });
    }

    [Fact]
    public void Summing_refuses_a_node_of_another_worker()
    {
        var chunks = new RecordChunks<(int Key, long Diff)>(new Stack<(int, long)[]>());
        chunks.Append([(4, 1), (5, 1)]);
        var error = Assert.Throws<ArgumentException>(() => new NodeSums(2, 0).Compact(chunks));
        Assert.Contains("node 5", error.Message, StringComparison.Ordinal);
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
