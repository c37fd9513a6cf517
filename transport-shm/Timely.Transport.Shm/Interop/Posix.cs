using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Timely.Transport.Shm.Interop;

/// <summary>
/// The few Linux libc calls a job directory needs to trust nothing it did not make:
/// <c>mkdir</c>, <c>open</c>/<c>openat</c> with <c>O_NOFOLLOW</c> (and <c>O_CREAT|O_EXCL</c>),
/// <c>statx</c> on a descriptor or without following a link, <c>renameat2</c>,
/// <c>unlinkat</c>, <c>posix_fallocate</c>, <c>fchmod</c>, <c>fstatvfs</c>, <c>getuid</c>, and
/// <c>process_vm_readv</c>/<c>process_vm_writev</c> on this process (a copy that reports a lost
/// page instead of faulting on it).
/// Every failure is an <see cref="IOException"/> naming the path and the errno text.
/// The only P/Invoke surface of the job directory; nothing here holds a pointer (only
/// <c>MemoryRegion</c> does, so unsafe code stays in one small type).
/// </summary>
/// <remarks>
/// <c>O_*</c> values are Linux's generic ones (Arm64) or x86-64's, which differ in
/// <c>O_DIRECTORY</c>/<c>O_NOFOLLOW</c>. <c>statx</c> (glibc 2.28+) rather than <c>fstat</c>:
/// its struct has one layout on every architecture.
/// </remarks>
internal static class Posix
{
    public const int ENOENT = 2;
    public const int EEXIST = 17;
    public const int ENOSPC = 28;
    public const int ELOOP = 40;
    public const int EFAULT = 14;

    public const int OpenReadWrite = 2;
    public const int OpenCreate = 0x40;
    public const int OpenExclusive = 0x80;
    public const int OpenNonBlocking = 0x800;
    public const int OpenCloseOnExec = 0x80000;

    public const uint TypeMask = 0xF000;
    public const uint TypeDirectory = 0x4000;
    public const uint TypeRegular = 0x8000;
    public const uint TypeSymlink = 0xA000;
    public const uint TypeFifo = 0x1000;

    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const int AtRemoveDirectory = 0x200;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxBasicStats = 0x7ff;
    private const uint RenameNoReplace = 1;

    private static readonly bool IsX64 = RuntimeInformation.ProcessArchitecture == Architecture.X64;

    /// <summary><c>O_DIRECTORY</c>: differs between x86-64 and the generic (Arm64) value.</summary>
    public static int OpenDirectory => IsX64 ? 0x10000 : 0x4000;

    /// <summary><c>O_NOFOLLOW</c>: differs between x86-64 and the generic (Arm64) value.</summary>
    public static int OpenNoFollow => IsX64 ? 0x20000 : 0x8000;

    /// <summary>The real user id of this process.</summary>
    public static uint UserId => GetUid();

    /// <summary><c>mkdir(path, mode)</c>; false (not an error) when something exists at <paramref name="path"/>.</summary>
    public static bool TryMakeDirectory(string path, int mode)
    {
        if (MkDir(Utf8(path), mode) == 0)
        {
            return true;
        }

        int errno = Marshal.GetLastPInvokeError();
        return errno == EEXIST ? false : throw Failure(errno, "create directory", path);
    }

    /// <summary>Opens <paramref name="path"/> as a directory without following a final symlink.</summary>
    public static SafeFileHandle OpenDirectoryNoFollow(string path)
    {
        int fd = Open(Utf8(path), OpenDirectory | OpenNoFollow | OpenCloseOnExec, 0);
        return fd >= 0 ? new SafeFileHandle(fd, ownsHandle: true) : throw Failure(Marshal.GetLastPInvokeError(), "open directory", path);
    }

    /// <summary><c>openat(directory, name, flags | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, mode)</c>; returns the errno instead of throwing.</summary>
    public static SafeFileHandle? TryOpenAt(SafeFileHandle directory, string name, int flags, int mode, out int errno)
    {
        // O_NONBLOCK: opening a FIFO planted at a file name returns at once (then statx
        // says what it is) instead of waiting for a writer; regular files ignore it.
        int fd = OpenAt(directory, Utf8(name), flags | OpenNoFollow | OpenCloseOnExec | OpenNonBlocking, mode);
        errno = fd >= 0 ? 0 : Marshal.GetLastPInvokeError();
        return fd >= 0 ? new SafeFileHandle(fd, ownsHandle: true) : null;
    }

