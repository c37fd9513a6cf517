using System.Text.Json;
using Timely.Bench.Tracing;

namespace Timely.Bench.Tests;

/// <summary><c>--trace FILE</c> and <c>timely trace-report</c>: the JSON keeps Chrome's trace-event rules.</summary>
public sealed class TraceTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly string _dir = Directory.CreateTempSubdirectory("timely-trace-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string TracePingPong()
    {
        string path = Path.Combine(_dir, "t.json");
        var (code, stdout, stderr) = TimelyChild.Run(["pingpong", "50", "1", "-w", "2", "--trace", path], Deadline);
        Assert.True(code == 0, string.Join('\n', stderr));
        Assert.Contains(stdout, l => l.StartsWith($"trace: {path} (", StringComparison.Ordinal));
        return path;
    }

    [Fact]
    public void A_traced_pingpong_has_balanced_slices_ordered_tracks_and_flows_with_both_ends()
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(TracePingPong()));
        var open = new Dictionary<(int, int), Stack<string>>();
        var last = new Dictionary<(int, int), double>();
        var starts = new List<string>();
        var finishes = new List<string>();
        int slices = 0, instants = 0;
        foreach (var e in document.RootElement.GetProperty("traceEvents").EnumerateArray())
        {
            string ph = e.GetProperty("ph").GetString()!;
            var track = (e.GetProperty("pid").GetInt32(), e.GetProperty("tid").GetInt32());
            if (ph == "M")
            {
                continue;
            }

            double ts = e.GetProperty("ts").GetDouble();
            Assert.True(!last.TryGetValue(track, out double before) || before <= ts, $"track {track}: {ts} after {before}");
            last[track] = ts;
            string name = e.GetProperty("name").GetString()!;
            switch (ph)
            {
                case "B":
                    (open.TryGetValue(track, out var s) ? s : open[track] = new Stack<string>()).Push(name);
                    break;
                case "E":
                    Assert.Equal(name, open[track].Pop());
                    slices++;
                    break;
                case "s":
                    starts.Add(e.GetProperty("id").GetString()!);
                    break;
                case "f":
                    finishes.Add(e.GetProperty("id").GetString()!);
                    break;
                case "i":
                    instants++;
                    break;
                default:
                    Assert.Fail($"unexpected phase {ph}");
                    break;
            }
        }

        Assert.All(open.Values, s => Assert.Empty(s));
        Assert.Equal([(0, 0), (0, 1)], last.Keys.Order());
        Assert.True(slices > 100, $"{slices} slices");
        Assert.NotEmpty(starts);
        Assert.Equal(starts.Count, starts.Distinct().Count());
        Assert.Equal(starts.Order(), finishes.Order());
        Assert.True(instants > 0);
    }

    [Fact]
    public void Trace_report_totals_every_operator_and_draws_an_svg()
    {
        string trace = TracePingPong();
        string svg = Path.Combine(_dir, "t.svg");
        var (code, stdout, stderr) = TimelyChild.Run(["trace-report", trace, "--svg", svg, "--ms", "50"], Deadline);
        Assert.True(code == 0, string.Join('\n', stderr.Concat(stdout)));
        foreach (string op in new[] { "Feedback", "Concat", "Exchange", "Map", "BranchWhen" })
        {
            var line = Assert.Single(stdout, l => l.StartsWith(op + " ", StringComparison.Ordinal));
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture) >= 51, line);   // 51 passes of the loop, 2 workers
        }

        Assert.Contains(stdout, l => l.StartsWith("rules: ok", StringComparison.Ordinal));
        string text = File.ReadAllText(svg);
        Assert.StartsWith("<svg", text, StringComparison.Ordinal);
        Assert.Contains("<rect", text, StringComparison.Ordinal);
        Assert.Contains("worker 1", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_trace_breaking_the_rules_is_reported_and_exits_1()
    {
        string path = Path.Combine(_dir, "bad.json");
        File.WriteAllText(path, """
            {"traceEvents":[
              {"name":"a","ph":"B","ts":10,"pid":0,"tid":0},
              {"name":"b","ph":"E","ts":12,"pid":0,"tid":0},
              {"name":"x","ph":"i","ts":5,"pid":0,"tid":0},
              {"name":"m","ph":"s","id":"1","ts":20,"pid":0,"tid":0}
            ]}
            """);
        var trace = TraceFile.Read(path);
        Assert.Equal(4, trace.Problems.Count);   // b without begin, time back, a never ends, flow 1 unfinished
        var (code, stdout, _) = TimelyChild.Run(["trace-report", path], Deadline);
        Assert.Equal(1, code);
        Assert.Contains(stdout, l => l.StartsWith("rules: 4 problems", StringComparison.Ordinal));
    }

    [Fact]
    public void An_unwritable_trace_path_is_a_usage_error_before_the_run()
    {
        string path = Path.Combine(_dir, "missing", "t.json");
        var (code, _, stderr) = TimelyChild.Run(["pingpong", "10", "1", "--trace", path], Deadline);
        Assert.Equal(2, code);
        Assert.Contains(stderr, l => l.StartsWith("timely: error: --trace", StringComparison.Ordinal));
    }
}
