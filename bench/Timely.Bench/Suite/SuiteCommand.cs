using System.CommandLine;
using System.Globalization;
using Timely.Communication;

namespace Timely.Bench.Suite;

/// <summary>
/// <c>timely suite</c>: the perf regression suite. Exit codes: 0 fine; 1 a regression beyond the
/// threshold and the noise band (against --baseline or the --vs build), a row that failed or
/// hung, an overloaded host under --save/--baseline, or an output file that could not be written;
/// 2 a usage error (out-of-range number, unusable output path, baseline or --vs build), reported
/// as <c>timely: error: ...</c> before any row runs.
/// </summary>
/// <remarks>
/// With --json, stdout carries only JSON objects, one per line (see <see cref="SuiteJson"/>);
/// progress, the table and every message go to stderr.
/// </remarks>
public static class SuiteCommand
{
    private const double MaxThresholdPercent = 1000;
    private const int MaxRepeat = 1000;
    private const double MaxTimeoutSeconds = 86_400;

    /// <summary>How long a child may take to list the workloads of a user's assembly.</summary>
    private static readonly TimeSpan ListDeadline = TimeSpan.FromSeconds(60);

    public static Command Create()
    {
        var quick = new Option<bool>("--quick") { Description = "Scaled-down sizes: the micro-workload rows in about a minute, the example rows (bfs .. sequence) 0.2-3 s a run each more." };
        var smoke = new Option<bool>("--smoke") { Description = "Tiny sizes, one run per row, no calibration: checks only that every row completes with the expected records." };
        var filter = new Option<string[]>("--filter") { Description = "Rows whose 'label command' contains this text, or matches it as a glob (* ?); repeatable.", AllowMultipleArgumentsPerToken = true };
        var repeat = new Option<int?>("--repeat") { Description = $"Runs per row and build, 1..{MaxRepeat} (default 5, quick 3). Measured with suite-power on a shared 2-core host (perf.md, 12 trials per cell): a 12% slowdown was flagged in 6 of 12 trials at --repeat 20, 3 at 10, 1 at 3 or 5; a 5% one is below the 10% threshold and never flagged, so no repeat gives 90% power for it; false alarms 1 of 12 at 3 runs, none at 5-20. Use --repeat 20 when a verdict matters." };
        var timeout = new Option<double?>("--timeout") { Description = $"Seconds before a run is declared hung, dumped and killed, above 0 and at most {MaxTimeoutSeconds:0} (default 900, quick 60, smoke 20; full-size pingpong 1000 1000000 is 1e9 record passes)." };
        var save = new Option<string?>("--save") { Description = "Write every sample, the host and the calibration as JSON (its folder must exist; refused on an overloaded host)." };
        var baseline = new Option<string?>("--baseline") { Description = "Compare against a file written by --save; exit 1 on a regression (refused on an overloaded host)." };
        var threshold = new Option<double>("--threshold") { Description = $"Relative slow-down that counts as a regression, in percent (above 0, at most {MaxThresholdPercent:0}), when also beyond the noise band.", DefaultValueFactory = _ => Comparison.DefaultThreshold * 100 };
        var vs = new Option<string?>("--vs") { Description = "Another build's timely.dll or timely executable: run both interleaved and print this/vs ratios. With --workloads: another build of your workloads assembly (both run by this timely)." };
        var workloads = new Option<string?>("--workloads") { Description = "Your own workloads instead of the built-in rows: the .dll your project builds, with [Workload] methods (package Timely.Workloads; see docs/cli.md). Each runs on the configurations it declares (default -w 1, -w 2, shm x2, tcp x2), in child processes, checked by its checksum.", HelpName = "DLL" };
        var rust = new Option<string?>("--rust") { Description = "Folder of Rust timely's built examples (cargo build --release --examples in timely-dataflow: target/release/examples): runs pingpong, exchange, barrier, bfs, pagerank, hashjoin, unionfind, flow_controlled, wordcount, distinct, openloop, loopdemo, event_driven and sequence beside ours in the same schedule (rows that pass only the example's own arguments) and adds a 'vs Rust' column (both sides: wall minus a trivial-size run; whole runs for flow_controlled, wordcount and distinct, whose size is fixed; CPU of whole runs for openloop and loopdemo, which run for a fixed time; rounds per second for event_driven, which never stops: each side runs without --rounds and is stopped after a fixed time; CPU over a fixed window for sequence, Rust's form of which sleeps and never stops: a row of its own, ours as sequence --as-rust -w 4)." };
        var markdown = new Option<string?>("--markdown") { Description = "Write the host block, commands and tables as markdown, and an SVG chart beside it (the folder must exist)." };
        var html = new Option<string?>("--html") { Description = "Write one self-contained page (no network): the host block, the table with the verdicts in colour, and a chart per row of every run of each build (min..max, median, each sample). Its folder must exist.", HelpName = "OUT" };
        var noCounters = new Option<bool>("--no-counters") { Description = "Do not attach EventPipe to the children (figures come from --json only)." };
        var dumps = new Option<string?>("--dump-dir") { Description = "Where dumps of hung runs go; must exist (default: a folder the suite makes under the temp directory)." };
        var trace = new Option<string?>("--trace") { Description = "Trace every run of this build's dataflow rows (pingpong, exchange, barrier) and keep, per row, the fastest and the slowest run's Chrome trace in DIR (must exist) as <row>.fastest.json / <row>.slowest.json (see `timely trace-report`). Tracing slows the runs: compare traced suites only with traced suites.", HelpName = "DIR" };
        var json = new Option<bool>("--json") { Description = "stdout: one JSON object per line, one per row result and a summary last; the progress and the table go to stderr." };
        var command = new Command("suite", "The perf regression suite: workloads x configurations, interleaved repeats, hardware floors, baselines and A/B of two builds; --workloads runs your own dataflows (package Timely.Workloads) the same way.");
        foreach (var o in new Option[] { quick, smoke, filter, repeat, timeout, save, baseline, threshold, workloads, vs, rust, markdown, html, noCounters, dumps, json, trace })
        {
            command.Options.Add(o);
        }

        command.SetAction(result =>
        {
            var size = result.GetValue(smoke) ? SuiteSize.Smoke : result.GetValue(quick) ? SuiteSize.Quick : SuiteSize.Full;
            string? savePath = result.GetValue(save);
            string? markdownPath = result.GetValue(markdown);
            string? htmlPath = result.GetValue(html);
            var filters = result.GetValue(filter) ?? [];
            SuiteReport? baselineReport;
            SuiteSettings settings;
            IReadOnlyList<SuiteRow> rows;
            double thresholdPercent = result.GetValue(threshold);
            try
            {
                // Every check that can fail does so here, before minutes are spent on the run.
                int runs = Check("--repeat", result.GetValue(repeat) ?? (size == SuiteSize.Full ? 5 : 3), 1, MaxRepeat);
                double seconds = CheckPositive("--timeout", result.GetValue(timeout) ?? size switch { SuiteSize.Full => 900, SuiteSize.Quick => 60, _ => 20 }, MaxTimeoutSeconds);
                CheckPositive("--threshold", thresholdPercent, MaxThresholdPercent);
                CheckOutputs(savePath, markdownPath, result.GetValue(dumps), htmlPath);
                if (result.GetValue(trace) is { } traceDir)
                {
                    OutputPaths.CheckDirectory("--trace", traceDir);
                }

                baselineReport = result.GetValue(baseline) is { } path ? SuiteReport.Load(path) : null;
                string? userAssembly = result.GetValue(workloads);
                string? vsAssembly = null;
                IReadOnlyList<SuiteRow> all;
                if (userAssembly is not null)
                {
                    if (result.GetValue(rust) is not null)
                    {
                        throw new ConfigException("--rust pairs timely's built-in rows with Rust's examples; it does not apply to --workloads.");
                    }

                    // Listed by children, before any row runs: an unusable assembly is a usage error now.
                    var listed = UserWorkloads.Discover(TimelyExecutable.Current(), "--workloads", userAssembly, ListDeadline);
                    userAssembly = Path.GetFullPath(userAssembly);
                    if (result.GetValue(vs) is { } otherBuild)
                    {
                        UserWorkloads.Discover(TimelyExecutable.Current(), "--vs", otherBuild, ListDeadline);
                        vsAssembly = Path.GetFullPath(otherBuild);
                    }

                    all = SuiteMatrix.UserRows(listed, size);
                }
                else
                {
                    all = result.GetValue(rust) is null ? SuiteMatrix.Rows(size) : [.. SuiteMatrix.Rows(size), .. SuiteMatrix.RustOnlyRows()];
                }

                var other = result.GetValue(vs) is { } vsPath && userAssembly is null ? TimelyExecutable.FromPath(vsPath) : null;
                var rustExamples = result.GetValue(rust) is { } rustPath ? RustExamples.Open(rustPath) : null;
                rows = SuiteMatrix.Filter(all, filters);
                if (rows.Count == 0)
                {
                    throw new ConfigException($"--filter {string.Join(' ', filters)} matches no row; rows are:{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", all.Select(r => $"{r.Label}: {r.Id}"))}");
                }

                if (baselineReport is not null)
                {
                    CheckBaselineRows(result.GetValue(baseline)!, rows.Where(r => !RustExamples.OnlyBesideRust(r)).ToArray(), baselineReport, filters.Length > 0);
                }

                settings = new SuiteSettings
                {
                    Size = size,
                    Repeat = runs,
                    Deadline = TimeSpan.FromSeconds(seconds),
                    Counters = !result.GetValue(noCounters) && size != SuiteSize.Smoke,
                    Calibrate = size != SuiteSize.Smoke,
                    DumpDirectory = result.GetValue(dumps) ?? Path.Combine(Path.GetTempPath(), "timely-suite-dumps"),
                    Vs = other,
                    Workloads = userAssembly,
                    VsWorkloads = vsAssembly,
                    Traces = result.GetValue(trace) is { } traces ? new Tracing.SuiteTraces(traces) : null,
                    Rust = rustExamples,
                    RefuseOverloadedHost = savePath is not null || baselineReport is not null,
                    Progress = Console.Error,
                };
            }
            catch (Exception e) when (e is ConfigException or BaselineException or FileNotFoundException)
            {
                // The same line the global handler gives a ConfigException; caught here so the suite
                // does not depend on which handler Program installs.
                Console.Error.WriteLine($"timely: error: {e.Message}");
                return 2;
            }

            SuiteReport report;
            try
            {
                report = SuiteRunner.Run(rows, settings, "suite " + string.Join(' ', result.Tokens.Where(t => t.Value != "suite" || t.Type != System.CommandLine.Parsing.TokenType.Command).Select(t => t.Value)));
            }
            catch (OverloadedHostException e)
            {
                Console.Error.WriteLine($"timely: {e.Message}");
                return 1;
            }

            bool jsonMode = result.GetValue(json);
            return Report(report, baselineReport, filters.Length > 0, thresholdPercent / 100, savePath, markdownPath, jsonMode ? Console.Error : Console.Out, Console.Error, jsonMode ? Console.Out : null, htmlPath);
        });
        return command;
    }

    /// <summary>Compares, prints, writes the files, and gives the exit code; with <paramref name="json"/>, also the JSON lines there.</summary>
    internal static int Report(SuiteReport report, SuiteReport? baseline, bool filtered, double threshold, string? save, string? markdown, TextWriter output, TextWriter errors, TextWriter? json = null, string? html = null)
    {
        IReadOnlyList<RowComparison>? againstBaseline = null;
        int exit = 0;
        if (baseline is not null)
        {
            try
            {
                againstBaseline = Comparison.CompareRuns(report.Rows, baseline.Rows, threshold, filtered);
            }
            catch (BaselineException e)
            {
                errors.WriteLine($"timely: error: {e.Message}");
                exit = 2;
            }
        }

        IReadOnlyList<RowComparison>? againstVs = null;
        if (report.Vs.Length > 0)
        {
            // A/B: this build's samples against the other build's, row by row, same method as a baseline.
            var theirs = report.Rows.Where(r => r.Build == "vs").Select(r => new RowResult { Id = r.Id, Label = r.Label, Configuration = r.Configuration, Build = "this", Status = r.Status, Message = r.Message, Samples = r.Samples }).ToArray();
            againstVs = Comparison.CompareRuns(report.Rows, theirs, threshold, filtered: true);
        }

        string? saved = null;
        string? written = null;
        if (exit == 0)
        {
            var table = TextReport.Table(report, againstBaseline, againstVs);
            output.WriteLine(TextReport.Plain(table));
            if (TextReport.RustTable(report) is { Count: > 0 } rustTable)
            {
                output.WriteLine($"beside Rust timely ({report.Rust}; both sides: wall minus a trivial-size run of the same repeat, or the whole run for an example of fixed size; for event_driven, which never stops, rounds per second over a fixed time, its ms columns ms per 1000 rounds; for sequence, which sleeps and never stops, CPU over a fixed window; the \"compares\" column says which figure the ratio is of):");
                output.WriteLine(TextReport.Plain(rustTable));
                output.WriteLine(TextReport.PeakNote(report));
                if (TextReport.ReleasedNote(report) is { } released)
                {
                    output.WriteLine(released);
                }
            }

            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"floors: cache line {TextReport.F(report.Calibration.CacheLineRoundTripNs)} ns, socket {TextReport.F(report.Calibration.SocketRoundTripNs)} ns per round trip{(report.Calibration.Overloaded is null ? "" : " (host overloaded: no ratios to them)")}; regression = median ratio > {1 + threshold:0.###} and noise band (bootstrap 95%) above 1."));
            if (markdown is not null)
            {
                string chart = Path.ChangeExtension(markdown, ".svg");
                if (Write(markdown, errors, () =>
                {
                    File.WriteAllText(chart, SvgChart.Render(report));
                    File.WriteAllText(markdown, TextReport.MarkdownDocument(report, table, Path.GetFileName(chart)));
                }))
                {
                    written = markdown;
                    output.WriteLine($"markdown written to {markdown}, chart to {chart}");
                }
                else
                {
                    exit = 1;
                }
            }

            if (html is not null)
            {
                if (Write(html, errors, () => File.WriteAllText(html, HtmlReport.Render(report, table, againstBaseline, againstVs))))
                {
                    output.WriteLine($"html written to {html}");
                }
                else
                {
                    exit = 1;
                }
            }

            if (report.Rows.Any(r => r.Status is RowStatus.Failed or RowStatus.Hung))
            {
                errors.WriteLine("timely suite: some rows failed or hung (see the notes above).");
                exit = 1;
            }

            if (report.RustRows.Any(r => r.Status is RowStatus.Failed or RowStatus.Hung))
            {
                errors.WriteLine("timely suite: some runs beside Rust failed or hung (see the notes); those rows have no 'vs Rust' figure.");
                exit = 1;
            }

            foreach (var note in TextReport.Notes(report))
            {
                output.WriteLine(note);
            }

            foreach (var c in (againstBaseline ?? []).Concat(againstVs ?? []).Where(c => c.Verdict == Verdict.Regression))
            {
                errors.WriteLine(string.Create(CultureInfo.InvariantCulture, $"timely suite: REGRESSION {c.Id}: {c.Ratio:0.###}x (band {c.BandLow:0.###}..{c.BandHigh:0.###})"));
            }

            exit = Math.Max(exit, Math.Max(Comparison.ExitCode(againstBaseline ?? []), Comparison.ExitCode(againstVs ?? [])));
        }

        // Saved even when the baseline could not be compared: the run itself is good.
        if (save is not null)
        {
            if (Write(save, errors, () => report.Save(save)))
            {
                saved = save;
                output.WriteLine($"results saved to {save}");
            }
            else
            {
                exit = Math.Max(exit, 1);
            }
        }

        if (json is not null)
        {
            foreach (var r in report.Rows)
            {
                json.WriteLine(SuiteJson.Row(r, report.Calibration, Find(againstBaseline, r), Find(againstVs, r)));
            }

            json.WriteLine(SuiteJson.Summary(report, (againstBaseline ?? []).Concat(againstVs ?? []), saved, written, exit));
        }

        return exit;
    }

    /// <summary>The comparison of <paramref name="row"/> (comparisons are of this build's rows only).</summary>
    private static RowComparison? Find(IReadOnlyList<RowComparison>? comparisons, RowResult row) =>
        row.Build == "this" ? comparisons?.FirstOrDefault(c => c.Id == row.Id) : null;

    /// <summary>Writes one output file after the run; a failure is one line naming the file (exit 1), and the rest of the report still comes out.</summary>
    private static bool Write(string path, TextWriter errors, Action write)
    {
        try
        {
            write();
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or OverloadedHostException)
        {
            errors.WriteLine($"timely: could not write {path}: {e.Message}");
            return false;
        }
    }

    private static void CheckBaselineRows(string path, IReadOnlyList<SuiteRow> rows, SuiteReport baseline, bool filtered)
    {
        try
        {
            Comparison.CheckRows(rows.Select(r => r.Id), baseline.Rows, filtered);
        }
        catch (BaselineException e)
        {
            throw new BaselineException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>The output paths, checked before the run (<see cref="OutputPaths"/>).</summary>
    internal static void CheckOutputs(string? save, string? markdown, string? dumpDirectory, string? html = null)
    {
        if (html is not null)
        {
            OutputPaths.CheckFile("--html", html);
            foreach (var (option, other) in new[] { ("--save", save), ("--markdown", markdown), ("--markdown (its chart)", markdown is null ? null : Path.ChangeExtension(markdown, ".svg")) })
            {
                if (other is not null && Path.GetFullPath(other) == Path.GetFullPath(html))
                {
                    throw new ConfigException($"--html and {option} are the same file {html}; give two paths.");
                }
            }
        }

        if (save is not null)
        {
            OutputPaths.CheckFile("--save", save);
        }

        if (markdown is not null)
        {
            if (Path.GetExtension(markdown).Equals(".svg", StringComparison.OrdinalIgnoreCase))
            {
                throw new ConfigException($"--markdown {markdown}: the chart is written beside it as .svg and would overwrite it; use a .md name.");
            }

            OutputPaths.CheckFile("--markdown", markdown);
            OutputPaths.CheckFile("--markdown (its chart)", Path.ChangeExtension(markdown, ".svg"));
            if (save is not null && Path.GetFullPath(save) == Path.GetFullPath(markdown))
            {
                throw new ConfigException($"--save and --markdown are the same file {save}; give two paths.");
            }
        }

        if (dumpDirectory is not null)
        {
            OutputPaths.CheckDirectory("--dump-dir", dumpDirectory);
        }
    }

    private static int Check(string option, int value, int min, int max) => value >= min && value <= max
        ? value
        : throw new ConfigException(string.Create(CultureInfo.InvariantCulture, $"{option} {value}: must be from {min} to {max}."));

    private static double CheckPositive(string option, double value, double max) => value > 0 && value <= max
        ? value
        : throw new ConfigException(string.Create(CultureInfo.InvariantCulture, $"{option} {value}: must be above 0 and at most {max}."));
}
