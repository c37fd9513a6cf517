using Timely.Bench.Tracing;

namespace Timely.Bench.Tests;

/// <summary><c>timely suite --trace DIR</c> keeps the fastest and the slowest run's trace per row.</summary>
public sealed class SuiteTraceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("timely-suite-trace-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Of_four_runs_the_fastest_and_slowest_traces_stay_with_their_other_processes_files()
    {
        var traces = new SuiteTraces(_dir);
        const string Row = "pingpong 100 1 --processes 2";
        foreach (double ms in new[] { 5.0, 3.0, 9.0, 4.0 })
        {
            string pending = traces.Pending(Row);
            File.WriteAllText(pending, $"run {ms}");
            File.WriteAllText(TraceRecorder.PathFor(pending, 1), $"run {ms} p1");
            traces.Keep(Row, ms);
        }

        var files = Directory.GetFiles(_dir).Select(f => Path.GetFileName(f)).Order().ToArray();
        Assert.Equal(
            ["pingpong_100_1___processes_2.fastest.json", "pingpong_100_1___processes_2.fastest.json.p1", "pingpong_100_1___processes_2.slowest.json", "pingpong_100_1___processes_2.slowest.json.p1"],
            files);
        Assert.Equal("run 3", File.ReadAllText(Path.Combine(_dir, "pingpong_100_1___processes_2.fastest.json")));
        Assert.Equal("run 9 p1", File.ReadAllText(Path.Combine(_dir, "pingpong_100_1___processes_2.slowest.json.p1")));
    }

    [Fact]
    public void A_smoke_suite_with_trace_leaves_readable_traces_of_its_dataflow_rows()
    {
        var (code, _, stderr) = TimelyChild.Run(["suite", "--smoke", "--no-counters", "--filter", "pingpong-throughput", "--trace", _dir], TimeSpan.FromSeconds(120));
        Assert.True(code == 0, string.Join('\n', stderr));
        var fastest = Directory.GetFiles(_dir, "*.fastest.json");
        Assert.Contains(fastest, f => Path.GetFileName(f) == "pingpong_5_1000__w_2.fastest.json");
        foreach (string file in fastest)
        {
            var trace = TraceFile.Read(file);
            Assert.Empty(trace.Problems);
            Assert.NotEmpty(trace.Slices);
        }
    }

    [Fact]
    public void A_missing_trace_directory_is_a_usage_error()
    {
        var (code, _, stderr) = TimelyChild.Run(["suite", "--smoke", "--trace", Path.Combine(_dir, "nope")], TimeSpan.FromSeconds(60));
        Assert.Equal(2, code);
        Assert.Contains(stderr, l => l.StartsWith("timely: error: --trace", StringComparison.Ordinal));
    }
}
