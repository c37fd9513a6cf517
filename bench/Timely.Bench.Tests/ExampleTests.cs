using Timely.Communication;
using Timely.Dataflow;
using Timely.Examples;

namespace Timely.Bench.Tests;

/// <summary>
/// Each of timely's examples, run in this process on one worker, two threads and two threads
/// through byte rings (-z), against a sequential computation of the same result on small inputs.
/// </summary>
public class ExampleTests
{
    private static Config ConfigOf(string flags) => Config.FromArgs(flags.Split(' '), out _);

    private static int Peers(string flags) => flags.Contains("-w 2", StringComparison.Ordinal) ? 2 : 1;

    private static void AssertTotal((long Records, ulong Checksum) expected, ExampleResult[] results, string flags)
    {
        Assert.Equal(Peers(flags), results.Length);
        var actual = ExampleResult.Total(results);
        Assert.Equal(expected, actual);
    }

    [Theory]
    [InlineData("-w 1")]
    [InlineData("-w 2")]
    [InlineData("-w 2 -z")]
    public void Bfs_reaches_the_nodes_a_sequential_search_reaches_at_the_same_distances(string flags)
    {
        var log = new StringWriter();
        var synced = TextWriter.Synchronized(log);
        var results = Execute.Run(ConfigOf(flags), w => Bfs.Run(w, 300, 700, synced));
        var expected = Bfs.Reference(300, 700, Peers(flags));
        Assert.True(expected.Records > 100, $"the graph should reach most nodes: {expected.Records}");
        AssertTotal(expected, results, flags);
        Assert.Contains("\tsorting", log.ToString(), StringComparison.Ordinal);
        Assert.Contains("\ttime: 1", log.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-w 1")]
    [InlineData("-w 2 -z")]
    public void Flow_controlled_prints_rusts_lines_every_record_on_every_worker(string flags)
    {
        var log = new StringWriter();
        var synced = TextWriter.Synchronized(log);
        var results = Execute.Run(ConfigOf(flags), w => FlowControlled.Run(w, synced));
        AssertTotal(FlowControlled.Reference(Peers(flags)), results, flags);

        // What Rust's example prints: "@ time: (x, x)", time x / 100 * 100, in order on each worker.
        var expected = Enumerable.Range(0, (int)FlowControlled.Values).Select(x => $"@ {x / 100 * 100}: ({x}, {x})");
        var lines = log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (Peers(flags) == 1)
        {
            Assert.Equal(expected, lines);
        }
        else
        {
            Assert.Equal(expected.SelectMany(l => new[] { l, l }).Order(StringComparer.Ordinal), lines.Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public void Bfs_of_a_graph_without_edges_reaches_node_0_only()
    {
        AssertTotal((1, ExampleRandom.Pair(0, 1)), Execute.Run(Config.Thread, w => Bfs.Run(w, 10, 0, TextWriter.Null)), "-w 1");
    }

    [Theory]
    [InlineData("-w 1")]
    [InlineData("-w 2")]
    [InlineData("-w 2 -z")]
    public void Pagerank_ends_with_the_ranks_of_a_sequential_run_time_by_time(string flags)
    {
        var log = new StringWriter();
        var synced = TextWriter.Synchronized(log);
        var results = Execute.Run(ConfigOf(flags), w => PageRank.Run(w, 60, 200, 20, synced));
        var expected = PageRank.Reference(60, 200, 20, Peers(flags));
        Assert.True(expected.Records > 60, $"ranks should change: {expected.Records}");
        AssertTotal(expected, results, flags);
        // Rust's line per time of rank changes: elapsed, time, count, sum, max.
        Assert.Matches(@"(?m)^[0-9.]+(ms|s|µs):\t1\t\d+\t\d+\t\d+\r?$", log.ToString());
    }

    [Theory]
    [InlineData("-w 1")]
    [InlineData("-w 2")]
    [InlineData("-w 2 -z")]
    public void Wordcount_emits_the_running_counts_of_a_sequential_count(string flags)
    {
        AssertTotal(WordCount.Reference(6, 4, Peers(flags)), Execute.Run(ConfigOf(flags), w => WordCount.Run(w, 6, 4, TextWriter.Null)), flags);
    }

    [Fact]
    public void Wordcount_with_rusts_input_prints_rusts_lines()
    {
        var log = new StringWriter();
        var synced = TextWriter.Synchronized(log);
        var results = Execute.Run(Config.Process(2), w => WordCount.Run(w, 10, 0, synced));
        AssertTotal(WordCount.Reference(10, 0, 2), results, "-w 2");
        var seen = log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(Enumerable.Range(1, 20).Select(n => $"seen: (\"round\", {n})"), seen.Order(StringComparer.Ordinal).OrderBy(s => s.Length));
    }

    [Theory]
    [InlineData("-w 1")]
    [InlineData("-w 2")]
    [InlineData("-w 2 -z")]
    public void Distinct_emits_each_rounds_distinct_values_once(string flags)
    {
        AssertTotal(Distinct.Reference(3, 40, Peers(flags)), Execute.Run(ConfigOf(flags), w => Distinct.Run(w, 3, 40, TextWriter.Null)), flags);
    }

    [Fact]
    public void Distinct_with_rusts_data_on_two_workers_prints_the_seven_values()
    {
        var log = new StringWriter();
        var synced = TextWriter.Synchronized(log);
        var results = Execute.Run(Config.Process(2), w => Distinct.Run(w, 1, 0, synced));
        AssertTotal(Distinct.Reference(1, 0, 2), results, "-w 2");
        Assert.Equal(7, ExampleResult.Total(results).Records);
        var values = log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => int.Parse(l.Split("value ")[1], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal([0, 1, 2, 3, 4, 5, 7], values.Order());
    }

    [Theory]
    [InlineData("-w 1")]
    [InlineData("-w 2")]
    [InlineData("-w 2 -z")]
    public void Hashjoin_emits_every_matching_pair_once(string flags)
    {
        var log = new StringWriter();
        var synced = TextWriter.Synchronized(log);
        // 301 records: on two workers each sends 150, as Rust's VALS / P.
        var results = Execute.Run(ConfigOf(flags), w => HashJoin.Run(w, 40, 301, 70, synced));
        var expected = HashJoin.Reference(40, 301, Peers(flags));
        Assert.True(expected.Records > 300, $"keys should repeat: {expected.Records}");
        AssertTotal(expected, results, flags);
        Assert.Contains("\tworker 0 batch complete", log.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Hashjoins_reference_sums_the_term_of_every_matching_pair(int peers)
    {
        // The reference sums per key; here every pair of every worker's records is enumerated.
        var records = Enumerable.Range(0, peers)
            .SelectMany(w => Enumerable.Range(0, 300 / peers).Select(j => HashJoin.Record((ulong)j, w, 40)))
            .ToArray();
        long pairs = 0;
        ulong checksum = 0;
        foreach (var (left, _) in records)
        {
            foreach (var (_, right) in records.Where(r => r.Right.Key == left.Key))
            {
                pairs++;
                checksum = unchecked(checksum + HashJoin.PairTerm(left.Value, right.Value));
            }
        }

        Assert.Equal((pairs, checksum), HashJoin.Reference(40, 300, peers));
        Assert.True(pairs > 0, "some keys should match");
    }

    [Theory]
    [InlineData("-w 1")]
    [InlineData("-w 2")]
    [InlineData("-w 2 -z")]
    public void Unionfind_merges_as_a_sequential_union_find_and_per_worker_ones_do(string flags)
    {
        var expected = UnionFind.Reference(300, 250, Peers(flags));
        Assert.True(expected.Records > 100, $"{expected.Records}");
        AssertTotal(expected, Execute.Run(ConfigOf(flags), w => UnionFind.Run(w, 300, 250, 40)), flags);
    }

    [Theory]
    [InlineData("-w 1")]
    [InlineData("-w 2")]
    [InlineData("-w 2 -z")]
    public void Event_driven_completes_every_round_and_every_record_leaves_its_chain(string flags)
    {
        var log = new StringWriter();
        var synced = TextWriter.Synchronized(log);
        AssertTotal(EventDriven.Reference(25, record: true, Peers(flags)), Execute.Run(ConfigOf(flags), w => EventDriven.Run(w, 3, 4, record: true, 25, synced)), flags);
        Assert.Contains("\tdataflows built (3 x 4)", log.ToString(), StringComparison.Ordinal);
        Assert.Contains("\tround 0 complete in ", log.ToString(), StringComparison.Ordinal);
        AssertTotal(EventDriven.Reference(7, record: false, Peers(flags)), Execute.Run(ConfigOf(flags), w => EventDriven.Run(w, 2, 1, record: false, 7, TextWriter.Null)), flags);
    }

    [Theory]
    [InlineData("-w 1", false)]
    [InlineData("-w 2", false)]
    [InlineData("-w 2 -z", false)]
    [InlineData("-w 1", true)]
    [InlineData("-w 2", true)]
    [InlineData("-w 2 -z", true)]
    public void Openloop_and_loopdemo_retire_rate_times_seconds_requests_and_print_a_distribution(string flags, bool loop)
    {
        var log = new StringWriter();
        var synced = TextWriter.Synchronized(log);
        var results = Execute.Run(ConfigOf(flags), w => OpenLoop.Run(w, loop, 2000, 0.1, synced));
        AssertTotal((200, 0), results, flags);
        var lines = log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var points = lines.Select(l => l.Split('\t')).Select(p => (Latency: ulong.Parse(p[0], System.Globalization.CultureInfo.InvariantCulture), Fraction: double.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture))).ToArray();
        for (int i = 0; i < points.Length; i++)
        {
            Assert.InRange(points[i].Fraction, double.Epsilon, 1 - double.Epsilon);
            if (i > 0)
            {
                Assert.True(points[i].Latency > points[i - 1].Latency && points[i].Fraction <= points[i - 1].Fraction, $"{lines[i - 1]} then {lines[i]}");
            }
        }
    }

    [Fact]
    public void The_latency_distribution_is_printed_as_rust_prints_it()
    {
        // One request in bucket 11 (1024..2048 ns) sub-bucket 0, one in bucket 12 sub-bucket 3 (2432 ns):
        // Rust prints every sub-bucket between them with the fraction slower than it, fastest first.
        var counts = new ulong[64, 16];
        counts[11, 0] = 1;
        counts[12, 3] = 1;
        var lines = OpenLoop.Distribution(counts).ToArray();
        Assert.Equal(19, lines.Length);
        Assert.Equal("1024\t0.5", lines[0]);
        Assert.Equal("1088\t0.5", lines[1]);
        Assert.Equal("2304\t0.5", lines[^1]);
        Assert.Empty(OpenLoop.Distribution(new ulong[64, 16]));
    }

    [Theory]
    [InlineData("-w 1")]
    [InlineData("-w 2")]
    [InlineData("-w 2 -z")]
    public void Sequence_delivers_every_element_to_every_worker_in_one_order(string flags)
    {
        var log = new StringWriter();
        var synced = TextWriter.Synchronized(log);
        AssertTotal(Sequence.Reference(4, Peers(flags)), Execute.Run(ConfigOf(flags), w => Sequence.Run(w, 4, synced)), flags);
        Assert.Contains(":\tWorker 0:\t recv'd: \"worker 0, round 3\"", log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_generators_are_seeded_and_independent_of_the_worker()
    {
        Assert.Equal(ExampleRandom.At(7, 1), ExampleRandom.At(7, 1));
        Assert.NotEqual(ExampleRandom.At(7, 0), ExampleRandom.At(7, 1));
        Assert.NotEqual(ExampleRandom.Pair(1, 2), ExampleRandom.Pair(2, 1));
        Assert.Equal(0xaf63dc4c8601ec8cUL, ExampleRandom.Hash("a"));   // FNV-1a (64-bit) of "a"
    }

    // What Rust 1.95's std printed for `BuildHasherDefault::<DefaultHasher>::new().hash_one(&(i, index, k))`
    // with i a usize, as bfs hashes it ...
    [Theory]
    [InlineData(0UL, 0UL, 0, 2656592473731891376UL)]
    [InlineData(0UL, 0UL, 1, 11334733417893516163UL)]
    [InlineData(1UL, 0UL, 0, 1143195132075815790UL)]
    [InlineData(1UL, 0UL, 1, 10369252831035133901UL)]
    [InlineData(12345UL, 1UL, 0, 6634503383417728852UL)]
    [InlineData(99999UL, 1UL, 1, 17552721364643646694UL)]
    [InlineData(ulong.MaxValue, 3UL, 1, 1559461476661945271UL)]
    [InlineData(7UL, 2UL, 0, 11962235005691956359UL)]
    public void Rusts_hash_of_a_usize_tuple_is_reproduced_to_the_bit(ulong i, ulong index, int field, ulong rust) =>
        Assert.Equal(rust, RustHash.Usize(i, index, field));

    // ... and with i an i32, as pagerank, hashjoin and unionfind hash it (their `(0..)` is an i32 range).
    [Theory]
    [InlineData(0, 0UL, 0, 8556445246977061536UL)]
    [InlineData(5, 0UL, 1, 8209903513256731787UL)]
    [InlineData(999999, 1UL, 2, 1488825343180991914UL)]
    [InlineData(123, 1UL, 3, 1613768808439012355UL)]
    [InlineData(0, 1UL, 0, 7517729888805320910UL)]
    [InlineData(2, 1UL, 0, 2050278755262006338UL)]
    public void Rusts_hash_of_an_i32_tuple_is_reproduced_to_the_bit(int i, ulong index, int field, ulong rust) =>
        Assert.Equal(rust, RustHash.Int32(i, index, field));

    [Fact]
    public void Pagerank_acting_on_a_slice_of_a_time_a_run_fills_the_message_pool_with_a_slice_not_a_time()
    {
        // On one worker everything a run sends waits in the loop until the operator's next run, in
        // messages from the worker's pool: a time acted on whole has all its changes in flight at
        // once, a slice a run only the slice's (the operator takes them back at its next run).
        static long Allocated(int slice) =>
            Execute.Run(Config.Thread, w => PageRank.Run(w, 5_000, 20_000, 3, TextWriter.Null, slice))[0].Workload.AllocatedBytes;

        Allocated(1_024); // the first run compiles the methods
        long whole = Allocated(int.MaxValue);
        long sliced = Allocated(1_024);
        Assert.True(sliced * 2 < whole, $"slices of 1,024 records allocated {sliced:N0} B, whole times {whole:N0} B");
    }

    // Rust timely 0.29's `pagerank 1000 4000` printed these lines for time 1 (and, on one worker,
    // time 2), after its elapsed time: the same edges give the same rank changes.
    [Theory]
    [InlineData("-w 1", new[] { "1\t983\t817757\t2575", "2\t980\t669581\t2748" })]
    [InlineData("-w 2", new[] { "1\t492\t404866\t2704", "1\t491\t413268\t3032" })]
    public void Pagerank_prints_Rusts_first_lines_on_Rusts_graph(string flags, string[] rust)
    {
        var log = new StringWriter();
        var synced = TextWriter.Synchronized(log);
        Execute.Run(ConfigOf(flags), w => PageRank.Run(w, 1000, 4000, 0, synced));
        var lines = log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l[(l.IndexOf('\t', StringComparison.Ordinal) + 1)..]).ToList();
        foreach (string line in rust)
        {
            Assert.Contains(line, lines);
        }
    }

    [Fact]
    public void Bfs_at_Rusts_full_size_on_one_worker_has_Rusts_graph_where_node_0_has_no_out_edges()
    {
        // Rust's graph for `bfs 100000 200000`: node 0 has no out-edge on one worker and one on two
        // (counted with Rust's own hasher), which decides how far either search goes.
        static int OutDegreeOfZero(int peers) => Enumerable.Range(0, peers)
            .Sum(w => Enumerable.Range(0, 200_000 / peers).Count(i => Bfs.Edge((ulong)i, w, 100_000).Source == 0));
        Assert.Equal(0, OutDegreeOfZero(1));
        Assert.Equal(1, OutDegreeOfZero(2));
    }
}
