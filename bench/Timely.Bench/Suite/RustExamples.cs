using Timely.Communication;

namespace Timely.Bench.Suite;

/// <summary>
/// A folder of Rust timely's built examples (<c>cargo build --release --examples</c> of
/// timely-dataflow leaves them in <c>target/release/examples</c>), for <c>timely suite --rust DIR</c>.
/// Only workloads whose Rust example takes the same positional arguments as ours are paired
/// (<see cref="TrivialArguments"/>); a paired example missing from the folder leaves its rows
/// without a Rust figure, with a note saying so.
/// </summary>
public sealed class RustExamples
{
    /// <summary>
    /// Workloads whose Rust example has our argument form, with the trivial-size arguments whose
    /// wall time is subtracted (start-up, thread spawn, connection set-up, exit): timely's
    /// <c>pingpong ITERATIONS ELEMENTS</c>, <c>exchange BATCH ROUNDS</c>, <c>barrier ITERATIONS</c>,
    /// <c>bfs NODES EDGES</c> (at 10 10: Rust's example panics on 2 workers at 1 1 or 2 1), <c>pagerank NODES EDGES</c>, <c>hashjoin KEYS VALS BATCH</c> and
    /// <c>unionfind NODES EDGES BATCH</c> (the examples compute the same thing from their own
    /// random inputs of the same sizes). <c>flow_controlled</c>, <c>wordcount</c> and
    /// <c>distinct</c> take no arguments in either (their computation is fixed), and
    /// <c>openloop RATE SECONDS</c> and <c>loopdemo RATE SECONDS</c> run for SECONDS whatever the
    /// engine's speed: these have no trivial run, their rows compare whole runs
    /// (<see cref="HasTrivialRun"/>), on CPU time for the two of fixed duration (<see cref="ComparesCpu"/>).
    /// <c>event_driven DATAFLOWS LENGTH [record]</c> never stops in Rust: both sides run until the
    /// suite stops them and compare the rate of rounds they print (<see cref="ComparesRounds"/>).
    /// <c>sequence</c> takes no arguments in Rust, runs 4 workers whatever the flags say, sleeps
    /// 1 + i seconds per round on worker i and never stops: it pairs with ours in its Rust form
    /// (<c>sequence --as-rust -w 4</c>) in one row of its own (<see cref="OnlyBesideRust"/>), both
    /// sides stopped after the same window (<see cref="RustComparison.Window"/>) and compared on
    /// CPU, since the sleeps, not the engine, set how fast elements come.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string[]> TrivialArguments = new Dictionary<string, string[]>
    {
        ["pingpong"] = ["1", "1"],
        ["exchange"] = ["1", "1"],
        ["barrier"] = ["1"],
        // Rust's bfs panics (an index past its per-worker arrays) below about 4 nodes on 2 workers.
        ["bfs"] = ["10", "10"],
        ["pagerank"] = ["1", "1"],
        ["hashjoin"] = ["1", "1", "1"],
        ["unionfind"] = ["1", "1", "1"],
        ["flow_controlled"] = [],
        ["wordcount"] = [],
        ["distinct"] = [],
        ["openloop"] = [],
        ["loopdemo"] = [],
        ["event_driven"] = [],
        ["sequence"] = [],
    };

    private static readonly HashSet<string> WholeRuns = ["flow_controlled", "wordcount", "distinct", "openloop", "loopdemo", "event_driven", "sequence"];

    /// <summary>
    /// Whether <paramref name="workload"/>'s trivial-size run is a smaller run than its row's
    /// (false for an example whose size is fixed or that runs for a fixed time: then the trivial
    /// runs are skipped and count 0, and whole runs are compared).
    /// </summary>
    public static bool HasTrivialRun(string workload) => !WholeRuns.Contains(workload);

