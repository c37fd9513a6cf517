namespace Timely.Transport.Shm.Interop;

/// <summary>
/// What <c>statx</c> says about one file: which file it is (device and inode, the identity a
/// job checks before it removes anything) and the owner, type/mode and size it checks after
/// opening.
/// </summary>
internal readonly record struct FileIdentity(ulong Device, ulong Inode, uint Owner, uint Mode, long Size)
{
    /// <summary>The type bits (<c>S_IFMT</c>).</summary>
    public uint Type => Mode & Posix.TypeMask;

    /// <summary>The permission bits (<c>07777</c>).</summary>
    public int Permissions => (int)(Mode & 0xFFF);

    /// <summary>True when both name the same file.</summary>
    public bool IsSameFile(FileIdentity other) => Device == other.Device && Inode == other.Inode;

    /// <summary>"a directory", "a symbolic link", "a FIFO", ... for messages.</summary>
    public string TypeName => Type switch
    {
        Posix.TypeRegular => "a regular file",
        Posix.TypeDirectory => "a directory",
        Posix.TypeSymlink => "a symbolic link",
        Posix.TypeFifo => "a FIFO",
        0x2000 => "a character device",
        0x6000 => "a block device",
        0xC000 => "a socket",
        _ => "a file of unknown type",
    };
}
