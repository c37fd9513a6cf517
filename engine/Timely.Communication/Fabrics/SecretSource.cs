using Timely.Transport.Tcp;

namespace Timely.Communication.Fabrics;

/// <summary>
/// Where a job's cluster secret comes from (<see cref="Config.Secret"/>): <c>--secret-file
/// PATH</c>, else the <c>TIMELY_SECRET</c> environment variable, else none. A file must be
/// readable only by its owner, as ssh demands of a private key: one that grants its group or
/// others any permission is refused, since anyone who can read it can join the job.
/// </summary>
internal static class SecretSource
{
    /// <summary>The environment variable read when no file is given.</summary>
    public const string EnvironmentVariable = "TIMELY_SECRET";

    /// <summary>A secret file larger than this is not a secret file (refused rather than read whole).</summary>
    private const int MaxBytes = 64 << 10;

    private const UnixFileMode GroupOrOthers =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>The secret of <paramref name="file"/> when given, else of <paramref name="environment"/> (the variable's value) when set, else null.</summary>
    /// <exception cref="ConfigException">The file cannot be read, is open to group or others, or either source is empty.</exception>
    public static ClusterSecret? Load(string? file, string? environment)
    {
        if (file is not null)
        {
            return FromFile(file);
        }

        if (environment is null)
        {
            return null;
        }

        var bytes = Trim(System.Text.Encoding.UTF8.GetBytes(environment));
        if (bytes.IsEmpty)
        {
            throw new ConfigException($"{EnvironmentVariable} is set but empty: give it the cluster secret (1 to {MaxBytes} bytes) or unset it.");
        }

        return ClusterSecret.FromBytes(bytes);
    }

    private static ClusterSecret FromFile(string path)
    {
        try
        {
            // One open: the mode checked is the mode of the file read.
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
            if (!OperatingSystem.IsWindows())
            {
                var mode = File.GetUnixFileMode(handle);
                if ((mode & GroupOrOthers) != 0)
                {
                    string octal = Convert.ToString((int)mode & 0xFFF, 8).PadLeft(4, '0');
                    throw new ConfigException($"--secret-file '{path}': mode {octal} lets group or others at it; a secret file must be readable only by its owner (chmod 600 '{path}').");
                }
            }

            long length = RandomAccess.GetLength(handle);
            if (length > MaxBytes)
            {
                throw new ConfigException($"--secret-file '{path}': {length} bytes; a secret file holds 1 to {MaxBytes} bytes.");
            }

            var buffer = new byte[length];
            int read = 0;
            while (read < buffer.Length)
            {
                int n = RandomAccess.Read(handle, buffer.AsSpan(read), read);
                if (n == 0)
                {
                    break;
                }

                read += n;
            }

            var secret = Trim(buffer.AsSpan(0, read));
            if (secret.IsEmpty)
            {
                throw new ConfigException($"--secret-file '{path}' is empty; a secret file holds 1 to {MaxBytes} bytes.");
            }

            return ClusterSecret.FromBytes(secret);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"--secret-file: cannot read '{path}': {e.Message}", e);
        }
    }

    /// <summary>Without the line end an editor or <c>echo</c> leaves, so a file and the variable holding the same text agree.</summary>
    private static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> bytes) => bytes.TrimEnd("\r\n"u8);
}