    /// <summary>
    /// Whether <paramref name="workload"/>'s rows compare CPU time (user + system of every process)
    /// rather than wall time: <c>openloop</c> and <c>loopdemo</c> offer requests for a fixed number
    /// of seconds, and <c>sequence</c> runs for the suite's window on both sides, so both sides'
    /// wall is that duration by construction and what differs is the CPU each spends in it.
    /// <c>sequence</c>'s elements come as fast as its sleeps let them (one a second on worker 0,
    /// one every 4 s on worker 3, on both sides), so a rate of elements would compare the sleeps:
    /// the CPU it takes to carry them is the engine's figure. The elements each side released in
    /// the window are counted (<see cref="ReleasedLines"/>) and shown beside it: the pushes are the
    /// same on both sides, the count released by the window's end also shows how many steps of
    /// the sleeping workers an element takes to reach every worker (fewer in ours: about 102
    /// lines by 20.5 s against Rust's 89-97), so it is reported, not required equal.
    /// </summary>
    public static bool ComparesCpu(string workload) => workload is "openloop" or "loopdemo" or "sequence";

    /// <summary>
    /// Whether <paramref name="workload"/>'s Rust example runs until it is stopped
    /// (<c>event_driven</c>, <c>sequence</c>): both sides then run for a fixed time under
    /// <see cref="CutOffCommand"/> and are stopped.
    /// </summary>
    public static bool RunsUntilStopped(string workload) => workload is "event_driven" or "sequence";

    /// <summary>
    /// Whether <paramref name="workload"/>'s rows compare rounds per second from the lines both
    /// sides print (<see cref="RoundLines"/>): <c>event_driven</c>, whose rounds run as fast as
    /// the engine lets them.
    /// </summary>
    public static bool ComparesRounds(string workload) => workload == "event_driven";

    /// <summary>
    /// Whether <paramref name="row"/> runs only beside Rust: <c>sequence --as-rust</c> without
    /// <c>--rounds</c> never stops and sleeps seconds a round, so the suite's own timed runs (which
    /// need an end) leave it out, and <c>suite --rust</c> adds it (<see cref="SuiteMatrix.RustOnlyRows"/>).
    /// </summary>
    public static bool OnlyBesideRust(SuiteRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return row.Workload == "sequence" && row.WorkloadArgs.Contains("--as-rust") && !row.WorkloadArgs.Contains("--rounds");
    }

    private RustExamples(string directory) => Directory = directory;

    /// <summary>The folder, as a full path.</summary>
    public string Directory { get; }

    /// <summary>Opens <paramref name="path"/>; a <see cref="ConfigException"/> (a usage error) when it is no folder or holds none of the paired examples.</summary>
    public static RustExamples Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string full = Path.GetFullPath(path);
        if (!System.IO.Directory.Exists(full))
        {
            throw new ConfigException($"--rust {path}: no such folder (give the folder of Rust timely's built examples, e.g. timely-dataflow/target/release/examples).");
        }

        var examples = new RustExamples(full);
        if (!TrivialArguments.Keys.Any(w => examples.Executable(w) is not null))
        {
            throw new ConfigException($"--rust {path}: none of timely's examples {string.Join(", ", TrivialArguments.Keys)} is an executable file there (build them with `cargo build --release --examples` in timely-dataflow).");
        }

