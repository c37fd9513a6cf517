using System.IO.MemoryMappedFiles;
using Microsoft.Win32.SafeHandles;

namespace Timely.Transport.Shm.Memory;

/// <summary>
/// A file mapped read-write into this process, shared with every other process that maps
/// it: the file stream, the mapping, the view and the <see cref="MemoryRegion"/> over the
/// view, owned and released together. Holds no pointer itself: the region does, the one
/// type of this package that holds one.
/// </summary>
/// <remarks>
/// <see cref="MemoryMappedFile.CreateFromFile(FileStream, string?, long, MemoryMappedFileAccess, HandleInheritability, bool)"/>
/// over a stream we open, because named maps do not exist on Linux and because only our own
/// stream lets us create the file with mode 0600 (<see cref="FileStreamOptions.UnixCreateMode"/>)
/// so other users cannot read or scribble on a job's rings. A job directory opens its files
/// itself (relative to the directory, without following links, checked after opening) and
/// maps the descriptor through <see cref="Map"/>.
/// </remarks>
public sealed class MappedFile : IDisposable
{
    /// <summary>Mode of every file a job creates: owner read/write only.</summary>
    public const UnixFileMode FileMode0600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly IDisposable _owner;
    private readonly SafeFileHandle _handle;
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly long _length;
    private bool _disposed;

    private MappedFile(string path, IDisposable owner, SafeFileHandle handle, long length)
    {
        Path = path;
        _owner = owner;
        _handle = handle;
        _length = length;
        try
        {
            _map = MemoryMappedFile.CreateFromFile(handle, null, length, MemoryMappedFileAccess.ReadWrite, HandleInheritability.None, leaveOpen: true);
            _view = _map.CreateViewAccessor(0, length, MemoryMappedFileAccess.ReadWrite);
            Region = MemoryRegion.WrapView(_view.SafeMemoryMappedViewHandle, length);
        }
        catch
        {
            _view?.Dispose();
            _map?.Dispose();
            owner.Dispose();
            throw;
        }
    }

    /// <summary>Where the file is (it may have been renamed or unlinked since).</summary>
    public string Path { get; private set; }

    /// <summary>The mapped bytes.</summary>
    public MemoryRegion Region { get; }

    /// <summary>
    /// False once the file is shorter than the mapping (someone truncated it under the job):
    /// touching the missing pages would raise SIGBUS, which kills the process. One
    /// <c>fstat</c>; cheap enough for a parking deadline, not for every message.
    /// </summary>
    public bool IsIntact => !_disposed && FileLength >= _length;

    /// <summary>The file's length now (fstat of the open file): less than <see cref="MemoryRegion.Length"/> when someone truncated it, and touching the mapping beyond it would raise SIGBUS.</summary>
    public long FileLength => RandomAccess.GetLength(_handle);

    /// <summary>Creates <paramref name="path"/> (which must not exist) with mode 0600 and <paramref name="length"/> zero bytes, and maps it.</summary>
    public static MappedFile Create(string path, long length)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = FileShare.ReadWrite | FileShare.Delete,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = FileMode0600;
        }

        var stream = new FileStream(path, options);
        try
        {
            stream.SetLength(length);
        }
        catch
        {
            stream.Dispose();
            File.Delete(path);
            throw;
        }

        return new MappedFile(path, stream, stream.SafeFileHandle, length);
    }

    /// <summary>
    /// Maps the first <paramref name="length"/> bytes of the file open as <paramref name="handle"/>
    /// (found at <paramref name="path"/>, for messages); the new object owns the handle.
    /// </summary>
    internal static MappedFile Map(SafeFileHandle handle, string path, long length)
    {
        ArgumentNullException.ThrowIfNull(handle);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        return new MappedFile(path, handle, handle, length);
    }

    /// <summary>Maps an existing file whole; throws <see cref="FileNotFoundException"/> when it is not there.</summary>
    public static MappedFile Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        long length = stream.Length;
        if (length == 0)
        {
            stream.Dispose();
            throw new InvalidDataException($"'{path}' is empty.");
        }

        return new MappedFile(path, stream, stream.SafeFileHandle, length);
    }

    /// <summary>Records that the file was renamed to <paramref name="path"/> (by its directory).</summary>
    internal void Renamed(string path) => Path = path;

    /// <summary>Renames the file (atomically, within one directory); the mapping is unaffected.</summary>
    public void MoveTo(string path)
    {
        File.Move(Path, path, overwrite: true);
        Path = path;
    }

    /// <summary>Unmaps and closes; the file stays on disk (see <see cref="File.Delete(string)"/>).</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Region.Dispose();
        _view.Dispose();
        _map.Dispose();
        _owner.Dispose();
    }
}
