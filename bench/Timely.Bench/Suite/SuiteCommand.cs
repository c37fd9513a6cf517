using System.CommandLine;
using System.Globalization;

namespace Timely.Bench.Suite;

/// <summary>
/// <c>timely suite</c>: the perf regression suite. Exit codes: 0 fine; 1 a regression beyond the
/// threshold and the noise band (against --baseline or the --vs build), or a row that failed or
/// hung; 2 a baseline or --vs build that cannot be used.
/// </summary>
public static class SuiteCommand
{
    public static Command Create()
    {
        var quick = new Option<bool>("--quick") { Description = "Scaled-down sizes: the whole suite in about a minute." };
        var smoke = new Option<bool>("--smoke") { Description = "Tiny sizes, one run per row, no calibration: checks only that every row completes with the expected records." };
        var filter = new Option<string[]>("--filter") { Description = "Rows whose 'label command' contains this text, or matches it as a glob (* ?); repeatable.", AllowMultipleArgumentsPerToken = true };
        var repeat = new Option<int?>("--repeat") { Description = "Runs per row and build (default 5, quick 3)." };
        var timeout = new Option<double?>("--timeout") { Description = "Seconds before a run is declared hung, dumped and killed (default 900, quick 60, smoke 20; full-size pingpong 1000 1000000 is 1e9 record passes)." };
        var save = new Option<string?>("--save") { Description = "Write every sample, the host and the calibration as JSON." };
        var baseline = new Option<string?>("--baseline") { Description = "Compare against a file written by --save; exit 1 on a regression." };
        var threshold = new Option<double>("--threshold") { Description = "Relative slow-down that counts as a regression, in percent, when also beyond the noise band.", DefaultValueFactory = _ => Comparison.DefaultThreshold * 100 };
        var vs = new Option<string?>("--vs") { Description = "Another build's timely.dll or timely executable: run both interleaved and print this/vs ratios." };
        var markdown = new Option<string?>("--markdown") { Description = "Write the host block, commands and tables as markdown, and an SVG chart beside it." };
        var noCounters = new Option<bool>("--no-counters") { Description = "Do not attach EventPipe to the children (figures come from --json only)." };
        var dumps = new Option<string?>("--dump-dir") { Description = "Where dumps of hung runs go (default: a temp folder)." };
        var command = new Command("suite", "The perf regression suite: workloads x configurations, interleaved repeats, hardware floors, baselines and A/B of two builds.");
        foreach (var o in new Option[] { quick, smoke, filter, repeat, timeout, save, baseline, threshold, vs, markdown, noCounters, dumps })
        {
            command.Options.Add(o);
        }

        command.SetAction(result =>
        {
            var size = result.GetValue(smoke) ? SuiteSize.Smoke : result.GetValue(quick) ? SuiteSize.Quick : SuiteSize.Full;
            SuiteReport? baselineReport = null;
            TimelyExecutable? other = null;
            try
            {
                // Fail fast on an unusable baseline or build before spending minutes on the run.
                baselineReport = result.GetValue(baseline) is { } path ? SuiteReport.Load(path) : null;
                other = result.GetValue(vs) is { } vsPath ? TimelyExecutable.FromPath(vsPath) : null;
            }
            catch (Exception e) when (e is BaselineException or FileNotFoundException)
            {
                Console.Error.WriteLine($"timely suite: {e.Message}");
                return 2;
            }

            var filters = result.GetValue(filter) ?? [];
            var rows = SuiteMatrix.Filter(SuiteMatrix.Rows(size), filters);
            if (rows.Count == 0)
            {
                Console.Error.WriteLine($"timely suite: --filter {string.Join(' ', filters)} matches no row; rows are:{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", SuiteMatrix.Rows(size).Select(r => $"{r.Label}: {r.Id}"))}");
                return 2;
            }

            if (baselineReport is not null)
            {
                try
                {
                    Comparison.CheckRows(rows.Select(r => r.Id), baselineReport.Rows, filters.Length > 0);
                }
                catch (BaselineException e)
                {
                    Console.Error.WriteLine($"timely suite: {result.GetValue(baseline)}: {e.Message}");
                    return 2;
                }
            }

            var settings = new SuiteSettings
            {
                Size = size,
                Repeat = result.GetValue(repeat) ?? (size == SuiteSize.Full ? 5 : 3),
                Deadline = TimeSpan.FromSeconds(result.GetValue(timeout) ?? size switch { SuiteSize.Full => 900, SuiteSize.Quick => 60, _ => 20 }),
                Counters = !result.GetValue(noCounters) && size != SuiteSize.Smoke,
                Calibrate = size != SuiteSize.Smoke,
                DumpDirectory = result.GetValue(dumps) ?? Path.Combine(Path.GetTempPath(), "timely-suite-dumps"),
                Vs = other,
                RefuseOverloadedHost = result.GetValue(save) is not null || baselineReport is not null,
                Progress = Console.Error,
            };
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

            return Report(report, baselineReport, filters.Length > 0, result.GetValue(threshold) / 100, result.GetValue(save), result.GetValue(markdown), Console.Out, Console.Error);
        });
        return command;
    }

    /// <summary>Compares, prints, writes the files, and gives the exit code.</summary>
    internal static int Report(SuiteReport report, SuiteReport? baseline, bool filtered, double threshold, string? save, string? markdown, TextWriter output, TextWriter errors)
    {
        IReadOnlyList<RowComparison>? againstBaseline = null;
        if (baseline is not null)
        {
            try
            {
                againstBaseline = Comparison.CompareRuns(report.Rows, baseline.Rows, threshold, filtered);
            }
            catch (BaselineException e)
            {
                errors.WriteLine($"timely suite: {e.Message}");
                save.SaveIfAsked(report, output);
                return 2;
            }
        }

        IReadOnlyList<RowComparison>? againstVs = null;
        if (report.Vs.Length > 0)
        {
            // A/B: this build's samples against the other build's, row by row, same method as a baseline.
            var theirs = report.Rows.Where(r => r.Build == "vs").Select(r => new RowResult { Id = r.Id, Label = r.Label, Configuration = r.Configuration, Build = "this", Status = r.Status, Message = r.Message, Samples = r.Samples }).ToArray();
            againstVs = Comparison.CompareRuns(report.Rows, theirs, threshold, filtered: true);
        }

        var table = TextReport.Table(report, againstBaseline, againstVs);
        output.WriteLine(TextReport.Plain(table));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"floors: cache line {TextReport.F(report.Calibration.CacheLineRoundTripNs)} ns, socket {TextReport.F(report.Calibration.SocketRoundTripNs)} ns per round trip{(report.Calibration.Overloaded is null ? "" : " (host overloaded: no ratios to them)")}; regression = median ratio > {1 + threshold:0.###} and noise band (bootstrap 95%) above 1."));
        save.SaveIfAsked(report, output);
        if (markdown is not null)
        {
            string chart = Path.ChangeExtension(markdown, ".svg");
            File.WriteAllText(chart, SvgChart.Render(report));
            File.WriteAllText(markdown, TextReport.MarkdownDocument(report, table, Path.GetFileName(chart)));
            output.WriteLine($"markdown written to {markdown}, chart to {chart}");
        }

        int exit = 0;
        if (report.Rows.Any(r => r.Status is RowStatus.Failed or RowStatus.Hung))
        {
            errors.WriteLine("timely suite: some rows failed or hung (see the notes above).");
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

        return Math.Max(exit, Math.Max(Comparison.ExitCode(againstBaseline ?? []), Comparison.ExitCode(againstVs ?? [])));
    }

    private static void SaveIfAsked(this string? path, SuiteReport report, TextWriter output)
    {
        if (path is not null)
        {
            report.Save(path);
            output.WriteLine($"results saved to {path}");
        }
    }
}
