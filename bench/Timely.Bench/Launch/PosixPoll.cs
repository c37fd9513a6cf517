using System.Runtime.InteropServices;

namespace Timely.Bench.Launch;

/// <summary>poll(2) and read(2) over pipe descriptors, for the launcher's relay of its children's output.</summary>
internal static class PosixPoll
{
    /// <summary>Data to read.</summary>
    public const short In = 0x1;

    /// <summary>An error on the descriptor (reported whether asked for or not).</summary>
    public const short Error = 0x8;

    /// <summary>The other end closed (reported whether asked for or not).</summary>
    public const short HangUp = 0x10;

    private const int EINTR = 4;

    /// <summary>
    /// Waits up to <paramref name="timeoutMilliseconds"/> (-1: no limit) until a descriptor of
    /// <paramref name="fds"/> is ready and fills their <see cref="PollFd.Returned"/> events;
    /// returns how many are ready (0 on timeout). A signal that interrupts the wait (EINTR)
    /// counts as a timeout: the caller looks again.
    /// </summary>
    public static int Wait(PollFd[] fds, int timeoutMilliseconds)
    {
        int ready = Poll(fds, (nuint)fds.Length, timeoutMilliseconds);
        if (ready >= 0)
        {
            return ready;
        }

        int errno = Marshal.GetLastPInvokeError();
        return errno == EINTR ? 0 : throw new IOException($"poll failed (errno {errno}).");
    }

    /// <summary>
    /// One read(2) of <paramref name="descriptor"/> into <paramref name="buffer"/>: the bytes read,
    /// 0 at the end. A read interrupted by a signal (EINTR) is made again.
    /// </summary>
    /// <remarks>
    /// Not <see cref="System.IO.Pipes.PipeStream.Read(Span{byte})"/>: on Unix a pipe stream reads
    /// through a socket over its descriptor, and the first one started the runtime's socket engine
    /// (its epoll descriptor and a ".NET Sockets" thread) in the launcher while its children ran
    /// (strace of a native <c>wordcount --processes 2 --transport shm</c>: 9 threads, now 8; page
    /// faults of the pair 2,031 to 2,004 in three interleaved <c>perf stat -r 30</c>).
    /// </remarks>
    public static int Read(int descriptor, byte[] buffer)
    {
        while (true)
        {
            nint read = ReadCall(descriptor, buffer, (nuint)buffer.Length);
            if (read >= 0)
            {
                return (int)read;
            }

            int errno = Marshal.GetLastPInvokeError();
            if (errno != EINTR)
            {
                throw new IOException($"read failed (errno {errno}).");
            }
        }
    }

    [DllImport("libc", EntryPoint = "read", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern nint ReadCall(int fd, [Out] byte[] buffer, nuint count);

    // DllImport rather than LibraryImport, as PosixKill: the generated stub needs unsafe code,
    // which this project does not allow; the array of blittable structs is pinned for the call.
    [DllImport("libc", EntryPoint = "poll", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Poll([In, Out] PollFd[] fds, nuint count, int timeoutMilliseconds);

    /// <summary><c>struct pollfd</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct PollFd
    {
        public int Descriptor;
        public short Requested;
        public short Returned;
    }
}
