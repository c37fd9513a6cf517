using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Timely.Dataflow;
using Timely.Dataflow.Logging;

namespace Timely.Bench.Tracing;

/// <summary>
/// <c>--trace FILE</c>: collects every local worker's <c>"timely"</c> log during a workload and writes it
/// as Chrome trace-event JSON (chrome://tracing, ui.perfetto.dev): one track per worker (pid = process,
/// tid = worker), operator schedules and parks as slices (B/E), each message whose send and receive were
/// both seen as a flow (s/f, bound to the enclosing slices), progress batches as instants. A schedule's end
/// carries the records its operator received while it ran (<c>args.records</c>).
/// </summary>
/// <remarks>
/// Workers log into their own lists on their own threads (a logger belongs to its worker); the lists
/// are read once the run has ended. Times are shifted to the earliest worker's start, so the tracks of
/// one process line up.
/// </remarks>
public sealed class TraceRecorder
{
    private readonly List<WorkerLog> _workers = new();

    /// <summary>The recorder of the current run, if <c>--trace</c> was given (workloads attach their workers to it).</summary>
    public static TraceRecorder? Active { get; set; }

    /// <summary>Registers <paramref name="worker"/>'s <c>"timely"</c> log with <see cref="Active"/>, if any; call before building dataflows.</summary>
    public static void Attach(Worker worker)
    {
        ArgumentNullException.ThrowIfNull(worker);
        if (Active is not { } recorder)
        {
            return;
        }

        var log = new WorkerLog(worker.Index, worker.Log.Origin);
        lock (recorder._workers)
        {
            recorder._workers.Add(log);
        }

        worker.Log.Register<TimelyEvent>(BatchLogger.TimelyLogName, (_, batch) =>
        {
            foreach (var entry in batch)
            {
                log.Events.Add(entry);
            }
        });
    }

    /// <summary>Events recorded so far, all workers.</summary>
    public int EventCount
    {
        get
        {
            lock (_workers)
            {
                return _workers.Sum(w => w.Events.Count);
            }
        }
    }

