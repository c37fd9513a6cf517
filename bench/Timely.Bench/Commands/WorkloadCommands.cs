using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Timely.Bench.Measurement;
using Timely.Bench.Suite;
using Timely.Bench.Tracing;
using Timely.Communication;
using Timely.Dataflow;
using Timely.Examples;

namespace Timely.Bench.Commands;

/// <summary>
/// <c>timely pingpong ITER ELEMS</c>, <c>timely exchange BATCH ROUNDS</c>, <c>timely barrier ITER</c>:
/// timely's examples with the same arguments and meaning, so figures compare one to one.
/// Each worker prints <c>&lt;elapsed&gt;\tworker &lt;i&gt; complete</c>; with <c>--json</c> those lines go to
/// stderr and stdout holds only the one JSON summary line.
/// </summary>
public static class WorkloadCommands
{
    /// <summary><c>timely pingpong ITER ELEMS</c>.</summary>
    public static Command PingPong() => Make(
        "pingpong",
        "Records loop through exchange -> map(x + 1) -> branch_when(t < ITER) -> feedback(1): ELEMS x (ITER + 1) record passes.",
        ["ITER", "ELEMS"],
        (config, a) => Traced(config, worker => Examples.PingPong.Run(worker, a[0], a[1])));

    /// <summary><c>timely exchange BATCH ROUNDS</c>.</summary>
    public static Command Exchange() => Make(
        "exchange",
        "Each round sends 0..BATCH into an input, exchanges it, advances to the round and steps until the probe passes.",
        ["BATCH", "ROUNDS"],
        (config, a) => Traced(config, worker => ExchangeRounds.Run(worker, a[0], a[1])));

    /// <summary><c>timely barrier ITER</c>.</summary>
    public static Command Barrier() => Make(
        "barrier",
        "One notify operator in a feedback(1) loop with no data: a progress-only round per iteration.",
        ["ITER"],
        (config, a) => Traced(config, worker => BarrierRounds.Run(worker, a[0])));

    /// <summary><c>timely roundtrip ITER</c>.</summary>
    public static Command RoundTrip() => Make(
        "roundtrip",
        "The communication layer alone: worker 0 sends one message to the last worker and waits for it back, ITER times (no dataflow).",
        ["ITER"],
        (config, a, record) =>
        {
            // Recording costs two clock reads and a histogram update per trip (about 70 ns on
            // this 2-vCPU guest, 10-12 vs 16-19 ms for 100000 trips at -w 1), so it is asked
            // for (--percentiles, --hist-out or --plot) and the plain run stays comparable.
            if (!record)
            {
                return (TransportBench.RoundTrip.Run(config, a[0]), null);
            }

            // Only the process of worker 0 records (it times every trip) and reports. Its floor,
            // the cache-line ping-pong between two threads, is measured after the run, so its
            // spinning threads never share the cores with the timed part (measured first, it
            // made suite rows noisy: roundtrip 10000 -w 2 at 3.3x the build before).
            if (config.ProcessIndex != 0)
            {
                return (TransportBench.RoundTrip.Run(config, a[0]), null);
            }

            var latency = new LatencyReport($"roundtrip {a[0]}, {config.Peers} workers");
            var floor = latency.AddFloor("floor", "cache-line ping-pong floor, two threads");
            var trips = latency.Add("roundtrip", "roundtrip, worker 0 -> last worker -> worker 0");
            var results = TransportBench.RoundTrip.Run(config, a[0], trips);
            Calibration.CacheLineRoundTrip((int)Math.Min(a[0], int.MaxValue), 1, TimeSpan.FromSeconds(10), floor);
            return (results, latency);
        },
        latency: true);

    /// <summary>Runs <paramref name="example"/> on every worker, each worker's log going to the <c>--trace</c> recorder if there is one.</summary>
    private static WorkloadResult[] Traced(Config config, Func<Worker, WorkloadResult> example) =>
        Execute.Run(config, worker =>
        {
            TraceRecorder.Attach(worker);
            return example(worker);
        });

    private static Command Make(string name, string description, string[] argumentNames, Func<Config, ulong[], WorkloadResult[]> run) =>
        Make(name, description, argumentNames, (config, a, _) => (run(config, a), null), latency: false);

