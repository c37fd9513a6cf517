using System.Runtime.InteropServices;

namespace Timely.Bench.Launch;

/// <summary>kill(2): sends a signal to a process this program started, by its PID.</summary>
internal static class PosixKill
{
    /// <summary>SIGINT, what Ctrl-C sends.</summary>
    public const int SigInt = 2;

    /// <summary>SIGTERM, the polite stop.</summary>
    public const int SigTerm = 15;

    /// <summary>Sends <paramref name="signal"/> to <paramref name="pid"/>; false when it failed (ESRCH: the process has exited).</summary>
    public static bool Send(int pid, int signal) => SendSignal(pid, signal) == 0;

    // DllImport rather than LibraryImport: the generated stub needs unsafe code, which this
    // project does not allow; kill(2) takes and returns plain ints.
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int SendSignal(int pid, int signal);
}
