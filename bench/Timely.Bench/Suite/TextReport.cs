using System.Globalization;
using System.Text;
using Timely.Bench.Measurement;

namespace Timely.Bench.Suite;

/// <summary>The tables the suite prints (plain text) and writes (markdown).</summary>
public static class TextReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private static readonly string[] RustHeader = ["row", "config", "Rust config", "compares", "n", "timely net ms", "Rust net ms", "timely/Rust", "band", "timely cpu ms", "Rust cpu ms", "timely peak MB", "Rust peak MB"];

    /// <summary>Rows of the main table: one per row and build, with the comparisons where there are any.</summary>
    public static IReadOnlyList<string[]> Table(SuiteReport report, IReadOnlyList<RowComparison>? baseline, IReadOnlyList<RowComparison>? vs)
    {
        ArgumentNullException.ThrowIfNull(report);
        var header = new List<string> { "row", "config", "build", "median ms", "min..max ms", "n", "ns/record", "x cache line", "x socket", "B/record (timed)", "process: MB alloc, gen0, cpu ms (source)" };
        if (vs is not null)
        {
            header.AddRange(["this/vs", "band", "A/B verdict"]);
        }

        if (baseline is not null)
        {
            header.AddRange(["vs baseline", "band", "verdict"]);
        }

        bool rust = report.RustRows.Count > 0;
        if (rust)
        {
            header.AddRange(["vs Rust", "band"]);
        }

        var table = new List<string[]> { header.ToArray() };
        foreach (var r in report.Rows)
        {
            var ms = r.Milliseconds;
            var cells = new List<string> { Workload(r), r.Configuration, r.Build };
            if (r.Status != RowStatus.Ok)
            {
                // The reason goes to the notes under the table, so the columns stay narrow.
                cells.AddRange([r.Status.ToString().ToLowerInvariant(), "", "", "", "", "", "", ""]);
            }
            else
            {
                double ns = r.NanosecondsPerRecord;
                cells.AddRange(
                [
                    F(r.Median),
                    $"{F(Stats.Min(ms))}..{F(Stats.Max(ms))}",
                    ms.Length.ToString(Inv),
                    F(ns),
                    Ratio(ns, report.Calibration.CacheLineRoundTripNs, report.Calibration),
                    Ratio(ns, report.Calibration.SocketRoundTripNs, report.Calibration),
                    F(r.AllocatedPerRecord),
                    Counters(r),
                ]);
            }

            if (vs is not null)
            {
                var c = r.Build == "this" ? vs.FirstOrDefault(x => x.Id == r.Id) : null;
                cells.AddRange(Verdict(c));
            }

            if (baseline is not null)
            {
                var c = r.Build == "this" ? baseline.FirstOrDefault(x => x.Id == r.Id) : null;
                cells.AddRange(Verdict(c));
            }

            if (rust)
            {
                var pair = r.Build == "this" ? report.RustRows.Find(x => x.Id == r.Id) : null;
                cells.AddRange(pair is null ? ["", ""] : RustCells(pair));
            }

            table.Add(cells.ToArray());
        }

        return table;
    }

    /// <summary>
    /// The comparison with Rust timely (<c>--rust</c>): per paired row, both sides' work (wall minus
    /// the trivial-size run of the same repeat), CPU and peak resident memory, each net of the
    /// trivial run, the ratio and its bootstrap band. Empty when the run had no --rust.
    /// </summary>
    public static IReadOnlyList<string[]> RustTable(SuiteReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (report.RustRows.Count == 0)
        {
            return [];
        }

        var table = new List<string[]> { RustHeader };
        foreach (var pair in report.RustRows)
        {
            var row = report.Rows.Find(r => r.Id == pair.Id && r.Build == "this");
            // A row that runs only beside Rust has no timed result: its label and configuration come with the pair.
            var cells = new List<string> { row is null ? $"{pair.Label} ({pair.Id})" : Workload(row), row?.Configuration ?? pair.Configuration, pair.RustConfiguration, Compares(pair) };
            if (pair.Status != RowStatus.Ok || pair.Samples.Count == 0)
            {
                cells.AddRange([pair.Status.ToString().ToLowerInvariant(), "", "", "", "", "", "", "", ""]);
            }
            else
            {
                var (ours, theirs) = pair.CpuMedians();
                var (oursRss, theirsRss) = pair.RssMedians();
                var ratio = RustCells(pair);
                cells.AddRange([pair.Samples.Count.ToString(Inv), F(pair.OursNetMedian), F(pair.RustNetMedian), ratio[0], ratio[1], F(ours), F(theirs), F(oursRss), F(theirsRss)]);
            }

            table.Add(cells.ToArray());
        }

        return table;
    }

    /// <summary>
    /// Which instrument the Rust table's peak columns are of: exact (each process's kernel
    /// high-water mark at its exit, <see cref="ExactPeak"/>) or sampled every 2 ms
    /// (<see cref="PeakRss"/>), naming the rows of the smaller kind; null without Rust rows.
    /// </summary>
    public static string? PeakNote(SuiteReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var measured = report.RustRows.Where(r => r.Samples.Count > 0).ToList();
        if (measured.Count == 0)
        {
            return null;
        }

        var sampled = measured.Where(r => !r.Samples.All(s => s.PeakExact)).Select(r => r.Id).ToList();
        const string exact = "exact (GNU time's ru_maxrss of each command; a launcher's processes by their own VmHWM at exit; summed)";
        const string sampledText = "sampled (VmHWM every 2 ms, summed; reads a process of a few ms low)";
        return sampled.Count == 0 ? $"peak MB: {exact}."
            : sampled.Count == measured.Count ? $"peak MB: {sampledText}."
            : $"peak MB: {exact}, but {sampledText} for {string.Join(", ", sampled)}.";
    }

    /// <summary>
    /// Under the Rust table, for each row compared over a window (<c>sequence</c>): the elements
    /// both sides released within it, medians over the repeats, the check that they carried the
    /// same schedule; null when there is none.
    /// </summary>
    public static string? ReleasedNote(SuiteReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var lines = report.RustRows
            .Where(r => r.ReleasedWindowSeconds > 0 && r.Samples.Count > 0 && r.Samples.All(s => s.OursReleased is not null && s.RustReleased is not null))
            .Select(r => string.Create(Inv, $"{r.Label}: `recv'd` lines stamped within {r.ReleasedWindowSeconds:0.#} s, timely {string.Join(" ", r.Samples.Select(s => s.OursReleased))} against Rust {string.Join(" ", r.Samples.Select(s => s.RustReleased))} (per repeat); the window's wall is the same on both sides, so its ratio is of CPU."))
            .ToArray();
        return lines.Length == 0 ? null : string.Join(Environment.NewLine, lines);
    }

    /// <summary>
    /// What the row's ratio is of: <c>net wall</c> (wall minus the trivial run), <c>whole wall</c>
    /// (an example of fixed size), <c>whole cpu</c> (an example that runs for a fixed time),
    /// <c>window cpu</c> (one stopped after a fixed window, <c>sequence</c>), <c>rounds/s</c> (an
    /// example that runs until stopped: its ms columns are ms per 1000 rounds).
    /// </summary>
    private static string Compares(RustRowResult pair)
    {
        string workload = pair.Id.Split(' ')[0];
        return pair.ComparesRounds ? "rounds/s" : pair.ReleasedWindowSeconds > 0 ? "window cpu" : pair.ComparesCpu ? "whole cpu" : RustExamples.HasTrivialRun(workload) ? "net wall" : "whole wall";
    }

    /// <summary>The "vs Rust" ratio and band cells; "too small" when a side's median work is not positive.</summary>
    private static string[] RustCells(RustRowResult pair)
    {
        if (pair.Status != RowStatus.Ok)
        {
            return [pair.Status.ToString().ToLowerInvariant(), ""];
        }

        var (ratio, low, high) = pair.Ratio();
        return double.IsNaN(ratio) ? ["too small", ""] : [F(ratio), $"{F(low)}..{F(high)}"];
    }

    /// <summary>
    /// The process counters of a row: medians over the runs that measured all three, or, when no
    /// run did, why not (the first run's reason: "not measured: ...", "too short: ...", "off ...").
    /// </summary>
    internal static string Counters(RowResult r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var measured = r.Samples.Where(s => s.ProcessAllocatedBytes is not null && s.ProcessGen0 is not null && s.CpuMilliseconds is not null).ToArray();
        if (measured.Length == 0)
        {
            return r.Samples.FirstOrDefault()?.CountersSource ?? "no runs";
        }

        double mb = Stats.Median(measured.Select(s => s.ProcessAllocatedBytes!.Value / 1e6).ToArray());
        double gen0 = Stats.Median(measured.Select(s => (double)s.ProcessGen0!.Value).ToArray());
        double cpu = Stats.Median(measured.Select(s => s.CpuMilliseconds!.Value).ToArray());
        return $"{F(mb)}, {gen0.ToString("0.#", Inv)}, {F(cpu)} (eventpipe medians, {measured.Length}/{r.Samples.Count} runs)";
    }

    /// <summary>ns per record over a floor; "overloaded" instead of a number when the floors show an overloaded host.</summary>
    private static string Ratio(double ns, double floor, CalibrationResult floors) =>
        double.IsNaN(ns) ? "-" : floors.Overloaded is null ? F(ns / floor) : "overloaded";

    /// <summary>"label (command without the configuration flags)".</summary>
    private static string Workload(RowResult r)
    {
        int flags = r.Id.IndexOf(" -", StringComparison.Ordinal);
        return $"{r.Label} ({(flags < 0 ? r.Id : r.Id[..flags])})";
    }

    /// <summary>One line per row that did not run to completion, with its reason (skips included).</summary>
    public static IEnumerable<string> Notes(SuiteReport report) =>
        (report ?? throw new ArgumentNullException(nameof(report))).Rows
            .Where(r => r.Status != RowStatus.Ok)
            .Select(r => $"{r.Status.ToString().ToLowerInvariant()}: {r.Build} `timely {r.Id}`: {r.Message}")
            .Concat(report.RustRows
                .Where(r => r.Status != RowStatus.Ok)
                .Select(r => $"{r.Status.ToString().ToLowerInvariant()}: vs Rust `timely {r.Id}`: {r.Message}"))
            .Concat(report.RustRows
                .Where(r => r.Status == RowStatus.Ok && r.Samples.Count > 0 && double.IsNaN(r.Ratio().Ratio))
                .Select(r => $"too small: vs Rust `timely {r.Id}`: median work timely {F(r.OursNetMedian)} ms, Rust {F(r.RustNetMedian)} ms (wall minus the trivial run), and some repeat's work was not above its trivial run: too small for a ratio; run it at full size (no --quick)"));

    /// <summary>The table as aligned plain text.</summary>
    public static string Plain(IReadOnlyList<string[]> table)
    {
        ArgumentNullException.ThrowIfNull(table);
        int columns = table.Max(r => r.Length);
        var widths = Enumerable.Range(0, columns).Select(c => table.Max(r => c < r.Length ? r[c].Length : 0)).ToArray();
        var text = new StringBuilder();
        foreach (var row in table)
        {
            for (int c = 0; c < row.Length; c++)
            {
                text.Append(row[c].PadRight(widths[c] + 2));
            }

            text.AppendLine();
        }

        return text.ToString();
    }

    /// <summary>The table as a markdown table.</summary>
    public static string Markdown(IReadOnlyList<string[]> table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var text = new StringBuilder();
        text.Append("| ").AppendJoin(" | ", table[0]).AppendLine(" |");
        text.Append('|').AppendJoin("", table[0].Select(_ => " --- |")).AppendLine();
        foreach (var row in table.Skip(1))
        {
            text.Append("| ").AppendJoin(" | ", row.Select(c => c.Replace("|", "\\|", StringComparison.Ordinal))).AppendLine(" |");
        }

        return text.ToString();
    }

    /// <summary>The host block of the markdown and HTML reports: cpu, cores, os, runtime, commits, date and the suite's command, one a line.</summary>
    internal static IEnumerable<string> HostLines(SuiteReport report)
    {
        var h = report.Host;
        yield return $"cpu      {h.Cpu}";
        yield return string.Create(Inv, $"cores    {h.Cores}");
        yield return $"os       {h.Os}";
        yield return $"runtime  {h.Runtime}, GC {h.GcMode}";
        yield return $"commit   {h.Commit}{(h.VsCommit.Length > 0 ? $" (vs {h.VsCommit}: {report.Vs})" : "")}";
        yield return string.Create(Inv, $"date     {h.Date:yyyy-MM-dd HH:mm} UTC");
        yield return $"suite    timely {report.Command} ({report.Size} sizes)";
    }

    /// <summary>The full markdown document: host block, calibration, commands, the table, the chart.</summary>
    public static string MarkdownDocument(SuiteReport report, IReadOnlyList<string[]> table, string? chartFile)
    {
        ArgumentNullException.ThrowIfNull(report);
        var text = new StringBuilder();
        text.AppendLine("## Host").AppendLine();
        text.AppendLine("```");
        foreach (string line in HostLines(report))
        {
            text.AppendLine(line);
        }

        text.AppendLine("```").AppendLine();
        text.AppendLine("## Hardware floors (same run)").AppendLine();
        text.AppendLine(Inv, $"- cache-line ping-pong between two threads: {F(report.Calibration.CacheLineRoundTripNs)} ns per round trip");
        text.AppendLine(Inv, $"- 8-byte TCP round trip on 127.0.0.1: {F(report.Calibration.SocketRoundTripNs)} ns");
        if (report.Calibration.Overloaded is { } overloaded)
        {
            text.AppendLine(Inv, $"- **warning**: {overloaded}. This run's figures are unreliable and its ratios to the floors are not printed.");
        }

        text.AppendLine();
        text.AppendLine("## Commands").AppendLine();
        text.AppendLine("Each row is `timely <row>` (workloads with `--json`); the figure is the workload's own timed part (slowest worker), or for `hello` the process's wall-clock time (start-up). ns/record = median / records; `x cache line` and `x socket` divide it by the floors above. B/record (timed) is the workers' allocation during the timed part from the workload's `--json`; the process column is the whole process (or, for --processes rows, the sum over the cluster's processes) from EventPipe runtime counters, start-up included, a lower bound (the last partial 100 ms interval is lost).").AppendLine();
        text.AppendLine("```");
        foreach (var id in report.Rows.Select(r => r.Id).Distinct())
        {
            text.AppendLine(Inv, $"timely {id}");
        }

        text.AppendLine("```").AppendLine();
        text.AppendLine("## Results").AppendLine();
        text.Append(Markdown(table)).AppendLine();
        if (RustTable(report) is { Count: > 0 } rust)
        {
            text.AppendLine("## Beside Rust timely (same run)").AppendLine();
            text.AppendLine(Inv, $"Rust timely's examples from `{report.Rust}`, run in the same interleaved schedule. Both sides measured alike: wall time of the command minus the wall time of the same command at a trivial size in the same repeat; CPU likewise (getrusage of the children). An example of fixed size (flow_controlled, wordcount, distinct) compares whole runs; one that runs for a fixed time (openloop, loopdemo) compares whole runs' CPU, its wall being that time on both sides; one that never stops (event_driven, without our `--rounds`) runs for a fixed time on each side, is stopped, and compares the rate of rounds its `round N complete` lines show: its ms columns are ms per 1000 rounds, its ratio Rust's rounds/s over ours, its CPU and memory the whole run's (the `compares` column). sequence, whose Rust form sleeps 1 + i s a round on 4 workers and never stops, runs ours as `sequence --as-rust -w 4` beside Rust's with no arguments, both stopped after the same window: its ms columns are the window's wall, its ratio of CPU, and the elements each side released in the window are counted under the table. Our `shm x2` rows are set beside Rust's `-w 2`, `tcp x2` beside Rust's `-n 2 -p i`.").AppendLine();
            text.Append(Markdown(rust)).AppendLine();
            if (PeakNote(report) is { } peakNote)
            {
                text.AppendLine(peakNote).AppendLine();
            }

            if (ReleasedNote(report) is { } releasedNote)
            {
                text.AppendLine(releasedNote).AppendLine();
            }
        }

        foreach (var note in Notes(report))
        {
            text.AppendLine(Inv, $"- {note}");
        }

        text.AppendLine();
        if (chartFile is not null)
        {
            text.AppendLine(Inv, $"![ns per record by workload and transport]({chartFile})");
        }

        return text.ToString();
    }

    private static string[] Verdict(RowComparison? c) => c is null
        ? ["", "", ""]
        : c.Verdict == Suite.Verdict.NotCompared
            ? ["", "", $"not compared ({c.Note})"]
            : [F(c.Ratio), $"{F(c.BandLow)}..{F(c.BandHigh)}", c.Verdict switch
            {
                Suite.Verdict.Regression => "REGRESSION",
                Suite.Verdict.Improvement => "improvement",
                _ => "within noise",
            }];

    /// <summary>Three significant digits, or "-" for NaN.</summary>
    internal static string F(double v) => double.IsNaN(v) || double.IsInfinity(v)
        ? "-"
        : Math.Abs(v) >= 100 ? v.ToString("0", Inv) : Math.Abs(v) >= 10 ? v.ToString("0.0", Inv) : v.ToString("0.00", Inv);
}