    /// <summary>Writes the trace of process <paramref name="process"/> to <paramref name="path"/>.</summary>
    public void Write(string path, int process)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16);
        Write(stream, process);
    }

    /// <summary>Writes the trace of process <paramref name="process"/> to <paramref name="stream"/>.</summary>
    public void Write(Stream stream, int process)
    {
        List<WorkerLog> workers;
        lock (_workers)
        {
            workers = _workers.OrderBy(w => w.Index).ToList();
        }

        long origin = workers.Count == 0 ? 0 : workers.Min(w => w.Origin);
        // A flow needs both ends: the messages seen both sent and received (by channel, sender, receiver, number).
        var sent = new HashSet<(int, int, int, long)>();
        var received = new HashSet<(int, int, int, long)>();
        foreach (var w in workers)
        {
            foreach (var (_, e) in w.Events)
            {
                if (e.Kind == TimelyEventKind.Messages && e.Source >= 0)
                {
                    (e.Flag ? sent : received).Add((e.Id, e.Source, e.Target, e.SeqNo));
                }
            }
        }

        sent.IntersectWith(received);
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = false });
        json.WriteStartObject();
        json.WriteString("displayTimeUnit", "ms");
        json.WriteStartArray("traceEvents");
        Metadata(json, "process_name", process, 0, $"timely process {process}");
        foreach (var w in workers)
        {
            Metadata(json, "thread_name", process, w.Index, $"worker {w.Index}");
            WriteWorker(json, w, process, Stopwatch.GetElapsedTime(origin, w.Origin), sent);
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteWorker(Utf8JsonWriter json, WorkerLog w, int process, TimeSpan shift, HashSet<(int, int, int, long)> flows)
    {
        var names = new Dictionary<int, string>();
        string? running = null;
        long records = 0;
        bool parked = false;
        double last = 0;
        foreach (var (time, e) in w.Events)
        {
            double ts = Math.Max(last, (time + shift).Ticks / 10.0);   // µs; never backwards on a track
            last = ts;
            switch (e.Kind)
            {
                case TimelyEventKind.Operates:
                    names[e.Id] = e.Name ?? $"operator {e.Id}";
                    break;
                case TimelyEventKind.Schedule when e.Flag && running is null:
                    running = names.GetValueOrDefault(e.Id, $"operator {e.Id}");
                    records = 0;
                    Slice(json, "B", running, "schedule", ts, process, w.Index, e.Id, null);
                    break;
                case TimelyEventKind.Schedule when !e.Flag && running is not null:
                    Slice(json, "E", running, "schedule", ts, process, w.Index, e.Id, records);
                    running = null;
                    break;
                case TimelyEventKind.Park when e.Flag && !parked && running is null:
                    parked = true;
                    Slice(json, "B", "park", "park", ts, process, w.Index, -1, null);
                    break;
                case TimelyEventKind.Park when !e.Flag && parked:
                    parked = false;
                    Slice(json, "E", "park", "park", ts, process, w.Index, -1, null);
                    break;
                case TimelyEventKind.Messages:
                    if (!e.Flag)
                    {
                        records += e.Count;
                    }

                    if (flows.Contains((e.Id, e.Source, e.Target, e.SeqNo)))
                    {
                        Flow(json, e, ts, process, w.Index);
                    }

                    break;
                case TimelyEventKind.Progress:
                    Instant(json, e.Flag ? "progress sent" : "progress received", ts, process, w.Index, e);
                    break;
            }
        }

        // A log cut short (a failed run) still leaves balanced slices.
        if (running is not null)
        {
            Slice(json, "E", running, "schedule", last, process, w.Index, -1, records);
        }

        if (parked)
        {
            Slice(json, "E", "park", "park", last, process, w.Index, -1, null);
        }
    }

    private static void Metadata(Utf8JsonWriter json, string name, int pid, int tid, string value)
    {
        json.WriteStartObject();
        json.WriteString("name", name);
        json.WriteString("ph", "M");
        json.WriteNumber("pid", pid);
        json.WriteNumber("tid", tid);
        json.WriteStartObject("args");
        json.WriteString("name", value);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void Slice(Utf8JsonWriter json, string phase, string name, string category, double ts, int pid, int tid, int id, long? records)
    {
        json.WriteStartObject();
        json.WriteString("name", name);
        json.WriteString("cat", category);
        json.WriteString("ph", phase);
        json.WriteNumber("ts", ts);
        json.WriteNumber("pid", pid);
        json.WriteNumber("tid", tid);
        if (id >= 0 || records is not null)
        {
            json.WriteStartObject("args");
            if (id >= 0)
            {
                json.WriteNumber("id", id);
            }

            if (records is { } r)
            {
                json.WriteNumber("records", r);
            }

            json.WriteEndObject();
        }

        json.WriteEndObject();
    }

    private static void Flow(Utf8JsonWriter json, TimelyEvent e, double ts, int pid, int tid)
    {
        json.WriteStartObject();
        json.WriteString("name", string.Create(CultureInfo.InvariantCulture, $"channel {e.Id}"));
        json.WriteString("cat", "message");
        json.WriteString("ph", e.Flag ? "s" : "f");
        if (!e.Flag)
        {
            json.WriteString("bp", "e");
        }

        json.WriteString("id", string.Create(CultureInfo.InvariantCulture, $"{e.Id}:{e.Source}:{e.Target}:{e.SeqNo}"));
        json.WriteNumber("ts", ts);
        json.WriteNumber("pid", pid);
        json.WriteNumber("tid", tid);
        json.WriteStartObject("args");
        json.WriteNumber("records", e.Count);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void Instant(Utf8JsonWriter json, string name, double ts, int pid, int tid, TimelyEvent e)
    {
        json.WriteStartObject();
        json.WriteString("name", name);
        json.WriteString("cat", "progress");
        json.WriteString("ph", "i");
        json.WriteString("s", "t");
        json.WriteNumber("ts", ts);
        json.WriteNumber("pid", pid);
        json.WriteNumber("tid", tid);
        json.WriteStartObject("args");
        json.WriteNumber("from", e.Source);
        json.WriteNumber("seq", e.SeqNo);
        json.WriteNumber("updates", e.Count);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary>The path process <paramref name="process"/> of a run writes: FILE itself for process 0, FILE.p&lt;i&gt; for the others.</summary>
    public static string PathFor(string file, int process) =>
        process == 0 ? file : string.Create(CultureInfo.InvariantCulture, $"{file}.p{process}");

    private sealed class WorkerLog(int index, long origin)
    {
        public int Index { get; } = index;

        public long Origin { get; } = origin;

        public List<(TimeSpan Time, TimelyEvent Event)> Events { get; } = new();
    }
}
