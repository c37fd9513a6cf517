using System.Globalization;

namespace Timely.Transport.Shm.Rendezvous;

/// <summary>Whether a process id names a running process on this host.</summary>
public static class ProcessLiveness
{
    // Enough of /proc/<pid>/stat for "pid (comm) S": a pid of up to 10 digits, comm of up to 15 bytes.
    private const int StatHeadBytes = 64;

    [ThreadStatic]
    private static (int Pid, string Path) _statPath;

    /// <summary>
    /// This process's pid namespace: the inode of <c>/proc/self/ns/pid</c> on Linux, 0 where
    /// there is none to read. A pid means something only to a process of the same namespace:
    /// two containers that share <c>/dev/shm</c> each number their processes from 1.
    /// </summary>
    public static ulong PidNamespace { get; } = ReadPidNamespace();

    private static ulong ReadPidNamespace()
    {
        if (!OperatingSystem.IsLinux())
        {
            return 0;
        }

        try
        {
            // "pid:[4026531836]"
            string? target = new FileInfo("/proc/self/ns/pid").LinkTarget;
            int open = target?.IndexOf('[', StringComparison.Ordinal) ?? -1;
            int close = target?.IndexOf(']', StringComparison.Ordinal) ?? -1;
            return open >= 0 && close > open && ulong.TryParse(target.AsSpan(open + 1, close - open - 1), NumberStyles.None, CultureInfo.InvariantCulture, out ulong inode) ? inode : 0;
        }
        catch (IOException)
        {
            return 0;
        }
        catch (UnauthorizedAccessException)
        {
            return 0;
        }
    }

    /// <summary>
    /// True when <paramref name="pid"/> runs. On Linux from <c>/proc/&lt;pid&gt;/stat</c>, where
    /// a zombie (killed, not yet reaped by its parent) counts as gone: it runs no code and
    /// will never write its rings again. Elsewhere through <see cref="System.Diagnostics.Process.GetProcessById(int)"/>.
    /// </summary>
    public static bool IsAlive(int pid)
    {
        if (pid <= 0)
        {
            return false;
        }

        if (OperatingSystem.IsLinux())
        {
            // Read into the stack, not a string: the liveness thread asks every period for every
            // peer, and a string per look (File.ReadAllText: about 8 KB with its builder) was the
            // whole steady-state allocation of a shared-memory job.
            Span<byte> head = stackalloc byte[StatHeadBytes];
            int read;
            try
            {
                using var stat = File.OpenHandle(StatPath(pid));
                read = RandomAccess.Read(stat, head, 0);
            }
            catch (IOException)
            {
                return false;   // no such directory or file: the process is gone
            }
            catch (UnauthorizedAccessException)
            {
                return true;    // there, but not ours to read
            }

            // "pid (comm) S ...": the state follows the last ')' (comm may hold ')'). pid, comm
            // (at most 15 bytes) and the state fit the head; the fields after them are numbers.
            int close = head[..read].LastIndexOf((byte)')');
            char state = close >= 0 && close + 2 < read ? (char)head[close + 2] : '?';
            return state is not ('Z' or 'X' or 'x');
        }

        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;   // GetProcessById: no process with this id
        }
    }

    private static string StatPath(int pid)
    {
        if (_statPath.Pid != pid || _statPath.Path is null)
        {
            _statPath = (pid, "/proc/" + pid.ToString(CultureInfo.InvariantCulture) + "/stat");
        }

        return _statPath.Path;
    }
}
