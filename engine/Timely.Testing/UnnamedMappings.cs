namespace Timely.Testing;

/// <summary>
/// The files a process has mapped whose names are gone (a shared-memory job removes its files'
/// names once every process has mapped them), reached the way anyone allowed to trace that
/// process still can: through its <c>/proc/&lt;pid&gt;/map_files</c> entries. Opening an entry
/// opens the mapped file itself (it needs the right to trace the process and CAP_SYS_ADMIN).
/// </summary>
public static class UnnamedMappings
{
    private const string Deleted = " (deleted)";

    /// <summary>
    /// The files process <paramref name="pid"/> maps that were in <paramref name="directory"/>
    /// and have no name now: each file's former path, with a <c>/proc/&lt;pid&gt;/map_files</c>
    /// entry that opens it (one entry per file when a file is mapped more than once). A file
    /// renamed before its name was removed (<c>ring-0-to-2.tmp.41.rm1</c> with
    /// <paramref name="removalMarker"/> <c>.tmp.</c>) is reported under the name before the marker.
    /// </summary>
    public static IReadOnlyDictionary<string, string> In(int pid, string directory, string removalMarker)
    {
        ArgumentException.ThrowIfNullOrEmpty(removalMarker);
        ArgumentNullException.ThrowIfNull(directory);
        string prefix = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)) + "/";
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string entry in Directory.EnumerateFileSystemEntries($"/proc/{pid}/map_files"))
        {
            string? target;
            try
            {
                target = new FileInfo(entry).LinkTarget;
            }
            catch (IOException)
            {
                continue;   // unmapped since the listing
            }

            if (target is not null && target.StartsWith(prefix, StringComparison.Ordinal) && target.EndsWith(Deleted, StringComparison.Ordinal))
            {
                string name = target[prefix.Length..^Deleted.Length];
                int marker = name.IndexOf(removalMarker, StringComparison.Ordinal);
                if (!name.Contains('/', StringComparison.Ordinal))
                {
                    found.TryAdd(prefix + (marker < 0 ? name : name[..marker]), entry);
                }
            }
        }

        return found;
    }

    /// <summary>
    /// Waits (up to <paramref name="timeout"/>) until process <paramref name="pid"/> maps the
    /// file that was at <paramref name="path"/> and its name is gone (see <see cref="In"/> for
    /// <paramref name="removalMarker"/>); returns the <c>/proc/&lt;pid&gt;/map_files</c> entry that opens it.
    /// </summary>
    public static string WaitFor(int pid, string path, string removalMarker, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(path);
        string full = Path.GetFullPath(path);
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            if (In(pid, Path.GetDirectoryName(full)!, removalMarker).TryGetValue(full, out string? entry))
            {
                return entry;
            }

            if (DateTime.UtcNow >= until)
            {
                throw new TimeoutException($"process {pid} did not map '{full}' without its name within {timeout.TotalSeconds} s");
            }

            Thread.Sleep(10);
        }
    }
}
