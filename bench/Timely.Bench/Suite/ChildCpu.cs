using System.Runtime.InteropServices;

namespace Timely.Bench.Suite;

/// <summary>
/// CPU time of this process's waited-for children (getrusage(RUSAGE_CHILDREN)): user + system, in
/// ms. The suite starts one measured command at a time, so the difference across a run is that
/// run's CPU, descendants included (a launcher's processes are waited for by the launcher, whose
/// own wait adds them to its total before the suite reaps it). The same instrument for timely and
/// for Rust's examples, which print no CPU figure of their own.
/// </summary>
internal static class ChildCpu
{
    private const int RusageChildren = -1;

    /// <summary>Children's user + system CPU so far in ms, or NaN where getrusage is not available.</summary>
    public static double Milliseconds()
    {
        if (!OperatingSystem.IsLinux())
        {
            return double.NaN;
        }

        try
        {
            return getrusage(RusageChildren, out var usage) == 0
                ? ((usage.UserSeconds + usage.SystemSeconds) * 1e3) + ((usage.UserMicroseconds + usage.SystemMicroseconds) / 1e3)
                : double.NaN;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return double.NaN;
        }
    }

    // struct rusage on 64-bit Linux: two struct timeval (ru_utime, ru_stime) then 14 longs.
    [StructLayout(LayoutKind.Sequential)]
    private struct RUsage
    {
        public long UserSeconds;
        public long UserMicroseconds;
        public long SystemSeconds;
        public long SystemMicroseconds;
        public long MaxRss, Ixrss, Idrss, Isrss, Minflt, Majflt, Nswap, Inblock, Oublock, Msgsnd, Msgrcv, Nsignals, Nvcsw, Nivcsw;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int getrusage(int who, out RUsage usage);
}
