using System.Text.Json;
using System.Xml.Linq;
using Timely.Bench.Measurement;

namespace Timely.Bench.Tests;

/// <summary>
/// shm-bench, netbench and roundtrip record every round trip into HdrHistograms
/// (the path and its floor) and put the percentiles in their --json line; the real executable
/// runs with tiny iteration counts, so no figure here is a timing target.
/// </summary>
public sealed class TailLatencyTests : IDisposable
{
    private static readonly string[] Levels = ["p50", "p90", "p99", "p99_9", "p99_99", "max"];

    private readonly string _dir = ReportFiles.TempDirectory();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static JsonElement JsonLine(params string[] args)
    {
        var (exit, stdout, stderr) = TimelyChild.Run(args, TimeSpan.FromSeconds(120));
        Assert.True(exit == 0, $"exit {exit}: {string.Join('\n', stderr)}");
        string line = Assert.Single(stdout, l => l.TrimStart().StartsWith('{'));
        return JsonDocument.Parse(line).RootElement.Clone();
    }

    /// <summary>Each path has a count of round trips and p50 &lt;= p90 &lt;= p99 &lt;= p99.9 &lt;= p99.99 &lt;= max, all above 0 ns.</summary>
    private static void AssertOrderedPercentiles(JsonElement json, string path, long expectedCount)
    {
        Assert.Equal(expectedCount, json.GetProperty($"{path}_count").GetInt64());
        long previous = 1;
        foreach (string level in Levels)
        {
            long value = json.GetProperty($"{path}_{level}_ns").GetInt64();
            Assert.True(value >= previous, $"{path}_{level}_ns = {value} is below the level before it ({previous}) in {json}");
            previous = value;
        }
    }

    [Fact]
    public void Roundtrip_json_has_ordered_percentiles_of_every_round_trip_and_of_the_cache_line_floor()
    {
        var json = JsonLine("roundtrip", "300", "-w", "2", "--percentiles", "--json");
        AssertOrderedPercentiles(json, "roundtrip", 300);
        Assert.True(json.GetProperty("floor_count").GetInt64() > 0);
        AssertOrderedPercentiles(json, "floor", json.GetProperty("floor_count").GetInt64());
    }

    [Fact]
    public void Roundtrip_without_percentiles_times_no_trip_and_reports_no_percentiles()
    {
        var json = JsonLine("roundtrip", "300", "-w", "2", "--json");
        Assert.Equal(300, json.GetProperty("records").GetInt64());
        Assert.False(json.TryGetProperty("roundtrip_count", out _), "the plain run keeps clock reads out of its timed part");
        Assert.False(json.TryGetProperty("floor_count", out _));
    }

