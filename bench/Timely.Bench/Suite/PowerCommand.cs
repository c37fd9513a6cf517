using System.CommandLine;
using System.Globalization;
using Timely.Bench.Commands;
using Timely.Communication;

namespace Timely.Bench.Suite;

/// <summary>
/// <c>timely suite-power</c>: measures the suite's detection power (<see cref="DetectionPower"/>)
/// with a workload whose cost per record is a dial, read from a file <c>dial-percent</c> beside its
/// assembly (the <c>dial</c> workload of bench/Timely.Bench.TestWorkloads does this). For each
/// trial and dial, the assembly is copied into a folder of this command's own with that dial, and
/// the suite runs it A/B against a copy at dial 0, --repeat R (the largest of --repeats). Prints a
/// line per trial and the table at the end; the folders it made are removed.
/// </summary>
public static class PowerCommand
{
    /// <summary>The command.</summary>
    public static Command Create()
    {
        var workloads = new Option<string>("--workloads") { Description = "The workloads assembly with a dial-able workload (bench/Timely.Bench.TestWorkloads/bin/Release/net10.0/Timely.Bench.TestWorkloads.dll).", HelpName = "DLL", Required = true };
        var workload = new Option<string>("--workload") { Description = "The workload whose cost reads the dial-percent file beside its assembly (default dial).", DefaultValueFactory = _ => "dial" };
        var dials = new Option<string>("--dials") { Description = "Slowdowns to inject, whole percent, comma-separated (default 0,5,10,20; 0 is an A/A run: its verdicts are false alarms).", DefaultValueFactory = _ => "0,5,10,20" };
        var repeats = new Option<string>("--repeats") { Description = "The --repeat values to judge, comma-separated (default 3,5,10,20); each trial runs the largest and judges its first N runs for each N.", DefaultValueFactory = _ => "3,5,10,20" };
        var trials = new Option<int>("--trials") { Description = "Trials per dial, 1..1000 (default 20).", DefaultValueFactory = _ => 20 };
        var threshold = new Option<double>("--threshold") { Description = "The suite's threshold in percent (default 10).", DefaultValueFactory = _ => Comparison.DefaultThreshold * 100 };
        var size = new Option<string>("--size") { Description = "full or quick (default quick).", DefaultValueFactory = _ => "quick" };
        var command = new Command("suite-power", "Measures how small a slowdown `timely suite` detects at each --repeat, and its false alarms: A/B trials of a dial-able workload against itself (see perf.md).");
        foreach (var o in new Option[] { workloads, workload, dials, repeats, trials, threshold, size })
        {
            command.Options.Add(o);
        }

        command.SetAction(result =>
        {
            var dialValues = ParseIntegers("--dials", result.GetValue(dials)!, 0, 1000);
            var repeatValues = ParseIntegers("--repeats", result.GetValue(repeats)!, 2, 200);
            int trialCount = result.GetValue(trials);
            if (trialCount is < 1 or > 1000)
            {
                throw new ConfigException(string.Create(CultureInfo.InvariantCulture, $"--trials {trialCount}: must be from 1 to 1000."));
            }

            double thresholdValue = result.GetValue(threshold) / 100;
            var sizeValue = Workloads.WorkloadCommand.ParseSize(result.GetValue(size)!) switch
            {
                Timely.Workloads.WorkloadSize.Full => SuiteSize.Full,
                Timely.Workloads.WorkloadSize.Quick => SuiteSize.Quick,
                _ => throw new ConfigException("--size smoke: a smoke run runs each row once, which gives no verdict; use quick or full."),
            };
            string assembly = Workloads.WorkloadCatalog.CheckPath("--workloads", result.GetValue(workloads)!);
            string name = result.GetValue(workload)!;
            var listed = UserWorkloads.Discover(TimelyExecutable.Current(), "--workloads", assembly, TimeSpan.FromSeconds(60));
            var found = listed.FirstOrDefault(l => l.Name == name);
            var candidates = found.Name is null ? [] : SuiteMatrix.UserRows([found], sizeValue);
            var row = candidates.Count > 0 ? candidates[0] : null;
            if (row is null)
            {
                throw new ConfigException($"--workload {name}: not a workload of {assembly} with a configuration to run (it has: {string.Join(", ", listed.Select(l => l.Name))}).");
            }

            return Cli.Run(() => Run(assembly, row, dialValues, repeatValues, trialCount, thresholdValue, sizeValue, Console.Out));
        });
        return command;
    }