    /// <summary><c>statx</c> of an open descriptor.</summary>
    public static FileIdentity Stat(SafeFileHandle file, string pathForErrors)
    {
        var buffer = new StatxBuffer();
        return StatxHandle(file, Utf8(string.Empty), AtEmptyPath, StatxBasicStats, ref buffer) == 0
            ? buffer.Identity
            : throw Failure(Marshal.GetLastPInvokeError(), "stat", pathForErrors);
    }

    /// <summary><c>statx</c> of <paramref name="name"/> in <paramref name="directory"/> without following a symlink; null when nothing is there.</summary>
    public static FileIdentity? StatAt(SafeFileHandle directory, string name, string pathForErrors)
    {
        var buffer = new StatxBuffer();
        if (StatxHandle(directory, Utf8(name), AtSymlinkNoFollow, StatxBasicStats, ref buffer) == 0)
        {
            return buffer.Identity;
        }

        int errno = Marshal.GetLastPInvokeError();
        return errno == ENOENT ? null : throw Failure(errno, "stat", pathForErrors);
    }

    /// <summary><c>statx</c> of <paramref name="path"/> without following a final symlink; null when nothing is there.</summary>
    public static FileIdentity? StatNoFollow(string path)
    {
        var buffer = new StatxBuffer();
        if (StatxPath(AtFdCwd, Utf8(path), AtSymlinkNoFollow, StatxBasicStats, ref buffer) == 0)
        {
            return buffer.Identity;
        }

        int errno = Marshal.GetLastPInvokeError();
        return errno == ENOENT ? null : throw Failure(errno, "stat", path);
    }

    /// <summary>Renames within one directory; with <paramref name="noReplace"/> fails (false) instead of replacing. False also when the source is gone.</summary>
    public static bool TryRenameAt(SafeFileHandle directory, string from, string to, bool noReplace, string pathForErrors)
    {
        if (RenameAt2(directory, Utf8(from), directory, Utf8(to), noReplace ? RenameNoReplace : 0) == 0)
        {
            return true;
        }

        int errno = Marshal.GetLastPInvokeError();
        return errno is ENOENT or EEXIST ? false : throw Failure(errno, "rename", pathForErrors);
    }

    /// <summary><c>unlinkat</c>; false when the name is already gone.</summary>
    public static bool TryUnlinkAt(SafeFileHandle directory, string name, bool isDirectory, string pathForErrors)
    {
        if (UnlinkAt(directory, Utf8(name), isDirectory ? AtRemoveDirectory : 0) == 0)
        {
            return true;
        }

        int errno = Marshal.GetLastPInvokeError();
        return errno == ENOENT ? false : throw Failure(errno, "remove", pathForErrors);
    }

    /// <summary>Reserves <paramref name="length"/> bytes for the file (so a full device fails here, not as SIGBUS on first touch); returns the errno, 0 on success.</summary>
    public static int Allocate(SafeFileHandle file, long length) => PosixFallocate(file, 0, length);

    /// <summary><c>fchmod</c>: sets the exact mode, whatever the umask did at creation.</summary>
    public static void ChangeMode(SafeFileHandle file, int mode, string pathForErrors)
    {
        if (FChMod(file, mode) != 0)
        {
            throw Failure(Marshal.GetLastPInvokeError(), "chmod", pathForErrors);
        }
    }

    /// <summary>Bytes an unprivileged user may still allocate on the file system of <paramref name="file"/> (<c>fstatvfs</c>: f_bavail * f_frsize).</summary>
    public static long AvailableBytes(SafeFileHandle file)
    {
        var buffer = new StatvfsBuffer();
        return FStatVfs(file, ref buffer) == 0 ? (long)Math.Min(buffer.AvailableBlocks * buffer.FragmentSize, long.MaxValue) : -1;
    }

