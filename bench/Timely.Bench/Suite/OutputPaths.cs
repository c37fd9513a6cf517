using Timely.Communication;

namespace Timely.Bench.Suite;

/// <summary>
/// Checks the suite's output paths before the run, so a typo costs a second instead of the whole
/// run (a --markdown into a missing folder used to crash after every row had run).
/// </summary>
/// <remarks>
/// Policy: refuse, never create. A file's folder (--save, --markdown and its chart) and a
/// --dump-dir must already exist and take a new file; the suite makes no folders of the user's
/// (only its own default dump folder under the temp directory). Writability is proven by creating
/// a uniquely named probe file with CreateNew and DeleteOnClose: the only file removed is the one
/// this call just created. An existing target file must open for writing (without truncating).
/// Every refusal is a <see cref="ConfigException"/> naming the option, the path and the reason.
/// </remarks>
public static class OutputPaths
{
    /// <summary>Throws unless <paramref name="path"/> can be written as a file at the end of the run.</summary>
    public static void CheckFile(string option, string path)
    {
        ArgumentNullException.ThrowIfNull(option);
        ArgumentNullException.ThrowIfNull(path);
        if (path.Length == 0)
        {
            throw new ConfigException($"{option}: an empty path; give a file path.");
        }

        string full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            throw new ConfigException($"{option} {path}: is a directory; give a file path inside it.");
        }

        string folder = Path.GetDirectoryName(full) ?? full;
        CheckDirectory(option, folder, path);
        if (File.Exists(full))
        {
            try
            {
                using var existing = new FileStream(full, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ConfigException($"{option} {path}: exists and cannot be written ({e.Message}).", e);
            }
        }
    }

    /// <summary>Throws unless <paramref name="directory"/> exists and a new file can be created in it.</summary>
    public static void CheckDirectory(string option, string directory) => CheckDirectory(option, directory, directory);

    private static void CheckDirectory(string option, string directory, string given)
    {
        ArgumentNullException.ThrowIfNull(option);
        ArgumentNullException.ThrowIfNull(directory);
        string full = Path.GetFullPath(directory);
        if (!Directory.Exists(full))
        {
            throw new ConfigException($"{option} {given}: directory {full} does not exist (the suite does not create it).");
        }

        string probe = Path.Combine(full, $".timely-suite-probe-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            using var file = new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"{option} {given}: directory {full} is not writable ({e.Message}).", e);
        }
    }
}
