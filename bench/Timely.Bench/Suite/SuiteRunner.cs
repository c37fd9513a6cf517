using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Timely.Bench.Suite;

/// <summary>
/// Runs the matrix: every row by every build, <see cref="SuiteSettings.Repeat"/> times,
/// interleaved (repeat-major: row 1 A, row 1 B, row 2 A, ... then again, with the build order
/// reversed on odd repeats) so a host that drifts between fast and slow states spreads the drift
/// over all rows and both builds instead of biasing one.
/// </summary>
public static class SuiteRunner
{
    /// <summary>Runs <paramref name="rows"/> and returns the report (no comparison; see <see cref="Comparison"/>).</summary>
    public static SuiteReport Run(IReadOnlyList<SuiteRow> rows, SuiteSettings settings, string command)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(settings);
        var builds = new List<(string Name, TimelyExecutable Exe)> { ("this", TimelyExecutable.Current()) };
        if (settings.Vs is not null)
        {
            builds.Add(("vs", settings.Vs));
        }
        else if (settings.VsWorkloads is not null)
        {
            // An A/B of two builds of the user's assembly: this timely runs both.
            builds.Add(("vs", builds[0].Exe));
        }

        var clock = Stopwatch.StartNew();
        var calibration = new CalibrationResult { CacheLineRoundTripNs = double.NaN, SocketRoundTripNs = double.NaN };
        if (settings.Calibrate)
        {
            settings.Progress.WriteLine("calibrating: cache-line ping-pong and loopback socket round trip ...");
            calibration = MeasureFloors(settings);
            settings.Progress.WriteLine($"  cache line {TextReport.F(calibration.CacheLineRoundTripNs)} ns/round trip, socket {TextReport.F(calibration.SocketRoundTripNs)} ns/round trip");
            if (calibration.Overloaded is { } overloaded)
            {
                if (settings.RefuseOverloadedHost)
                {
                    // Before any row: a baseline from (or a comparison on) this host would be noise.
                    throw new OverloadedHostException($"{overloaded}; refusing to save or compare this run (--save, --baseline): run it on a quieter host.");
                }

                settings.Progress.WriteLine($"  warning: {overloaded}; the ratios to the floors are not printed and this run's timings are unreliable.");
            }
        }

        var results = rows.SelectMany(r => builds.Select(b => new RowResult { Id = r.Id, Label = r.Label, Configuration = r.Configuration, Build = b.Name })).ToArray();
        var rust = settings.Rust is null ? [] : RustComparison.Plan(rows, settings.Rust, settings.Size);
        int repeat = settings.Size == SuiteSize.Smoke ? 1 : Math.Max(1, settings.Repeat);
        // A row that runs only beside Rust (it never stops by itself) has no timed runs of its own.
        var timed = rows.Select(r => !RustExamples.OnlyBesideRust(r)).ToArray();
        int total = (timed.Count(t => t) * builds.Count * repeat) + (rust.Count * repeat);
        int index = 0;
        for (int rep = 0; rep < repeat; rep++)
        {
            for (int r = 0; r < rows.Count; r++)
            {
                for (int k = 0; k < builds.Count && timed[r]; k++)
                {
                    int b = rep % 2 == 0 ? k : builds.Count - 1 - k;
                    var result = results[(r * builds.Count) + b];
                    index++;
                    if (result.Status != RowStatus.Ok)
                    {
                        continue;
                    }

                    settings.Progress.Write($"[{index}/{total} {clock.Elapsed:mm\\:ss}] {builds[b].Name,-4} timely {rows[r].Id} ... ");
                    RunOnce(rows[r], builds[b].Exe, settings, result);
                    var last = result.Samples.Count > 0 && result.Status == RowStatus.Ok ? $"{result.Samples[^1].Milliseconds:0.###} ms" : $"{result.Status}: {result.Message}";
                    settings.Progress.WriteLine(last);
                }

                if (rust.Find(x => x.Id == rows[r].Id) is { } pair)
                {
                    index++;
                    if (pair.Status == RowStatus.Ok)
                    {
                        var cutOff = pair.ComparesRounds ? RustComparison.CutOff(settings.Size) : RustComparison.Window(settings.Size) + RustComparison.WindowMargin;
                        settings.Progress.Write(RustExamples.RunsUntilStopped(rows[r].Workload)
                            ? $"[{index}/{total} {clock.Elapsed:mm\\:ss}] rust timely {rows[r].Id} vs {pair.RustConfiguration} (2 starts, each stopped after {cutOff.TotalSeconds:0.#} s) ... "
                            : $"[{index}/{total} {clock.Elapsed:mm\\:ss}] rust timely {rows[r].Id} vs {pair.RustConfiguration} (4 starts) ... ");
                        RustComparison.RunOnce(rows[r], rep, builds[0].Exe, settings.Rust!, settings.Deadline, cutOff, pair);
                        settings.Progress.WriteLine(pair.Status != RowStatus.Ok ? $"{pair.Status}: {pair.Message}"
                            : pair.ComparesRounds ? $"{pair.Samples[^1].OursRoundsPerSecond:0.#} rounds/s vs Rust {pair.Samples[^1].RustRoundsPerSecond:0.#} rounds/s"
                            : pair.ReleasedWindowSeconds > 0 ? $"cpu {pair.Samples[^1].OursCpuMs:0.#} ms vs Rust {pair.Samples[^1].RustCpuMs:0.#} ms; released by {pair.ReleasedWindowSeconds:0.#} s: {pair.Samples[^1].OursReleased} lines vs Rust {pair.Samples[^1].RustReleased}"
                            : $"net {pair.Samples[^1].OursNetMs:0.#} ms vs Rust {pair.Samples[^1].RustNetMs:0.#} ms");
                    }
                }
            }
        }