        return examples;
    }

    /// <summary>The example's executable for <paramref name="workload"/>, or null when the folder has none (or it is not executable).</summary>
    public string? Executable(string workload)
    {
        string file = Path.Combine(Directory, workload);
        if (!File.Exists(file))
        {
            return null;
        }

        return OperatingSystem.IsWindows() || (File.GetUnixFileMode(file) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0 ? file : null;
    }

    /// <summary>
    /// Whether <paramref name="row"/> has a Rust counterpart at all (this folder may still lack its
    /// binary): <see cref="Arguments"/> is not null.
    /// </summary>
    public static bool Pairs(SuiteRow row) => Arguments(row) is not null;

    /// <summary>
    /// The example arguments both sides run beside Rust, or null when <paramref name="row"/> has
    /// no Rust counterpart: a paired workload whose row passes only unsigned integers, as Rust's
    /// examples parse their arguments (our examples' own options, such as pagerank's
    /// <c>--rounds</c> in the quick sizes, mean another computation than Rust's example, which has
    /// none; a fraction of a second such as openloop's <c>0.3</c> does not parse in Rust's). An
    /// <c>event_driven</c> row pairs without its <c>--rounds N</c> (the suite's own runs need an
    /// end, the pair's run until stopped, as Rust's) when the rest is Rust's
    /// <c>DATAFLOWS LENGTH [record]</c>.
    /// </summary>
    public static IReadOnlyList<string>? Arguments(SuiteRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        if (!TrivialArguments.ContainsKey(row.Workload))
        {
            return null;
        }

        if (row.Workload == "sequence")
        {
            // Rust's takes no arguments and runs its own fixed form; only our run of that form pairs,
            // on Rust's 4 workers in one process.
            return OnlyBesideRust(row) && row.WorkloadArgs.Count == 1 && row.Peers == 4 && row.Processes == 1 ? [] : null;
        }

        var args = row.WorkloadArgs.ToList();
        if (RunsUntilStopped(row.Workload))
        {
            int rounds = args.IndexOf("--rounds");
            if (rounds >= 0 && rounds + 1 < args.Count && IsWhole(args[rounds + 1]))
            {
                args.RemoveRange(rounds, 2);
            }

            return args.Count is 2 or 3 && IsWhole(args[0]) && IsWhole(args[1]) && (args.Count == 2 || args[2] == "record") ? args : null;
        }

        return args.All(IsWhole) ? args : null;
    }

    private static bool IsWhole(string argument) => argument.Length > 0 && argument.All(char.IsAsciiDigit);

    /// <summary>
    /// Our side's example arguments beside Rust's <paramref name="rustArguments"/>: the same, but
    /// for <c>sequence</c>, whose Rust form ours runs with <c>--as-rust</c> (the row's arguments).
    /// </summary>
    public static IReadOnlyList<string> OursArguments(SuiteRow row, IReadOnlyList<string> rustArguments)
    {
        ArgumentNullException.ThrowIfNull(row);
        return row.Workload == "sequence" ? row.WorkloadArgs : rustArguments;
    }

    /// <summary>
    /// The Rust processes for <paramref name="row"/> at <paramref name="workloadArgs"/>: one per
    /// process, each its argument list. Threads map to <c>-w N</c>; our two shared-memory processes
    /// to Rust's <c>-w 2</c> (Rust has no shared-memory transport: one process, two threads, is its
    /// fastest way to join two workers on one host); two TCP processes to Rust's
    /// <c>-n 2 -p i -h HOSTFILE</c>.
    /// </summary>
    public static IReadOnlyList<string[]> Processes(SuiteRow row, IReadOnlyList<string> workloadArgs, string hostFile)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(workloadArgs);
        if (row.Workload == "sequence")
        {
            // Config::process(4) whatever the command line says: Rust's example as shipped, no flags.
            return [workloadArgs.ToArray()];
        }
        if (row.ConfigArgs.Contains("--transport") && row.ConfigArgs.Contains("tcp"))
        {
            return Enumerable.Range(0, row.Peers).Select(i => workloadArgs.Concat(["-n", row.Peers.ToString(System.Globalization.CultureInfo.InvariantCulture), "-p", i.ToString(System.Globalization.CultureInfo.InvariantCulture), "-h", hostFile]).ToArray()).ToArray();
        }

        return [workloadArgs.Concat(["-w", row.Peers.ToString(System.Globalization.CultureInfo.InvariantCulture)]).ToArray()];
    }

    /// <summary>The Rust configuration's name for the table (<c>-w 2</c>, <c>-n 2</c>).</summary>
    public static string ConfigurationName(SuiteRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        if (row.Workload == "sequence")
        {
            return "fixed 4 (no flags)";
        }

        return row.ConfigArgs.Contains("tcp") ? $"-n {row.Peers}" : $"-w {row.Peers}";
    }
}
