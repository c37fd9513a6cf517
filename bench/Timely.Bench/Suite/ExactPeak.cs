using System.Diagnostics;
using System.Globalization;

namespace Timely.Bench.Suite;

/// <summary>
/// The exact peak resident memory of a measured run: each process's high-water mark as the kernel
/// keeps it, summed over the run's processes, instead of <see cref="PeakRss"/>'s 2 ms samples
/// (which read a process that exits within a few ms low, or at 0).
/// </summary>
/// <remarks>
/// <para>
/// Each command the suite starts runs under GNU time (<c>/usr/bin/time -f %M -o FILE</c>): time
/// forks, the fork execs the command, and time writes the command's <c>ru_maxrss</c> from
/// <c>wait4</c> at its exit. The fork is why the suite does not reap the command itself: the kernel
/// folds the high-water mark of the memory an exec replaces into the new program's
/// <c>ru_maxrss</c>, and a process started from the suite (.NET's <see cref="Process"/> and glibc's
/// <c>posix_spawn</c> both start it sharing the suite's memory until the exec) inherits the
/// suite's own peak as its floor: <c>dd bs=16M</c> started so read 226 MB. A fork of time's few
/// hundred kB leaves a floor of about 1 MB, as for any command a shell starts.
/// </para>
/// <para>
/// The processes a launcher starts inherit the launcher's peak the same way, and are reaped by the
/// launcher's runtime, which drops the figure; so each <c>timely</c> process writes its own
/// high-water mark (<c>VmHWM</c> of <c>/proc/self/status</c>, the peak of its own memory since its
/// exec, which no floor enters) as its <c>Main</c> returns, into the folder the suite names in
/// <see cref="DirectoryVariable"/> (one file per pid, kB; <see cref="ReportIfAsked"/>). A command
/// that leaves more than one report (a launcher and its children) counts the reports; one that
/// leaves one or none counts time's figure. A report misses only what the runtime's shutdown
/// touches after it; the tests and perf.md hold the two figures side by side.
/// </para>
/// </remarks>
internal static class ExactPeak
{
    /// <summary>The folder a <c>timely</c> process writes its own peak into, when set.</summary>
    public const string DirectoryVariable = "TIMELY_PEAK_DIR";

    /// <summary>GNU time, the parent each measured command is started from.</summary>
    public const string GnuTime = "/usr/bin/time";

    private static readonly Lazy<bool> Available = new(Probe);

    /// <summary>Whether GNU time is there to run commands under (else the suite samples, <see cref="PeakRss"/>).</summary>
    public static bool IsAvailable => Available.Value;

    /// <summary>The arguments that start <paramref name="program"/> under GNU time, its peak written to <paramref name="peakFile"/>.</summary>
    public static IReadOnlyList<string> TimeArguments(string peakFile, string program, IReadOnlyList<string> arguments) =>
        ["-f", "%M", "-o", peakFile, program, .. arguments];

    /// <summary>
    /// The kB GNU time wrote: the last line of its output file (a command that failed or was
    /// killed has a line saying so before it); null when there is no figure.
    /// </summary>
    public static long? TimeFigure(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string last = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "";
        return long.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out long kb) ? kb : null;
    }

    /// <summary>In a <c>timely</c> process: writes this process's peak (kB) to <c>$TIMELY_PEAK_DIR/PID</c>, when the variable is set.</summary>
    public static void ReportIfAsked()
    {
        if (Environment.GetEnvironmentVariable(DirectoryVariable) is not { Length: > 0 } directory || !OperatingSystem.IsLinux())
        {
            return;
        }

        try
        {
            if (PeakRss.HighWaterKb(File.ReadAllText("/proc/self/status")) is { } kb)
            {
                File.WriteAllText(Path.Combine(directory, Environment.ProcessId.ToString(CultureInfo.InvariantCulture)), kb.ToString(CultureInfo.InvariantCulture));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The suite that asked is gone or removed its folder: it reads no report, and the
            // command's figure is then time's.
        }
    }

    /// <summary>The reports in <paramref name="directory"/>: pid to kB; a file that is not a whole report is skipped.</summary>
    public static Dictionary<int, long> Reports(string directory)
    {
        var reports = new Dictionary<int, long>();
        foreach (string file in Directory.EnumerateFiles(directory))
        {
            if (int.TryParse(Path.GetFileName(file), NumberStyles.None, CultureInfo.InvariantCulture, out int pid)
                && long.TryParse(File.ReadAllText(file), NumberStyles.None, CultureInfo.InvariantCulture, out long kb))
            {
                reports[pid] = kb;
            }
        }

        return reports;
    }

    /// <summary>
    /// One command's figures (kB), one per process: its processes' reports when there are more
    /// than one (a launcher and its children: time's figure of the launcher is the larger of its
    /// own peak and its children's, not a sum), else time's figure; empty when neither is there.
    /// </summary>
    public static long[] Figures(long? timeKb, IReadOnlyDictionary<int, long> reports)
    {
        ArgumentNullException.ThrowIfNull(reports);
        if (reports.Count > 1)
        {
            return [.. reports.Values];
        }

        return timeKb is { } kb ? [kb] : [];
    }

    private static bool Probe()
    {
        if (!OperatingSystem.IsLinux() || !File.Exists(GnuTime))
        {
            return false;
        }

        try
        {
            var info = new ProcessStartInfo(GnuTime) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            info.ArgumentList.Add("--version");
            using var p = Process.Start(info)!;
            string text = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
            p.WaitForExit();
            return text.Contains("GNU", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or IOException)
        {
            return false;
        }
    }
}
