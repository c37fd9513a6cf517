using System.Globalization;
using System.Text.Json.Serialization;
using Timely.Bench.Launch;
using Timely.Bench.Measurement;

namespace Timely.Bench.Suite;

/// <summary>
/// One repeat of one row against Rust: four measured starts (ours and Rust's, each at the row's
/// size and at the trivial size), all through <see cref="MeasuredCommand"/>, with no counters attached.
/// </summary>
public sealed class RustPairSample
{
    /// <summary>Our wall ms at the row's size.</summary>
    public double OursMs { get; init; }

    /// <summary>Our wall ms at the trivial size (start-up, set-up and exit).</summary>
    public double OursTrivialMs { get; init; }

    /// <summary>Rust's wall ms at the row's size.</summary>
    public double RustMs { get; init; }

    /// <summary>Rust's wall ms at the trivial size.</summary>
    public double RustTrivialMs { get; init; }

    /// <summary>Our CPU ms (user + system, all processes) at the row's size and at the trivial size.</summary>
    public double OursCpuMs { get; init; }

    /// <inheritdoc cref="OursCpuMs"/>
    public double OursTrivialCpuMs { get; init; }

    /// <summary>Rust's CPU ms at the row's size and at the trivial size.</summary>
    public double RustCpuMs { get; init; }

    /// <inheritdoc cref="RustCpuMs"/>
    public double RustTrivialCpuMs { get; init; }

    /// <summary>Whether the four peak figures are exact (<see cref="ExactPeak"/>), not sampled (<see cref="PeakRss"/>).</summary>
    public bool PeakExact { get; init; }

    /// <summary>Our peak resident MB (every process of the run, <see cref="ExactPeak"/> or <see cref="PeakRss"/>) at the row's size and at the trivial size.</summary>
    public double OursRssMb { get; init; } = double.NaN;

    /// <inheritdoc cref="OursRssMb"/>
    public double OursTrivialRssMb { get; init; } = double.NaN;

    /// <summary>Rust's peak resident MB at the row's size and at the trivial size.</summary>
    public double RustRssMb { get; init; } = double.NaN;

    /// <inheritdoc cref="RustRssMb"/>
    public double RustTrivialRssMb { get; init; } = double.NaN;

    /// <summary>Our rounds per second, for a row of an example that runs until stopped (<see cref="RoundLines"/>); NaN otherwise.</summary>
    public double OursRoundsPerSecond { get; init; } = double.NaN;

    /// <summary>Rust's rounds per second, likewise.</summary>
    public double RustRoundsPerSecond { get; init; } = double.NaN;

    /// <summary>
    /// Our released-element lines stamped within the row's window (<see cref="RustRowResult.ReleasedWindowSeconds"/>,
    /// <see cref="ReleasedLines"/>), for the <c>sequence</c> row; null otherwise.
    /// </summary>
    public int? OursReleased { get; init; }

    /// <summary>Rust's released-element lines within the window, likewise.</summary>
    public int? RustReleased { get; init; }

    /// <summary>Our work: wall at the row's size minus wall at the trivial size, same repeat.</summary>
    [JsonIgnore]
    public double OursNetMs => OursMs - OursTrivialMs;

    /// <summary>Rust's work, measured the same way.</summary>
    [JsonIgnore]
    public double RustNetMs => RustMs - RustTrivialMs;
}

/// <summary>A row's comparison with Rust timely's example of the same name.</summary>
public sealed class RustRowResult
{
    /// <summary>The row's id (<see cref="SuiteRow.Id"/>).</summary>
    public required string Id { get; init; }

    /// <summary>Rust's configuration (<c>-w 2</c>, <c>-n 2</c>).</summary>
    public required string RustConfiguration { get; init; }

    /// <summary>The row's label and our configuration's name, for a row that has no timed runs of its own (<see cref="RustExamples.OnlyBesideRust"/>).</summary>
    public string Label { get; init; } = "";

    /// <inheritdoc cref="Label"/>
    public string Configuration { get; init; } = "";

    /// <summary>
    /// For a row compared over a window (<c>sequence</c>): the seconds of each side's clock within
    /// which its released-element lines are counted (each side runs <see cref="RustComparison.WindowMargin"/>
    /// longer, for its start-up); 0 for other rows.
    /// </summary>
    public double ReleasedWindowSeconds { get; init; }

    /// <summary>
    /// Whether the ratio is of CPU time (user + system, row minus trivial) rather than wall time:
    /// for an example that runs for a fixed time (<see cref="RustExamples.ComparesCpu"/>).
    /// </summary>
    public bool ComparesCpu { get; init; }