    /// <summary>Parses a comma-separated list of distinct integers in <paramref name="min"/>..<paramref name="max"/>, in ascending order; anything else is a <see cref="ConfigException"/>.</summary>
    public static int[] ParseIntegers(string option, string text, int min, int max)
    {
        ArgumentNullException.ThrowIfNull(text);
        var values = new List<int>();
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value < min || value > max)
            {
                throw new ConfigException(string.Create(CultureInfo.InvariantCulture, $"{option} '{text}': comma-separated whole numbers from {min} to {max}."));
            }

            values.Add(value);
        }

        if (values.Distinct().Count() != values.Count)
        {
            throw new ConfigException($"{option} '{text}': a value is given twice.");
        }

        return values.Order().ToArray();
    }

    private static int Run(string assembly, SuiteRow row, int[] dials, int[] repeats, int trials, double threshold, SuiteSize size, TextWriter output)
    {
        var folder = Directory.CreateTempSubdirectory("timely-suite-power-");
        try
        {
            string reference = Copy(assembly, folder.FullName, "reference", 0);
            var copies = dials.ToDictionary(d => d, d => Copy(assembly, folder.FullName, $"dial-{d}", d));
            var results = dials.ToDictionary(d => d, _ => new List<(double[] Changed, double[] Reference)>());
            int largest = repeats.Max();
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"suite-power: timely {row.Id}, A/B against itself at dials {string.Join(", ", dials.Select(d => $"+{d}%"))}; {trials} trials of --repeat {largest}, judged after {string.Join(", ", repeats)} runs; threshold {threshold * 100:0.#}%"));
            for (int t = 0; t < trials; t++)
            {
                // The dials' order turns each trial, so a drifting host does not always favour one.
                foreach (int dial in dials.Skip(t % dials.Length).Concat(dials.Take(t % dials.Length)))
                {
                    var settings = new SuiteSettings
                    {
                        Size = size,
                        Repeat = largest,
                        Deadline = TimeSpan.FromSeconds(120),
                        Counters = false,
                        Calibrate = false,
                        Workloads = copies[dial],
                        VsWorkloads = reference,
                    };
                    var report = SuiteRunner.Run([row], settings, $"suite-power dial {dial}");
                    var mine = report.Rows.Single(r => r.Build == "this");
                    var theirs = report.Rows.Single(r => r.Build == "vs");
                    if (mine.Status != RowStatus.Ok || theirs.Status != RowStatus.Ok || mine.Samples.Count < largest || theirs.Samples.Count < largest)
                    {
                        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"suite-power: trial {t + 1} at +{dial}% did not complete: {mine.Message ?? theirs.Message ?? $"{mine.Samples.Count} and {theirs.Samples.Count} of {largest} runs"}"));
                        return Cli.FailureExit;
                    }

                    results[dial].Add((mine.Milliseconds, theirs.Milliseconds));
                    var verdicts = repeats.Select(n => $"n={n} {Short(DetectionPower.VerdictAfter(mine.Milliseconds, theirs.Milliseconds, n, threshold))}");
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"trial {t + 1}/{trials} +{dial}%: ratio {mine.Median / theirs.Median:0.000}; {string.Join(", ", verdicts)}"));
                }
            }

            output.WriteLine();
            output.Write(DetectionPower.Table(results, repeats, threshold));
            return 0;
        }
        finally
        {
            // The folder this command made, with the copies it put there.
            folder.Delete(recursive: true);
        }
    }

    private static string Copy(string assembly, string root, string name, int dial)
    {
        string dir = Path.Combine(root, name);
        Directory.CreateDirectory(dir);
        string copy = Path.Combine(dir, Path.GetFileName(assembly));
        File.Copy(assembly, copy);
        string deps = Path.ChangeExtension(assembly, ".deps.json");
        if (File.Exists(deps))
        {
            File.Copy(deps, Path.Combine(dir, Path.GetFileName(deps)));
        }

        File.WriteAllText(Path.Combine(dir, "dial-percent"), dial.ToString(CultureInfo.InvariantCulture));
        return copy;
    }

    private static string Short(Verdict verdict) => verdict switch
    {
        Verdict.Regression => "REGRESSION",
        Verdict.Improvement => "improvement",
        _ => "noise",
    };
}
