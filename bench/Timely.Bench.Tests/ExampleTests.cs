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
        var expected = Bfs.Reference(300, 700);
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

    [Fact]
    public void Hashjoins_reference_sums_the_term_of_every_matching_pair()
    {
        // The reference sums per key; here every pair is enumerated.
        var records = Enumerable.Range(0, 300).Select(i => HashJoin.Record((ulong)i, 40)).ToArray();
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

        Assert.Equal((pairs, checksum), HashJoin.Reference(40, 300, 1));
        Assert.Equal(HashJoin.Reference(40, 300, 1), HashJoin.Reference(40, 301, 2));
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
        Assert.Equal(Bfs.Edge(5, 100), Bfs.Edge(5, 100));
        Assert.Equal(0xaf63dc4c8601ec8cUL, ExampleRandom.Hash("a"));   // FNV-1a (64-bit) of "a"
    }
}
