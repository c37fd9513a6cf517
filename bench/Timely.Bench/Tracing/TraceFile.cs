using System.Text.Json;

namespace Timely.Bench.Tracing;

/// <summary>
/// A Chrome trace-event file as <c>timely trace-report</c> reads it: slices (matched B/E pairs per
/// track), flows (s/f pairs by id) and instants, with the track names. Only the phases that
/// <see cref="TraceRecorder"/> writes are read; others are ignored.
/// </summary>
public sealed class TraceFile
{
    /// <summary>A completed slice on track (<paramref name="Pid"/>, <paramref name="Tid"/>), times in µs.</summary>
    public readonly record struct Slice(int Pid, int Tid, string Name, string Category, double Start, double End, long Records);

    /// <summary>A message flow from one track to another, times in µs.</summary>
    public readonly record struct Flow((int Pid, int Tid) From, double Sent, (int Pid, int Tid) To, double Received);

    /// <summary>An instant (a progress batch), time in µs.</summary>
    public readonly record struct Instant(int Pid, int Tid, string Name, double Time);

    /// <summary>Slices, in the order they end.</summary>
    public List<Slice> Slices { get; } = new();

    /// <summary>Flows whose both ends are in the file.</summary>
    public List<Flow> Flows { get; } = new();

    /// <summary>Instants.</summary>
    public List<Instant> Instants { get; } = new();

    /// <summary>Track names by (pid, tid), from the thread_name metadata.</summary>
    public SortedDictionary<(int Pid, int Tid), string> Tracks { get; } = new();

    /// <summary>Problems with the file's rules: unbalanced slices, times going back on a track, flows without both ends.</summary>
    public List<string> Problems { get; } = new();

    /// <summary>Reads <paramref name="path"/>; a file that is no trace-event JSON throws <see cref="FormatException"/> naming it.</summary>
    public static TraceFile Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = File.OpenRead(path);
        try
        {
            using var document = JsonDocument.Parse(stream);
            return From(document.RootElement);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException)
        {
            throw new FormatException($"{path}: not a Chrome trace-event file ({e.Message.ReplaceLineEndings(" ")})", e);
        }
    }

    private static TraceFile From(JsonElement root)
    {
        var trace = new TraceFile();
        var events = root.ValueKind == JsonValueKind.Array ? root : root.GetProperty("traceEvents");
        var open = new Dictionary<(int, int), Stack<(string Name, string Category, double Start)>>();
        var last = new Dictionary<(int, int), double>();
        var starts = new Dictionary<string, ((int, int) Track, double Time)>();
        var finishes = new Dictionary<string, ((int, int) Track, double Time)>();
        foreach (var e in events.EnumerateArray())
        {
            string phase = e.GetProperty("ph").GetString() ?? "";
            int pid = e.TryGetProperty("pid", out var p) ? p.GetInt32() : 0;
            int tid = e.TryGetProperty("tid", out var t) ? t.GetInt32() : 0;
            var track = (pid, tid);
            string name = e.TryGetProperty("name", out var n) ? n.GetString() ?? "" : "";
            if (phase == "M")
            {
                if (name == "thread_name")
                {
                    trace.Tracks[track] = e.GetProperty("args").GetProperty("name").GetString() ?? "";
                }

                continue;
            }

            double ts = e.GetProperty("ts").GetDouble();
            if (last.TryGetValue(track, out double before) && ts < before)
            {
                trace.Problems.Add($"track {pid}/{tid}: time goes back from {before} to {ts} µs ({phase} {name})");
            }

            last[track] = ts;
            if (!trace.Tracks.ContainsKey(track))
            {
                trace.Tracks[track] = $"{pid}/{tid}";
            }

            string category = e.TryGetProperty("cat", out var c) ? c.GetString() ?? "" : "";
            switch (phase)
            {
                case "B":
                    if (!open.TryGetValue(track, out var stack))
                    {
                        open[track] = stack = new Stack<(string, string, double)>();
                    }

                    stack.Push((name, category, ts));
                    break;
                case "E":
                    if (!open.TryGetValue(track, out var s) || s.Count == 0 || s.Peek().Name != name)
                    {
                        trace.Problems.Add($"track {pid}/{tid}: end of '{name}' at {ts} µs without its begin");
                        break;
                    }

                    var (_, cat, start) = s.Pop();
                    long records = e.TryGetProperty("args", out var a) && a.TryGetProperty("records", out var r) ? r.GetInt64() : 0;
                    trace.Slices.Add(new Slice(pid, tid, name, cat, start, ts, records));
                    break;
                case "s":
                    if (!starts.TryAdd(e.GetProperty("id").GetString() ?? "", (track, ts)))
                    {
                        trace.Problems.Add($"flow {e.GetProperty("id").GetString()} starts twice");
                    }

                    break;
                case "f":
                    if (!finishes.TryAdd(e.GetProperty("id").GetString() ?? "", (track, ts)))
                    {
                        trace.Problems.Add($"flow {e.GetProperty("id").GetString()} finishes twice");
                    }

                    break;
                case "i" or "I":
                    trace.Instants.Add(new Instant(pid, tid, name, ts));
                    break;
            }
        }

        foreach (var (track, stack) in open)
        {
            foreach (var (name, _, start) in stack)
            {
                trace.Problems.Add($"track {track.Item1}/{track.Item2}: '{name}' begun at {start} µs never ends");
            }
        }

        foreach (var (id, start) in starts)
        {
            if (finishes.Remove(id, out var finish))
            {
                trace.Flows.Add(new Flow(start.Track, start.Time, finish.Track, finish.Time));
            }
            else
            {
                trace.Problems.Add($"flow {id} starts and never finishes");
            }
        }

        foreach (var id in finishes.Keys)
        {
            trace.Problems.Add($"flow {id} finishes without a start");
        }

        return trace;
    }
}