    /// <summary>
    /// Whether the ratio is of rounds per second, for an example that runs until stopped
    /// (<see cref="RustExamples.RunsUntilStopped"/>): each sample's "ms" figures are then ms per
    /// 1000 rounds (1000000 over rounds per second), so the ratio, ours over Rust's, is Rust's rate over ours
    /// and lower is better as in every other row.
    /// </summary>
    public bool ComparesRounds { get; init; }

    /// <summary>Ok, or why there is no figure (Skipped: no binary; Failed: a run failed; Hung).</summary>
    [JsonConverter(typeof(JsonStringEnumConverter<RowStatus>))]
    public RowStatus Status { get; set; } = RowStatus.Ok;

    /// <summary>Why the row has no figure.</summary>
    public string? Message { get; set; }

    /// <summary>Every repeat's four starts.</summary>
    public List<RustPairSample> Samples { get; init; } = [];

    /// <summary>Median of our net ms over the repeats.</summary>
    [JsonIgnore]
    public double OursNetMedian => Stats.Median(Samples.Select(s => s.OursNetMs).ToArray());

    /// <summary>Median of Rust's net ms.</summary>
    [JsonIgnore]
    public double RustNetMedian => Stats.Median(Samples.Select(s => s.RustNetMs).ToArray());

    /// <summary>
    /// ours / Rust of the net medians (of wall time, or of CPU time when <see cref="ComparesCpu"/>),
    /// with the bootstrap 95% band; NaN when some repeat's work on either side is not above its
    /// trivial run (the row is too small to tell from start-up, and a ratio of differences near
    /// zero would be noise of any size or sign).
    /// </summary>
    public (double Ratio, double Low, double High) Ratio()
    {
        var ours = Samples.Select(s => ComparesCpu ? s.OursCpuMs - s.OursTrivialCpuMs : s.OursNetMs).ToArray();
        var rust = Samples.Select(s => ComparesCpu ? s.RustCpuMs - s.RustTrivialCpuMs : s.RustNetMs).ToArray();
        if (Status != RowStatus.Ok || Samples.Count == 0 || !ours.All(x => x > 0) || !rust.All(x => x > 0))
        {
            return (double.NaN, double.NaN, double.NaN);
        }

        var (low, high) = Stats.BootstrapMedianRatio(ours, rust);
        return (Stats.Median(ours) / Stats.Median(rust), low, high);
    }

    /// <summary>Median CPU ms of the work (row minus trivial), ours and Rust's.</summary>
    public (double Ours, double Rust) CpuMedians() => (
        Stats.Median(Samples.Select(s => s.OursCpuMs - s.OursTrivialCpuMs).ToArray()),
        Stats.Median(Samples.Select(s => s.RustCpuMs - s.RustTrivialCpuMs).ToArray()));

    /// <summary>
    /// Median peak resident MB of the work (row minus trivial: what the computation holds beyond
    /// the runtime's own start-up), ours and Rust's; NaN where a repeat has no figure.
    /// </summary>
    public (double Ours, double Rust) RssMedians() => (
        NetMedian(Samples.Select(s => s.OursRssMb - s.OursTrivialRssMb)),
        NetMedian(Samples.Select(s => s.RustRssMb - s.RustTrivialRssMb)));

    private static double NetMedian(IEnumerable<double> values)
    {
        var all = values.ToArray();
        return all.Length == 0 || all.Any(double.IsNaN) ? double.NaN : Stats.Median(all);
    }
}

/// <summary>
/// <c>suite --rust DIR</c>: runs Rust timely's example beside each paired row, in the suite's
/// interleaved schedule. Rust's examples do not all print their time, so both sides are measured
/// alike: wall time of the command minus the wall time of the same command at a trivial size,
/// taken in the same repeat (start-up, JIT or not, thread spawn, connection set-up and exit cancel
/// out the same way for both); the order of the four starts alternates between repeats.
/// </summary>
public static class RustComparison
{
    /// <summary>The <see cref="RustRowResult"/> for each paired row (unpaired rows get none).</summary>
    public static List<RustRowResult> Plan(IReadOnlyList<SuiteRow> rows, RustExamples rust, SuiteSize size = SuiteSize.Full)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(rust);
        var plan = new List<RustRowResult>();
        foreach (var row in rows.Where(RustExamples.Pairs))
        {
            var result = new RustRowResult
            {
                Id = row.Id,
                Label = row.Label,
                Configuration = row.Configuration,
                RustConfiguration = RustExamples.ConfigurationName(row),
                ComparesCpu = RustExamples.ComparesCpu(row.Workload),
                ComparesRounds = RustExamples.ComparesRounds(row.Workload),
                ReleasedWindowSeconds = row.Workload == "sequence" ? Window(size).TotalSeconds : 0,
            };
            if (rust.Executable(row.Workload) is null)
            {
                result.Status = RowStatus.Skipped;
                result.Message = $"no executable {Path.Combine(rust.Directory, row.Workload)}";
            }

            plan.Add(result);
        }