    private static Command Make(string name, string description, string[] argumentNames, Func<Config, ulong[], bool, (WorkloadResult[] Results, LatencyReport? Latency)> run, bool latency)
    {
        var options = new CommunicationOptions();
        var command = new Command(name, description);
        var arguments = argumentNames.Select(a => new Argument<ulong>(a) { Description = $"{a} (a non-negative integer)", CustomParser = Cli.IntegerIn(a, 0UL, ulong.MaxValue) }).ToArray();
        foreach (var a in arguments)
        {
            command.Arguments.Add(a);
        }

        var json = new Option<bool>("--json") { Description = "Print one JSON summary line (elapsed ms, records, gen0 GCs, allocated bytes during the timed part" + (latency ? "; per path KEY_count, KEY_p50_ns .. KEY_p99_99_ns, KEY_max_ns" : "") + ") on stdout and nothing else there: the per-worker lines go to stderr." };
        command.Options.Add(json);
        var files = new LatencyOptions();
        var percentiles = new Option<bool>("--percentiles") { Description = "Time every round trip and print p50 .. p99.99 and max beside the cache-line floor's, measured after the run (adds about two clock reads per trip to the timed part; --hist-out and --plot imply it)." };
        if (latency)
        {
            command.Options.Add(percentiles);
            files.AddTo(command, json: false);
        }

        options.AddTo(command);
        var trace = TraceOptions.AddTo(command);
        command.SetAction(result =>
        {
            var config = options.ToConfig(result);
            string? traceFile = TraceOptions.Start(result, trace, config);
            ulong[] values = arguments.Select(a => result.GetValue(a)).ToArray();
            bool machine = result.GetValue(json);
            var (_, histOut, plot) = latency ? files.Get(result) : (false, null, null);
            bool record = latency && (result.GetValue(percentiles) || histOut is not null || plot is not null);
            return Cli.Run(() =>
            {
                var (results, report) = run(config, values, record);
                Report(name, values, config, results, machine ? Console.Error : Console.Out, machine ? Console.Out : null, report);
                report?.WriteFiles(histOut, plot);
                TraceOptions.Finish(traceFile, config, machine ? Console.Error : Console.Out);
                return 0;
            });
        });
        return command;
    }

    /// <summary>
    /// Writes each worker's line (timely's examples' format) to <paramref name="human"/> and,
    /// when <paramref name="json"/> is given, the one JSON summary line to it; <paramref name="latency"/>'s
    /// table goes to <paramref name="human"/> and its fields into the JSON line.
    /// </summary>
    public static void Report(string workload, ulong[] args, Config config, IReadOnlyList<WorkloadResult> results, TextWriter human, TextWriter? json, LatencyReport? latency = null)
    {
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(human);
        foreach (var r in results.OrderBy(r => r.Worker))
        {
            human.WriteLine($"{RustDuration.Format(r.Elapsed)}\tworker {r.Worker} complete");
            if (workload == "exchange" && r.Elapsed > TimeSpan.Zero)
            {
                human.WriteLine($"worker {r.Worker}: {(r.Records / r.Elapsed.TotalSeconds).ToString("0", CultureInfo.InvariantCulture)} records/s");
            }
        }

        latency?.WriteTable(human);
        json?.WriteLine(Summary(workload, args, config, results, latency));
    }

    /// <summary>The JSON summary line of a run: the slowest worker's time, totals over workers.</summary>
    public static string Summary(string workload, ulong[] args, Config config, IReadOnlyList<WorkloadResult> results, LatencyReport? latency = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(results);
        var summary = new Dictionary<string, object>
        {
            ["workload"] = workload,
            ["args"] = args,
            ["workers"] = config.Peers,
            ["local_workers"] = results.Count,
            ["process"] = config.ProcessIndex,
            ["elapsed_ms"] = results.Count == 0 ? 0 : results.Max(r => r.Elapsed.TotalMilliseconds),
            ["records"] = results.Sum(r => r.Records),
            ["gen0"] = results.Count == 0 ? 0 : results.Max(r => r.Gen0Collections),
            ["allocated_bytes"] = results.Sum(r => r.AllocatedBytes),
        };
        latency?.AddTo(summary);
        return JsonSerializer.Serialize(summary, SummaryJson.Default.DictionaryStringObject);
    }
}
