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

    /// <summary>Our peak resident MB (every process of the run, <see cref="PeakRss"/>) at the row's size and at the trivial size.</summary>
    public double OursRssMb { get; init; } = double.NaN;

    /// <inheritdoc cref="OursRssMb"/>
    public double OursTrivialRssMb { get; init; } = double.NaN;

    /// <summary>Rust's peak resident MB at the row's size and at the trivial size.</summary>
    public double RustRssMb { get; init; } = double.NaN;

    /// <inheritdoc cref="RustRssMb"/>
    public double RustTrivialRssMb { get; init; } = double.NaN;

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

    /// <summary>
    /// Whether the ratio is of CPU time (user + system, row minus trivial) rather than wall time:
    /// for an example that runs for a fixed time (<see cref="RustExamples.ComparesCpu"/>).
    /// </summary>
    public bool ComparesCpu { get; init; }

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
    public static List<RustRowResult> Plan(IReadOnlyList<SuiteRow> rows, RustExamples rust)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(rust);
        var plan = new List<RustRowResult>();
        foreach (var row in rows.Where(RustExamples.Pairs))
        {
            var result = new RustRowResult { Id = row.Id, RustConfiguration = RustExamples.ConfigurationName(row), ComparesCpu = RustExamples.ComparesCpu(row.Workload) };
            if (rust.Executable(row.Workload) is null)
            {
                result.Status = RowStatus.Skipped;
                result.Message = $"no executable {Path.Combine(rust.Directory, row.Workload)}";
            }

            plan.Add(result);
        }

        return plan;
    }

    /// <summary>One repeat of <paramref name="row"/>: appends a sample to <paramref name="result"/>, or sets its status.</summary>
    public static void RunOnce(SuiteRow row, int repeat, TimelyExecutable ours, RustExamples rust, TimeSpan deadline, RustRowResult result)
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
        var hostDirectory = Directory.CreateTempSubdirectory("timely-suite-rust-");
        try
        {
            string hostFile = Path.Combine(hostDirectory.FullName, "hosts");
            File.WriteAllLines(hostFile, LoopbackPorts.Free(row.Peers));
            var steps = new (string Name, Func<MeasuredRun> Run)[]
            {
                ("timely", () => Ours(ours, row, row.WorkloadArgs, deadline)),
                ("timely (trivial)", () => Ours(ours, row, trivial, deadline)),
                ("rust", () => Rust(rustProgram, row, row.WorkloadArgs, hostFile, deadline)),
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
                    string command = i < 2 ? $"timely {row.Workload} {string.Join(' ', i == 0 ? row.WorkloadArgs : trivial)} {string.Join(' ', row.ConfigArgs)}" : $"{rustProgram} {string.Join(' ', i == 2 ? row.WorkloadArgs : trivial)} ({result.RustConfiguration})";
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

    private static MeasuredRun Ours(TimelyExecutable exe, SuiteRow row, IReadOnlyList<string> workloadArgs, TimeSpan deadline) =>
        MeasuredCommand.Run([(exe.FileName, exe.PrefixArguments.Concat([row.Workload]).Concat(workloadArgs).Concat(row.ConfigArgs).ToArray())], deadline);

    private static MeasuredRun Rust(string program, SuiteRow row, IReadOnlyList<string> workloadArgs, string hostFile, TimeSpan deadline) =>
        MeasuredCommand.Run(RustExamples.Processes(row, workloadArgs, hostFile).Select(a => (program, (IReadOnlyList<string>)a)).ToArray(), deadline);
}
