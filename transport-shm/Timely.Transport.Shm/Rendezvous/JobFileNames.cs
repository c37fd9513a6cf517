using System.Globalization;

namespace Timely.Transport.Shm.Rendezvous;

/// <summary>
/// The names in a job directory: one control file per process (<c>proc-&lt;i&gt;</c>), one ring
/// per ordered pair of workers in different processes (<c>ring-&lt;sender&gt;-to-&lt;receiver&gt;</c>,
/// global worker indices), and while a file is written or removed a private name that carries
/// the pid of the process doing it (<c>&lt;name&gt;.tmp.&lt;pid&gt;...</c>). Any other name is
/// not the job's and is left alone.
/// </summary>
internal static class JobFileNames
{
    private const string ControlPrefix = "proc-";
    private const string RingPrefix = "ring-";

    /// <summary>What separates a job file's name from the pid in a temporary or removal name.</summary>
    public const string TemporaryMarker = ".tmp.";

    /// <summary>Process <paramref name="process"/>'s control file.</summary>
    public static string Control(int process) => ControlPrefix + process.ToString(CultureInfo.InvariantCulture);

    /// <summary>The ring from global worker <paramref name="sender"/> to global worker <paramref name="receiver"/>.</summary>
    public static string Ring(int sender, int receiver) =>
        string.Create(CultureInfo.InvariantCulture, $"{RingPrefix}{sender}-to-{receiver}");

    /// <summary>Where <paramref name="name"/> is written by process <paramref name="pid"/> before it is renamed into place.</summary>
    public static string Temporary(string name, int pid) => name + TemporaryMarker + pid.ToString(CultureInfo.InvariantCulture);

    /// <summary>Whether <paramref name="name"/> is one of a job's files (temporary names included).</summary>
    public static bool IsJobFile(string name) =>
        name.StartsWith(ControlPrefix, StringComparison.Ordinal) || name.StartsWith(RingPrefix, StringComparison.Ordinal);

    /// <summary>Whether <paramref name="name"/> is a control file (it holds a <see cref="Layout.ControlBlock"/>, not a ring).</summary>
    public static bool IsControl(string name) => name.StartsWith(ControlPrefix, StringComparison.Ordinal);

    /// <summary>
    /// For a temporary or removal name, true and the pid it carries (null when the digits are
    /// not a pid); false for a job file's own name.
    /// </summary>
    public static bool IsTemporary(string name, out int? pid)
    {
        int marker = name.IndexOf(TemporaryMarker, StringComparison.Ordinal);
        if (marker < 0)
        {
            pid = null;
            return false;
        }

        var text = name.AsSpan(marker + TemporaryMarker.Length);
        int digits = 0;
        while (digits < text.Length && char.IsAsciiDigit(text[digits]))
        {
            digits++;
        }

        pid = int.TryParse(text[..digits], NumberStyles.None, CultureInfo.InvariantCulture, out int value) ? value : null;
        return true;
    }

    /// <summary>
    /// The index of the process that makes <paramref name="name"/> (temporary names included): a
    /// control file's own process, a ring's receiver's process (each process creates the rings
    /// into its workers); null for a name that is not a job file's.
    /// </summary>
    public static int? MakerOf(string name, int workersPerProcess)
    {
        int marker = name.IndexOf(TemporaryMarker, StringComparison.Ordinal);
        var own = marker < 0 ? name.AsSpan() : name.AsSpan(0, marker);
        if (own.StartsWith(ControlPrefix, StringComparison.Ordinal))
        {
            return int.TryParse(own[ControlPrefix.Length..], NumberStyles.None, CultureInfo.InvariantCulture, out int process) ? process : null;
        }

        int to = own.IndexOf("-to-", StringComparison.Ordinal);
        return own.StartsWith(RingPrefix, StringComparison.Ordinal) && to > 0
            && int.TryParse(own[(to + 4)..], NumberStyles.None, CultureInfo.InvariantCulture, out int receiver)
            ? receiver / workersPerProcess
            : null;
    }
}
