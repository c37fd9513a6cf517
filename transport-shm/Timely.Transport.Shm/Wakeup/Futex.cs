using System.Runtime.InteropServices;

namespace Timely.Transport.Shm.Wakeup;

/// <summary>
/// Linux futex on a 4-byte word in shared memory, through <c>syscall(SYS_futex, ...)</c>:
/// without <c>FUTEX_PRIVATE_FLAG</c>, so the kernel keys the wait on the physical page and
/// a wake from another process that maps the same file reaches the sleeper.
/// </summary>
/// <remarks>
/// Elsewhere (<see cref="IsSupported"/> false) <see cref="Wait"/> sleeps in short slices of
/// <see cref="FallbackSlice"/> re-reading the word, and <see cref="Wake"/> does nothing: a
/// portable fallback that costs up to a slice of latency per wake-up, but loses none.
/// </remarks>
internal static class Futex
{
    // Declared first: static initializers run in text order, and IsSupported reads it.
    private static readonly long SysFutex = RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 202,
        Architecture.Arm64 => 98,
        _ => -1,
    };

    private const int FutexWaitOp = 0;
    private const int FutexWakeOp = 1;
    private const int ETimedOut = 110;

    /// <summary>Sleep slice of the portable fallback.</summary>
    public static readonly TimeSpan FallbackSlice = TimeSpan.FromMilliseconds(1);

    /// <summary>True on Linux x64/Arm64, where the syscall number is known.</summary>
    public static bool IsSupported { get; } = OperatingSystem.IsLinux() && SysFutex > 0;

    /// <summary>
    /// Sleeps while <paramref name="word"/> holds <paramref name="expected"/>, until woken or
    /// <paramref name="timeout"/> (null: no limit) passes. False only on timeout; spurious
    /// returns are true and the caller re-checks its own condition.
    /// </summary>
    public static bool Wait(ref int word, int expected, TimeSpan? timeout)
    {
        if (!IsSupported)
        {
            return WaitFallback(ref word, expected, timeout);
        }

        long result;
        if (timeout is { } t)
        {
            long ticks = Math.Max(0, t.Ticks);
            var spec = new Timespec { Seconds = ticks / TimeSpan.TicksPerSecond, Nanoseconds = ticks % TimeSpan.TicksPerSecond * 100 };
            result = SyscallTimed(SysFutex, ref word, FutexWaitOp, expected, ref spec, 0, 0);
        }
        else
        {
            result = SyscallUntimed(SysFutex, ref word, FutexWaitOp, expected, 0, 0, 0);
        }

        return result == 0 || Marshal.GetLastPInvokeError() != ETimedOut;
    }

    /// <summary>Wakes one sleeper on <paramref name="word"/>.</summary>
    public static void Wake(ref int word)
    {
        if (IsSupported)
        {
            SyscallUntimed(SysFutex, ref word, FutexWakeOp, 1, 0, 0, 0);
        }
    }

    private static bool WaitFallback(ref int word, int expected, TimeSpan? timeout)
    {
        long deadline = timeout is { } t ? Environment.TickCount64 + (long)Math.Ceiling(t.TotalMilliseconds) : long.MaxValue;
        while (Volatile.Read(ref word) == expected)
        {
            if (Environment.TickCount64 >= deadline)
            {
                return false;
            }

            Thread.Sleep(FallbackSlice);
        }

        return true;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    // DllImport rather than LibraryImport: the generated stubs need unsafe code, which this
    // project keeps to MemoryRegion. glibc's syscall() is variadic, but on x64 and Arm64
    // Linux integer varargs travel in the same registers as fixed ones.
    [DllImport("libc", EntryPoint = "syscall", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern long SyscallTimed(long number, ref int word, int op, int value, ref Timespec timeout, nint word2, int value3);

    [DllImport("libc", EntryPoint = "syscall", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern long SyscallUntimed(long number, ref int word, int op, int value, nint timeout, nint word2, int value3);
}