    [Theory]
    [InlineData("shm")]
    [InlineData("tcp")]
    public void Roundtrip_across_two_processes_reports_once_from_the_process_of_worker_0(string transport)
    {
        string shm = ReportFiles.TempDirectory();
        try
        {
            var (exit, stdout, stderr) = TimelyChild.Run(["roundtrip", "300", "-n", "2", "--transport", transport, "--shm-dir", shm, "--percentiles", "--json"], TimeSpan.FromSeconds(120));
            Assert.True(exit == 0, $"exit {exit}: {string.Join('\n', stderr)}");
            var lines = stdout.Where(l => l.TrimStart().StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToArray();
            Assert.Equal(2, lines.Length);
            var first = Assert.Single(lines, j => j.GetProperty("process").GetInt32() == 0);
            var second = Assert.Single(lines, j => j.GetProperty("process").GetInt32() == 1);
            AssertOrderedPercentiles(first, "roundtrip", 300);
            AssertOrderedPercentiles(first, "floor", first.GetProperty("floor_count").GetInt64());
            Assert.False(second.TryGetProperty("roundtrip_count", out _), "process 1 times no round trip and reports none");
        }
        finally
        {
            Directory.Delete(shm, recursive: true);
        }
    }

    [Fact]
    public void Shm_bench_json_has_ordered_percentiles_for_each_round_trip_path_and_no_allocation_per_message()
    {
        var json = JsonLine("shm-bench", "--rounds", "200", "--messages", "1000", "--batches", "2", "--json");
        // The 2 timed batches are recorded, not the warm-up; sockets run rounds / 10 per batch.
        AssertOrderedPercentiles(json, "floor", 2 * 200);
        AssertOrderedPercentiles(json, "shm_ring", 2 * 200);
        AssertOrderedPercentiles(json, "shm_ring_bell", 2 * 200);
        AssertOrderedPercentiles(json, "shm_ring_bell_backoff", 2 * 200);
        AssertOrderedPercentiles(json, "tcp", 2 * 20);
        AssertOrderedPercentiles(json, "uds", 2 * 20);
        Assert.Equal(0, json.GetProperty("shm_ring_leader_alloc_bytes_per_msg").GetDouble());
        Assert.Equal(0, json.GetProperty("shm_ring_bell_leader_alloc_bytes_per_msg").GetDouble());
        Assert.Equal(0, json.GetProperty("shm_ring_bell_backoff_leader_alloc_bytes_per_msg").GetDouble());
        Assert.Equal(0, json.GetProperty("floor_leader_alloc_bytes_per_msg").GetDouble());
    }

    /// <summary>
    /// Each wait shape of the back-off layer (<c>--backoff</c>) completes every round trip, leader
    /// and partner waiting alike, and the summary names the shape with its looks: fast looks only
    /// for <c>fast</c> (16 units' worth), none of either for <c>spinonce</c>.
    /// </summary>
    [Theory]
    [InlineData("fast")]
    [InlineData("units")]
    [InlineData("spinonce")]
    public void Shm_bench_back_off_layer_runs_each_wait_shape_and_says_which(string shape)
    {
        var json = JsonLine("shm-bench", "--rounds", "200", "--messages", "1000", "--batches", "2", "--backoff", shape, "--json");
        AssertOrderedPercentiles(json, "shm_ring_bell_backoff", 2 * 200);
        Assert.Equal(shape, json.GetProperty("backoff").GetString());
        int fast = json.GetProperty("backoff_fast_looks").GetInt32();
        int units = json.GetProperty("backoff_unit_looks").GetInt32();
        switch (shape)
        {
            case "fast":
                // 16 units' worth of PAUSEs: more looks than units, or none where a unit is one PAUSE.
                Assert.True(fast == 0 || fast > 16, $"fast looks {fast}");
                Assert.True(units >= 0);
                break;
            case "units":
                Assert.Equal(0, fast);
                Assert.True(units > 0);
                break;
            default:
                Assert.Equal(0, fast);
                Assert.Equal(0, units);
                break;
        }
    }

    /// <summary>
    /// The one-way floor streams lines through a mapping of 1,024 lines, so 5,000 a batch laps it
    /// several times; the partner checks every line's payload against its index and fails the run
    /// on a mismatch (a line overwritten before it was read, or read before its payload was).
    /// </summary>
    [Fact]
    public void Shm_bench_streams_every_line_of_its_one_way_floor_in_order_across_laps()
    {
        var json = JsonLine("shm-bench", "--rounds", "20", "--messages", "5000", "--batches", "2", "--json");
        Assert.True(json.GetProperty("line_stream_one_way_median_ns_per_msg").GetDouble() > 0);
        Assert.Equal(0, json.GetProperty("line_stream_one_way_leader_alloc_bytes_per_msg").GetDouble());
    }

    [Fact]
    public void Netbench_json_has_ordered_percentiles_for_the_raw_socket_floor_and_the_transport()
    {
        // The warm-up's untimed round trips are not recorded: each path holds exactly --rounds.
        var json = JsonLine("netbench", "-n", "2", "--transport", "tcp", "--sizes", "64", "--rounds", "200", "--warmup-ms", "100", "--stream-bytes", "65536", "--json");
        Assert.Equal(100, json.GetProperty("warmup_ms").GetDouble());
        AssertOrderedPercentiles(json, "raw_64", 200);
        AssertOrderedPercentiles(json, "timely_64", 200);
    }

    [Fact]
    public void Hist_out_writes_hdrhistogram_percentile_distributions_and_plot_writes_an_svg_with_one_line_per_path()
    {
        string hist = Path.Combine(_dir, "rt.hgrm");
        string svg = Path.Combine(_dir, "rt.svg");
        var (exit, _, stderr) = TimelyChild.Run(["roundtrip", "300", "-w", "2", "--hist-out", hist, "--plot", svg], TimeSpan.FromSeconds(120));
        Assert.True(exit == 0, $"exit {exit}: {string.Join('\n', stderr)}");
        foreach (string path in new[] { "roundtrip", "floor" })
        {
            string[] lines = File.ReadAllLines(Path.Combine(_dir, $"rt.{path}.hgrm"));
            Assert.Matches(@"^\s*Value\s+Percentile\s+TotalCount\s+1/\(1-Percentile\)", lines[0]);
            // The floor runs as many trips as the workload: 300 each.
            Assert.Contains(lines, l => l.StartsWith("#[Max", StringComparison.Ordinal) && System.Text.RegularExpressions.Regex.IsMatch(l, @"Total count\s+=\s+300\]"));
        }

        var root = XDocument.Load(svg).Root!;
        XNamespace ns = "http://www.w3.org/2000/svg";
        Assert.Equal(ns + "svg", root.Name);
        Assert.Equal(2, root.Descendants(ns + "polyline").Count());
    }

    [Fact]
    public void Percentiles_of_1_to_1000_ns_are_exact_and_of_1_to_10000_ns_within_the_histogram_resolution()
    {
        var report = new LatencyReport("known values");
        var exact = report.Add("exact", "1..1000 ns");
        var wide = report.Add("wide", "1..10000 ns");
        for (long v = 1; v <= 1000; v++)
        {
            exact.RecordNanoseconds(v);
        }

        for (long v = 1; v <= 10000; v++)
        {
            wide.RecordNanoseconds(v);
        }

        // Up to 2047 every value has its own bucket (3 significant digits).
        Assert.Equal(1000, exact.Count);
        Assert.Equal(500, exact.ValueAtPercentile(50));
        Assert.Equal(900, exact.ValueAtPercentile(90));
        Assert.Equal(990, exact.ValueAtPercentile(99));
        Assert.Equal(999, exact.ValueAtPercentile(99.9));
        Assert.Equal(1000, exact.ValueAtPercentile(99.99));
        Assert.Equal(1000, exact.Max);

        // Above, a value is reported as the highest value of its bucket: at most 0.1% above it.
        foreach (var (level, expected) in new[] { (50.0, 5000L), (90.0, 9000L), (99.0, 9900L), (99.9, 9990L), (99.99, 9999L) })
        {
            Assert.InRange(wide.ValueAtPercentile(level), expected, expected + (expected / 1000));
        }

        Assert.InRange(wide.Max, 10000, 10010);

        var json = new Dictionary<string, object>();
        report.AddTo(json);
        Assert.Equal(1000L, json["exact_count"]);
        Assert.Equal(500L, json["exact_p50_ns"]);
        Assert.Equal(999L, json["exact_p99_9_ns"]);
        Assert.Equal(1000L, json["exact_max_ns"]);
        Assert.Equal(10000L, json["wide_count"]);

        var table = new StringWriter();
        report.WriteTable(table);
        Assert.Contains("| 1..1000 ns | 1000 | 500 | 900 | 990 | 999 | 1000 | 1000 | 1.00x |", table.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Each_path_is_shown_against_its_own_floor_and_a_floor_against_itself()
    {
        // netbench has one floor per size: its 65536 B paths were shown against raw_64's p50.
        var report = new LatencyReport("floors");
        var small = report.AddFloor("raw_64", "raw 64");
        var smallPath = report.Add("timely_64", "timely 64", small);
        var big = report.AddFloor("raw_65536", "raw 65536");
        var bigPath = report.Add("timely_65536", "timely 65536", big);
        var defaulted = report.Add("other", "other");
        small.RecordNanoseconds(100);
        smallPath.RecordNanoseconds(300);
        big.RecordNanoseconds(1000);
        bigPath.RecordNanoseconds(1500);
        defaulted.RecordNanoseconds(200);
        var table = new StringWriter();
        report.WriteTable(table);
        string text = table.ToString();
        Assert.Contains("| raw 64 | 1 | 100 | 100 | 100 | 100 | 100 | 100 | 1.00x |", text, StringComparison.Ordinal);
        Assert.Contains("| timely 64 | 1 | 300 | 300 | 300 | 300 | 300 | 300 | 3.00x |", text, StringComparison.Ordinal);
        Assert.Contains("| raw 65536 | 1 | 1000 | 1000 | 1000 | 1000 | 1000 | 1000 | 1.00x |", text, StringComparison.Ordinal);
        Assert.Contains("| timely 65536 | 1 | 1500 | 1500 | 1500 | 1500 | 1500 | 1500 | 1.50x |", text, StringComparison.Ordinal);
        Assert.Contains("| other | 1 | 200 | 200 | 200 | 200 | 200 | 200 | 2.00x |", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_round_trip_longer_than_the_trackable_range_is_recorded_as_its_highest_value()
    {
        var path = new LatencyReport("clamp").Add("clamp", "clamp");
        path.RecordNanoseconds(LatencyHistogram.HighestTrackableNs * 2);
        path.RecordNanoseconds(0);
        Assert.Equal(2, path.Count);
        // Reported within the histogram's resolution of the top (0.1% at 3 digits; 1% margin).
        Assert.InRange(path.Max, LatencyHistogram.HighestTrackableNs * 0.99, LatencyHistogram.HighestTrackableNs * 1.01);
    }

    [Fact]
    public void Hist_out_puts_each_path_key_before_the_extension()
    {
        Assert.Equal(Path.Combine("d", "rt.floor.hgrm"), LatencyReport.DistributionPath(Path.Combine("d", "rt.hgrm"), "floor"));
        Assert.Equal(Path.Combine("d", "rt.floor.hgrm"), LatencyReport.DistributionPath(Path.Combine("d", "rt"), "floor"));
    }
}
