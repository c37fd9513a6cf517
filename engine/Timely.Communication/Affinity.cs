using System.Runtime.InteropServices;

namespace Timely.Communication;

/// <summary>
/// Pins the calling thread to one core. Linux only (<c>sched_setaffinity</c> on the
/// thread itself); elsewhere it says so instead of silently doing nothing.
/// </summary>
public static class Affinity
{
    /// <summary>Whether pinning works on this OS.</summary>
    public static bool IsSupported => OperatingSystem.IsLinux();

    /// <summary>The core worker <paramref name="worker"/> goes on under <paramref name="config"/>.</summary>
    public static int CoreFor(Config config, int worker)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.Cores is { Count: > 0 } cores)
        {
            return cores[worker % cores.Count];
        }

        return worker % Environment.ProcessorCount;
    }

    /// <summary>
    /// Whether <see cref="CoreFor"/> gives each of the job's workers (<see cref="Config.Peers"/>,
    /// every process's, as if all ran on this host) a core of its own, so that no two pinned
    /// workers take turns on one core, and no thread of the job's own waits for a core on every
    /// message: false without <see cref="Config.Pin"/>, and false where TCP may carry messages
    /// (several processes over <see cref="TransportKind.Tcp"/> or <see cref="TransportKind.Auto"/>),
    /// whose unpinned send and receive threads run on the workers' cores and would wait for a
    /// worker that never yields to be preempted.
    /// </summary>
    internal static bool EachWorkerOwnsCore(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (!config.Pin || (config.Processes > 1 && config.Transport != TransportKind.Shm))
        {
            return false;
        }

        var taken = new HashSet<int>();
        for (int worker = 0; worker < config.Peers; worker++)
        {
            if (!taken.Add(CoreFor(config, worker)))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Pins the calling thread to <paramref name="core"/>; throws on failure or an unsupported OS.</summary>
    public static void PinCurrentThread(int core)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(core);
        if (!IsSupported)
        {
            throw new PlatformNotSupportedException($"pinning (--pin) is supported on Linux only; this is {RuntimeInformation.OSDescription}.");
        }

        var mask = new ulong[(core / 64) + 1];
        mask[core / 64] = 1UL << (core % 64);
        // pid 0 = the calling thread: Linux affinity is per thread (task).
        if (SchedSetAffinity(0, (nuint)(mask.Length * sizeof(ulong)), mask) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new InvalidOperationException($"sched_setaffinity(core {core}) failed with errno {errno} ({Marshal.GetPInvokeErrorMessage(errno)}); {Environment.ProcessorCount} cores are available to this process.");
        }
    }

    /// <summary>Cores the calling thread may run on (Linux), for tests and reports.</summary>
    public static IReadOnlyList<int> CurrentThreadCores()
    {
        if (!IsSupported)
        {
            throw new PlatformNotSupportedException("thread affinity is read on Linux only.");
        }

        var mask = new ulong[16];
        if (SchedGetAffinity(0, (nuint)(mask.Length * sizeof(ulong)), mask) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new InvalidOperationException($"sched_getaffinity failed with errno {errno}.");
        }

        var cores = new List<int>();
        for (int i = 0; i < mask.Length * 64; i++)
        {
            if ((mask[i / 64] & (1UL << (i % 64))) != 0)
            {
                cores.Add(i);
            }
        }

        return cores;
    }

    // DllImport rather than LibraryImport: the generated stubs need unsafe code, and this
    // project keeps unsafe code out (it lives in one type, the shared-memory transport's MemoryRegion).
    [DllImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int SchedSetAffinity(int pid, nuint cpusetsize, [In] ulong[] mask);

    [DllImport("libc", EntryPoint = "sched_getaffinity", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int SchedGetAffinity(int pid, nuint cpusetsize, [Out] ulong[] mask);
}
