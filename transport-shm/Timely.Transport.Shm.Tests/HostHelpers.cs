using System.Diagnostics;
using System.Globalization;
using Timely.Transport.Shm.Interop;

namespace Timely.Transport.Shm.Tests;

/// <summary>
/// What the hostile-directory tests need from the host: root (to act as a second user,
/// <c>nobody</c>, through <c>setpriv</c>, and to mount a small tmpfs), and a listing of a
/// tree with mtimes to prove nothing outside a job was touched.
/// </summary>
internal static class HostHelpers
{
    public const string SecondUser = "nobody";
    public const int SecondUid = 65534;

    private static readonly Lazy<string?> s_secondUserMissing = new(() =>
        Posix.UserId != 0 ? "needs root (to run commands as nobody through setpriv)"
        : !File.Exists("/usr/bin/setpriv") ? "needs /usr/bin/setpriv"
        : Run("id", ["-u", SecondUser]).Output.Trim() != SecondUid.ToString(CultureInfo.InvariantCulture) ? $"needs user {SecondUser} with uid {SecondUid}"
        : null);

    private static readonly Lazy<string?> s_tmpfsMissing = new(ProbeTmpfs);

    /// <summary>Why a second local user is not available, or null when it is.</summary>
    public static string? SecondUserMissing => s_secondUserMissing.Value;

    /// <summary>Why a small tmpfs cannot be mounted, or null when it can.</summary>
    public static string? TmpfsMissing => s_tmpfsMissing.Value;

    /// <summary>Runs <paramref name="script"/> with <c>sh -c</c> as <c>nobody</c> (uid and gid 65534, no groups); asserts it succeeded.</summary>
    public static void RunAsSecondUser(string script)
    {
        var result = Run("/usr/bin/setpriv", ["--reuid=" + SecondUser, "--regid=nogroup", "--clear-groups", "sh", "-c", script]);
        Assert.True(result.ExitCode == 0, $"as {SecondUser}: {script}: exit {result.ExitCode}: {result.Output}");
    }

    /// <summary>Runs a command to its end; exit code and stdout+stderr.</summary>
    public static (int ExitCode, string Output) Run(string file, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output + error.Result);
    }

    /// <summary>Mounts a tmpfs of <paramref name="size"/> (e.g. "2m") on the existing directory <paramref name="at"/>.</summary>
    public static void MountTmpfs(string at, string size)
    {
        var result = Run("mount", ["-t", "tmpfs", "-o", "size=" + size + ",mode=0700", "tmpfs", at]);
        Assert.True(result.ExitCode == 0, $"mount tmpfs on {at}: {result.Output}");
    }

    /// <summary>Unmounts what <see cref="MountTmpfs"/> mounted.</summary>
    public static void Unmount(string at)
    {
        var result = Run("umount", [at]);
        Assert.True(result.ExitCode == 0, $"umount {at}: {result.Output}");
    }

    /// <summary>
    /// Every entry under <paramref name="root"/> (not following symlinks), with its type, size,
    /// mtime and, for regular files, content: equal before and after means nothing was touched.
    /// </summary>
    public static string[] Snapshot(string root)
    {
        var lines = new List<string>();
        foreach (var entry in new DirectoryInfo(root).EnumerateFileSystemInfos("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            string kind = entry.LinkTarget is { } target ? "link->" + target : entry is DirectoryInfo ? "dir" : "file";
            string content = entry is FileInfo { LinkTarget: null } file && (file.UnixFileMode & UnixFileMode.UserRead) != 0 && IsRegular(file.FullName)
                ? File.ReadAllText(file.FullName)
                : string.Empty;
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"{entry.FullName} {kind} {entry.UnixFileMode} {entry.LastWriteTimeUtc.Ticks} {content}"));
        }

        lines.Sort(StringComparer.Ordinal);
        return [.. lines];
    }

    private static bool IsRegular(string path) => Posix.StatNoFollow(path) is { Type: Posix.TypeRegular };

    private static string? ProbeTmpfs()
    {
        if (Posix.UserId != 0)
        {
            return "needs root (to mount a small tmpfs)";
        }

        string probe = Directory.CreateTempSubdirectory("timely-tmpfs-probe-").FullName;
        try
        {
            var mount = Run("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", probe]);
            if (mount.ExitCode != 0)
            {
                return "mount -t tmpfs failed: " + mount.Output.Trim();
            }

            return Run("umount", [probe]).ExitCode == 0 ? null : "umount failed after a probe mount";
        }
        finally
        {
            Directory.Delete(probe);
        }
    }
}