        return plan;
    }

    /// <summary>
    /// How long each side of a row of an example that runs until stopped runs before the suite
    /// stops it (and on until it has printed two round lines, at most to the run's deadline).
    /// </summary>
    public static TimeSpan CutOff(SuiteSize size) => size switch
    {
        SuiteSize.Full => TimeSpan.FromSeconds(5),
        SuiteSize.Quick => TimeSpan.FromSeconds(2),
        _ => TimeSpan.FromSeconds(1),
    };

    /// <summary>
    /// The window of a row compared over one (<c>sequence</c>): each side's released-element lines
    /// stamped within it are counted, and each side runs for it plus <see cref="WindowMargin"/>.
    /// Long enough for Rust's slowest worker (4 s a round) to wake several times and for released
    /// elements to reach every worker (Rust's first line comes after about 6 s); it ends half way
    /// between two whole seconds because every worker wakes at a whole number of seconds, so no
    /// wake-up sits at the window's edge, where a few ms of drift would move its lines in or out.
    /// </summary>
    public static TimeSpan Window(SuiteSize size) => size switch
    {
        SuiteSize.Full => TimeSpan.FromSeconds(20.5),
        SuiteSize.Quick => TimeSpan.FromSeconds(12.5),
        _ => TimeSpan.FromSeconds(8.5),
    };

    /// <summary>
    /// How much longer than its window each side of a windowed row runs: its start-up (a JIT
    /// process's start before its workers' clocks begin is 0.1-0.3 s on a loaded host), so both
    /// sides' clocks have passed the window when they are stopped.
    /// </summary>
    public static readonly TimeSpan WindowMargin = TimeSpan.FromSeconds(1);

    /// <summary>
    /// One repeat of <paramref name="row"/>: appends a sample to <paramref name="result"/>, or sets
    /// its status; a row of an example that runs until stopped runs each side for
    /// <paramref name="cutOff"/> (<see cref="CutOffCommand"/>).
    /// </summary>
    public static void RunOnce(SuiteRow row, int repeat, TimelyExecutable ours, RustExamples rust, TimeSpan deadline, TimeSpan cutOff, RustRowResult result)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(ours);
        ArgumentNullException.ThrowIfNull(rust);
        ArgumentNullException.ThrowIfNull(result);
        if (result.Status != RowStatus.Ok)
        {
            return;
        }

        string rustProgram = rust.Executable(row.Workload)!;
        var trivial = RustExamples.TrivialArguments[row.Workload];
        var arguments = RustExamples.Arguments(row) ?? throw new ArgumentException($"row {row.Id} has no Rust counterpart", nameof(row));
        var oursArguments = RustExamples.OursArguments(row, arguments);
        var hostDirectory = Directory.CreateTempSubdirectory("timely-suite-rust-");
        try
        {
            string hostFile = Path.Combine(hostDirectory.FullName, "hosts");
            File.WriteAllLines(hostFile, LoopbackPorts.Free(row.Peers));
            if (RustExamples.RunsUntilStopped(row.Workload))
            {
                RunUntilStopped(row, repeat, ours, rustProgram, oursArguments, arguments, hostFile, deadline, cutOff, result);
                return;
            }

            var steps = new (string Name, Func<MeasuredRun> Run)[]
            {
                ("timely", () => Ours(ours, row, arguments, deadline)),
                ("timely (trivial)", () => Ours(ours, row, trivial, deadline)),
                ("rust", () => Rust(rustProgram, row, arguments, hostFile, deadline)),
                ("rust (trivial)", () => Rust(rustProgram, row, trivial, hostFile, deadline)),
            };
            var order = repeat % 2 == 0 ? [0, 1, 2, 3] : new[] { 2, 3, 0, 1 };
            if (!RustExamples.HasTrivialRun(row.Workload))
            {
                order = order.Where(i => i % 2 == 0).ToArray();
            }

            var runs = new MeasuredRun[4];
            runs[1] = runs[3] = MeasuredRun.Nothing;
            foreach (int i in order)
            {
                runs[i] = steps[i].Run();
                if (!runs[i].Succeeded)
                {
                    result.Status = runs[i].Hung ? RowStatus.Hung : RowStatus.Failed;
                    string command = i < 2 ? $"timely {row.Workload} {string.Join(' ', i == 0 ? arguments : trivial)} {string.Join(' ', row.ConfigArgs)}" : $"{rustProgram} {string.Join(' ', i == 2 ? arguments : trivial)} ({result.RustConfiguration})";
                    result.Message = runs[i].Hung
                        ? $"{steps[i].Name}: `{command}` did not exit within {deadline.TotalSeconds:0} s; killed"
                        : $"{steps[i].Name}: `{command}` exited with {string.Join(",", runs[i].ExitCodes.Select(c => c.ToString(CultureInfo.InvariantCulture)))}: {runs[i].FirstError}";
                    return;
                }
            }

            result.Samples.Add(new RustPairSample
            {
                OursMs = runs[0].WallMilliseconds,
                OursTrivialMs = runs[1].WallMilliseconds,
                RustMs = runs[2].WallMilliseconds,
                RustTrivialMs = runs[3].WallMilliseconds,
                OursCpuMs = runs[0].CpuMilliseconds,
                OursTrivialCpuMs = runs[1].CpuMilliseconds,
                RustCpuMs = runs[2].CpuMilliseconds,
                RustTrivialCpuMs = runs[3].CpuMilliseconds,
                OursRssMb = runs[0].PeakRssMegabytes,
                OursTrivialRssMb = runs[1].PeakRssMegabytes,
                RustRssMb = runs[2].PeakRssMegabytes,
                RustTrivialRssMb = runs[3].PeakRssMegabytes,
                PeakExact = runs.All(r => r.PeakExact),
            });
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            result.Status = RowStatus.Failed;
            result.Message = $"could not run: {e.GetType().Name}: {e.Message}";
        }
        finally
        {
            hostDirectory.Delete(recursive: true);
        }
    }

    /// <summary>
    /// A repeat of a row whose example runs until stopped: each side (order alternating between
    /// repeats) runs for <paramref name="cutOff"/> and, for a rate of rounds, until it has printed
    /// one, then is stopped; the sample holds each side's ms per 1000 rounds (or, for a row
    /// compared over a window, its wall and the elements it released in the window), whole-run
    /// CPU and peak memory.
    /// </summary>
    private static void RunUntilStopped(SuiteRow row, int repeat, TimelyExecutable ours, string rustProgram, IReadOnlyList<string> oursArguments, IReadOnlyList<string> arguments, string hostFile, TimeSpan deadline, TimeSpan cutOff, RustRowResult result)
    {
        bool rounds = result.ComparesRounds;
        Func<IReadOnlyList<string>, bool> enough = rounds ? HasRate : _ => true;
        var sides = new (string Name, string Command, Func<CutOffRun> Run)[]
        {
            ("timely", $"timely {row.Workload} {string.Join(' ', oursArguments.Concat(row.ConfigArgs))}", () => CutOffCommand.Run(OursCommand(ours, row, oursArguments), cutOff, enough, deadline)),
            ("rust", $"{string.Join(' ', arguments.Prepend(rustProgram))} ({result.RustConfiguration})", () => CutOffCommand.Run(RustCommands(rustProgram, row, arguments, hostFile), cutOff, enough, deadline)),
        };
        var runs = new CutOffRun[2];
        foreach (int i in repeat % 2 == 0 ? [0, 1] : new[] { 1, 0 })
        {
            runs[i] = sides[i].Run();
            string? failure = rounds ? CutOffFailure(runs[i], sides[i].Name, sides[i].Command, deadline) : WindowFailure(runs[i], sides[i].Name, sides[i].Command, result.ReleasedWindowSeconds);
            if (failure is not null)
            {
                result.Status = RowStatus.Failed;
                result.Message = failure;
                return;
            }
        }

        double oursRate = rounds ? RoundLines.RoundsPerSecond(runs[0].Outputs)!.Value : double.NaN;
        double rustRate = rounds ? RoundLines.RoundsPerSecond(runs[1].Outputs)!.Value : double.NaN;
        result.Samples.Add(new RustPairSample
        {
            // Rounds: ms per 1000 rounds. A window: the run's wall, the same on both sides by construction.
            OursMs = rounds ? 1e6 / oursRate : runs[0].WallMilliseconds,
            RustMs = rounds ? 1e6 / rustRate : runs[1].WallMilliseconds,
            OursRoundsPerSecond = oursRate,
            RustRoundsPerSecond = rustRate,
            OursCpuMs = runs[0].CpuMilliseconds,
            RustCpuMs = runs[1].CpuMilliseconds,
            OursRssMb = runs[0].PeakRssMegabytes,
            OursTrivialRssMb = 0,
            RustRssMb = runs[1].PeakRssMegabytes,
            RustTrivialRssMb = 0,
            OursReleased = rounds ? null : ReleasedLines.CountWithin(runs[0].Outputs, result.ReleasedWindowSeconds),
            RustReleased = rounds ? null : ReleasedLines.CountWithin(runs[1].Outputs, result.ReleasedWindowSeconds),
        });
    }

    private static bool HasRate(IReadOnlyList<string> outputs) => RoundLines.RoundsPerSecond(outputs) is not null;

    /// <summary>
    /// Why a run over a window gives no figure, or null when it gives one: it exited by itself, or
    /// printed no released element within the window (too short a window, or not the example's lines).
    /// </summary>
    internal static string? WindowFailure(CutOffRun run, string side, string command, double window)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (run.ExitedEarly)
        {
            return ExitedEarly(run, side, command);
        }

        return ReleasedLines.CountWithin(run.Outputs, window) == 0
            ? $"{side}: `{command}` printed no `recv'd` line within {window.ToString("0.#", CultureInfo.InvariantCulture)} s of its clock (stopped by {(run.StoppedBy.Length == 0 ? "nothing" : run.StoppedBy)} after {run.WallMilliseconds / 1e3:0.#} s): no elements released in the window"
            : null;
    }

    /// <summary>Why a cut-off run gives no figure, or null when it gives one: it exited by itself, or printed no rate.</summary>
    internal static string? CutOffFailure(CutOffRun run, string side, string command, TimeSpan deadline)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (run.ExitedEarly)
        {
            return ExitedEarly(run, side, command);
        }

        if (RoundLines.RoundsPerSecond(run.Outputs) is null)
        {
            int lines = RoundLines.Count(run.Outputs);
            return $"{side}: `{command}` printed {lines.ToString(CultureInfo.InvariantCulture)} `round N complete` line{(lines == 1 ? "" : "s")} in {run.WallMilliseconds / 1e3:0.#} s (stopped by {(run.StoppedBy.Length == 0 ? "nothing" : run.StoppedBy)}; at most {deadline.TotalSeconds:0} s): no rate of rounds (it takes two lines, one comes every 1000 rounds)";
        }

        return null;
    }

    private static string ExitedEarly(CutOffRun run, string side, string command) =>
        $"{side}: `{command}` exited by itself with {string.Join(",", run.ExitCodes.Select(c => c.ToString(CultureInfo.InvariantCulture)))} before the suite stopped it: {run.FirstError ?? "(no error)"}";

    private static (string, IReadOnlyList<string>)[] OursCommand(TimelyExecutable exe, SuiteRow row, IReadOnlyList<string> workloadArgs) =>
        [(exe.FileName, exe.PrefixArguments.Concat([row.Workload]).Concat(workloadArgs).Concat(row.ConfigArgs).ToArray())];

    private static (string, IReadOnlyList<string>)[] RustCommands(string program, SuiteRow row, IReadOnlyList<string> workloadArgs, string hostFile) =>
        RustExamples.Processes(row, workloadArgs, hostFile).Select(a => (program, (IReadOnlyList<string>)a)).ToArray();

    // The exact peak (each command under GNU time) only where the row's figures are net of a
    // trivial run, which takes time's own start out again; a whole run's wall is compared as it is.
    private static MeasuredRun Ours(TimelyExecutable exe, SuiteRow row, IReadOnlyList<string> workloadArgs, TimeSpan deadline) =>
        MeasuredCommand.Run(OursCommand(exe, row, workloadArgs), deadline, exactPeak: RustExamples.HasTrivialRun(row.Workload));

    private static MeasuredRun Rust(string program, SuiteRow row, IReadOnlyList<string> workloadArgs, string hostFile, TimeSpan deadline) =>
        MeasuredCommand.Run(RustCommands(program, row, workloadArgs, hostFile), deadline, exactPeak: RustExamples.HasTrivialRun(row.Workload));
}