        if (ChecksumCheck.AcrossRows(results) > 0)
        {
            settings.Progress.WriteLine("  checksums disagree across configurations or builds: see the failed rows' notes");
        }

        settings.Progress.WriteLine($"suite done in {clock.Elapsed:mm\\:ss}");
        return new SuiteReport
        {
            Command = command,
            Size = settings.Size.ToString().ToLowerInvariant(),
            Host = HostInfo.Current(settings.Vs?.Directory),
            Calibration = calibration,
            Vs = settings.Vs?.ToString() ?? settings.VsWorkloads ?? "",
            Rust = settings.Rust?.Directory ?? "",
            Rows = results.Where((_, i) => timed[i / builds.Count]).ToList(),
            RustRows = rust,
        };
    }

    /// <summary>The floors (<see cref="SuiteSettings.MeasureFloors"/> or <see cref="Calibration.Measure"/>); a cache line that completed no batch is +infinity (overloaded).</summary>
    private static CalibrationResult MeasureFloors(SuiteSettings settings)
    {
        CalibrationResult floors;
        try
        {
            floors = settings.MeasureFloors?.Invoke() ?? Calibration.Measure(settings.Size == SuiteSize.Full ? 200_000 : 20_000, TimeSpan.FromSeconds(settings.Size == SuiteSize.Full ? 10 : 2));
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException)
        {
            // The loopback socket floor is an instrument too: without it the ratios are "-".
            settings.Progress.WriteLine($"  calibration failed ({e.GetType().Name}: {e.Message}); no floors in this run");
            return new CalibrationResult { CacheLineRoundTripNs = double.NaN, SocketRoundTripNs = double.NaN };
        }

        return double.IsNaN(floors.CacheLineRoundTripNs)
            ? new CalibrationResult { CacheLineRoundTripNs = double.PositiveInfinity, SocketRoundTripNs = floors.SocketRoundTripNs }
            : floors;
    }

    /// <summary>One run of one row: appends a sample, or sets the row's status and message.</summary>
    internal static void RunOnce(SuiteRow row, TimelyExecutable exe, SuiteSettings settings, RowResult result)
    {
        ChildRun run;
        try
        {
            var traces = settings.Traces is { } t && Tracing.SuiteTraces.Traces(row.Workload) && !Equals(exe, settings.Vs) ? t : null;
            var arguments = traces is null ? row.Arguments : [.. row.Arguments, "--trace", traces.Pending(row.Id)];
            if (row.IsUserWorkload)
            {
                // The build of a user's workload row is the assembly it loads.
                arguments = [.. arguments, "--assembly", (result.Build == "vs" ? settings.VsWorkloads : settings.Workloads) ?? throw new InvalidOperationException($"row {row.Id} needs --workloads")];
            }

            run = ChildRunner.Run(exe, arguments, settings.Deadline, settings.Counters, settings.DumpDirectory, row.Processes, settings.OpenCounters);
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            // The child could not be started or watched (e.g. the build's file vanished): this row
            // failed, the suite goes on with the next.
            result.Status = RowStatus.Failed;
            result.Message = $"could not run {exe}: {e.GetType().Name}: {e.Message}";
            return;
        }

        if (run.Hung)
        {
            result.Status = RowStatus.Hung;
            result.Message = $"no exit within {settings.Deadline.TotalSeconds:0} s; killed; {run.DumpNote}";
            return;
        }

        if (run.ExitCode != 0)
        {
            string firstError = run.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "(no stderr)";
            firstError = firstError.Replace("Unhandled exception: ", "", StringComparison.Ordinal);
            result.Status = Unavailable(run.ExitCode, run.StandardError) ? RowStatus.Skipped : RowStatus.Failed;
            result.Message = result.Status == RowStatus.Skipped
                ? $"not available in this build: {firstError}"
                : $"exit code {run.ExitCode}: {firstError}";
            return;
        }

        var sample = Parse(row, run, out string? error);
        if (settings.Traces is { } kept && Tracing.SuiteTraces.Traces(row.Workload) && !Equals(exe, settings.Vs))
        {
            if (sample is null)
            {
                kept.Discard(row.Id);
            }
            else
            {
                kept.Keep(row.Id, sample.Milliseconds);
            }
        }

        if (sample is null)
        {
            result.Status = RowStatus.Failed;
            result.Message = error;
            return;
        }

        if (row.IsUserWorkload && ChecksumCheck.AgainstRow(result, sample) is { } wrong)
        {
            result.Status = RowStatus.Failed;
            result.Message = wrong;
            return;
        }

        result.Samples.Add(sample);
    }

    /// <summary>
    /// Whether a failed child says this build cannot run the row at all: timely's configuration
    /// errors exit 2 with "timely: ..." or, thrown once the command runs (e.g. a transport that is
    /// not built), surface as an unhandled <c>ConfigException</c>; and an older build in an A/B run
    /// rejects a command or flag it does not have ("Unrecognized command or argument").
    /// </summary>
    internal static bool Unavailable(int exitCode, string standardError) =>
        (exitCode == 2 && standardError.TrimStart().StartsWith("timely:", StringComparison.Ordinal))
        || standardError.Contains("Timely.Communication.ConfigException", StringComparison.Ordinal)
        || standardError.Contains("Unrecognized command or argument", StringComparison.Ordinal);

    /// <summary>The sample from the child's output, checked against the row's expected records.</summary>
    internal static RunSample? Parse(SuiteRow row, ChildRun run, out string? error)
    {
        double ms;
        long records = 0;
        long gen0 = 0;
        long allocated = 0;
        ulong? checksum = null;
        if (row.HasJson)
        {
            // One summary line per process (the multi-process launcher relays each child's with a
            // "[p<i>] " prefix): the slowest elapsed, summed records and bytes, the largest gen0 count.
            ms = double.NaN;
            int lines = 0;
            foreach (var raw in run.StandardOutput.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                int brace = raw.IndexOf('{', StringComparison.Ordinal);
                if (brace < 0 || !raw.Contains("\"workload\"", StringComparison.Ordinal) || (brace > 0 && !raw.StartsWith("[p", StringComparison.Ordinal)))
                {
                    continue;
                }

                string line = raw[brace..];
                try
                {
                    using var doc = JsonDocument.Parse(line);
                    var root = doc.RootElement;
                    double e = root.GetProperty("elapsed_ms").GetDouble();
                    ms = lines == 0 ? e : Math.Max(ms, e);
                    records += root.GetProperty("records").GetInt64();
                    gen0 = Math.Max(gen0, root.GetProperty("gen0").GetInt64());
                    allocated += root.GetProperty("allocated_bytes").GetInt64();
                    if (row.IsUserWorkload)
                    {
                        checksum = unchecked((checksum ?? 0) + root.GetProperty("checksum").GetUInt64());
                    }

                    lines++;
                }
                catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
                {
                    error = $"unreadable --json line ({e.Message}): {line}";
                    return null;
                }
            }

            if (lines == 0)
            {
                error = "the child printed no --json summary line";
                return null;
            }
        }
        else
        {
            ms = run.WallMilliseconds;
            // The launcher relays a child's human lines to stderr, so count both streams.
            records = (run.StandardOutput + "\n" + run.StandardError).Split('\n').Count(l => l.Contains("received: <hello", StringComparison.Ordinal));
        }

        if (!row.IsUserWorkload && records != row.ExpectedRecords)
        {
            error = $"wrong result: {records.ToString(CultureInfo.InvariantCulture)} records, expected {row.ExpectedRecords.ToString(CultureInfo.InvariantCulture)}";
            return null;
        }

        error = null;
        var counters = run.Counters;
        return new RunSample
        {
            Milliseconds = ms,
            WallMilliseconds = run.WallMilliseconds,
            Records = records,
            Checksum = checksum,
            JsonGen0 = gen0,
            JsonAllocatedBytes = allocated,
            CountersSource = counters is null ? run.CountersNote ?? CounterSession.NotMeasured("no reason given") : "eventpipe",
            ProcessGen0 = counters?.Gen0,
            ProcessAllocatedBytes = counters?.AllocatedBytes,
            CpuMilliseconds = counters?.CpuMilliseconds,
        };
    }
}
