using System.Globalization;

namespace Timely.Transport.Shm.Rendezvous;

/// <summary>Whether a process id names a running process on this host.</summary>
public static class ProcessLiveness
{
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
            string stat;
            try
            {
                stat = File.ReadAllText("/proc/" + pid.ToString(CultureInfo.InvariantCulture) + "/stat");
            }
            catch (IOException)
            {
                return false;   // no such directory or file: the process is gone
            }

            // "pid (comm) S ...": the state follows the last ')' (comm may hold ')').
            int close = stat.LastIndexOf(')');
            char state = close >= 0 && close + 2 < stat.Length ? stat[close + 2] : '?';
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
}