    /// <summary>The errno text, e.g. "No such file or directory".</summary>
    public static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);

    /// <summary>
    /// Copies <paramref name="count"/> bytes from <paramref name="from"/> to <paramref name="to"/>,
    /// both addresses of this process, through the kernel: the side given by
    /// <paramref name="mappedIsDestination"/> is read or written the way a system call touches
    /// user memory, so a page that left its mapping (the file was truncated under it) makes the
    /// call fail with <see cref="EFAULT"/> instead of raising SIGBUS. Returns 0, or the errno
    /// (<c>ENOSYS</c>/<c>EPERM</c> where a seccomp profile forbids the call).
    /// </summary>
    public static int CopyThroughKernel(nint from, nint to, nint count, bool mappedIsDestination)
    {
        var local = new IoVector { Base = mappedIsDestination ? from : to, Length = count };
        var remote = new IoVector { Base = mappedIsDestination ? to : from, Length = count };
        int pid = Environment.ProcessId;
        nint copied = mappedIsDestination
            ? ProcessVmWritev(pid, ref local, 1, ref remote, 1, 0)
            : ProcessVmReadv(pid, ref local, 1, ref remote, 1, 0);
        return copied == count ? 0 : copied < 0 ? Marshal.GetLastPInvokeError() : EFAULT;
    }

    /// <summary>A NUL-terminated UTF-8 copy of <paramref name="text"/>, as libc takes paths.</summary>
    private static byte[] Utf8(string text)
    {
        var bytes = new byte[System.Text.Encoding.UTF8.GetByteCount(text) + 1];
        System.Text.Encoding.UTF8.GetBytes(text, bytes);
        return bytes;
    }

    private static IOException Failure(int errno, string operation, string path) =>
        new($"cannot {operation} '{path}': {Describe(errno)} (errno {errno}).");

    /// <summary>The fields of <c>struct statx</c> the job directory checks.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    private struct StatxBuffer
    {
        [FieldOffset(20)] public uint Uid;
        [FieldOffset(28)] public ushort Mode;
        [FieldOffset(32)] public ulong Inode;
        [FieldOffset(40)] public ulong Size;
        [FieldOffset(136)] public uint DeviceMajor;
        [FieldOffset(140)] public uint DeviceMinor;

        public readonly FileIdentity Identity => new(((ulong)DeviceMajor << 32) | DeviceMinor, Inode, Uid, Mode, (long)Size);
    }

    /// <summary><c>struct statvfs</c> on LP64 Linux (x86-64 and Arm64 alike).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct StatvfsBuffer
    {
        public ulong BlockSize;
        public ulong FragmentSize;
        public ulong Blocks;
        public ulong FreeBlocks;
        public ulong AvailableBlocks;
        public ulong Files;
        public ulong FreeFiles;
        public ulong AvailableFiles;
        public ulong FileSystemId;
        public ulong Flags;
        public ulong NameMax;
        public ulong Spare0;
        public ulong Spare1;
        public ulong Spare2;
    }

    /// <summary>struct iovec.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct IoVector
    {
        public nint Base;
        public nint Length;
    }

    // DllImport rather than LibraryImport, as in Futex: the generated stubs need unsafe code.
    [DllImport("libc", EntryPoint = "getuid")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern uint GetUid();

    [DllImport("libc", EntryPoint = "mkdir", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int MkDir(byte[] path, int mode);

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Open(byte[] path, int flags, int mode);

    [DllImport("libc", EntryPoint = "openat", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int OpenAt(SafeFileHandle directory, byte[] name, int flags, int mode);

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int StatxHandle(SafeFileHandle directory, byte[] name, int flags, uint mask, ref StatxBuffer buffer);

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int StatxPath(int directory, byte[] name, int flags, uint mask, ref StatxBuffer buffer);

    [DllImport("libc", EntryPoint = "renameat2", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int RenameAt2(SafeFileHandle fromDirectory, byte[] from, SafeFileHandle toDirectory, byte[] to, uint flags);

    [DllImport("libc", EntryPoint = "unlinkat", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int UnlinkAt(SafeFileHandle directory, byte[] name, int flags);

    [DllImport("libc", EntryPoint = "posix_fallocate")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int PosixFallocate(SafeFileHandle file, long offset, long length);

    [DllImport("libc", EntryPoint = "fchmod", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int FChMod(SafeFileHandle file, int mode);

    [DllImport("libc", EntryPoint = "fstatvfs", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int FStatVfs(SafeFileHandle file, ref StatvfsBuffer buffer);

    [DllImport("libc", EntryPoint = "process_vm_readv", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern nint ProcessVmReadv(int pid, ref IoVector local, nuint localCount, ref IoVector remote, nuint remoteCount, nuint flags);

    [DllImport("libc", EntryPoint = "process_vm_writev", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern nint ProcessVmWritev(int pid, ref IoVector local, nuint localCount, ref IoVector remote, nuint remoteCount, nuint flags);
}
