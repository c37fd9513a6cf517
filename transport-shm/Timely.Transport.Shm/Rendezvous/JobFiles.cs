using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Win32.SafeHandles;
using Timely.Transport.Shm.Interop;
using Timely.Transport.Shm.Memory;

namespace Timely.Transport.Shm.Rendezvous;

/// <summary>
/// One process's hold on a job directory: the files it opens, creates, publishes and removes
/// there, none of them trusted unless this user's job made it.
/// </summary>
/// <remarks>
/// Trust: nothing at the directory's name is used unless it is a real directory (never a
/// symlink: checked on a descriptor opened with <c>O_NOFOLLOW</c>) owned by this uid with mode
/// 0700, made by the first process of the job (<c>mkdir 0700</c>) and joined by the others
/// (same uid). Every file is opened relative to that descriptor with <c>O_NOFOLLOW</c> (and
/// <c>O_CREAT|O_EXCL</c> when created) and checked on its descriptor (regular file, this uid,
/// 0600); a symlink, FIFO or foreign owner at a job file's name is refused by name. Other
/// names are left alone and named once through the warning sink. Files are removed only by
/// identity (device and inode seen when created or checked): renamed to a private name,
/// re-checked, then unlinked, so a file a peer put at that name meanwhile is put back, never
/// lost. Ring space is reserved (<c>posix_fallocate</c>) when a file is created, so a full
/// device is an error at set-up, not a SIGBUS on first touch.
/// </remarks>
// Design:
// - Threads: the joining thread creates and publishes files; Dispose (the job's owner) and
//   the exit and signal handlers (ExitCleanup, on runtime threads) remove them. _own (the
//   files this process made, by current name) and _filesRemoved are read and written under
//   _filesLock only: a file is tracked before anything else can remove it, and once the
//   removal ran nothing more is tracked (the creator removes what it was still making).
// - _warned (the warnings already given, by key) is guarded by its own lock: a warning can
//   come from any of those threads, and each is given once.
// - s_ours is process-wide (several jobs may share a pid in one process, as in tests): the
//   paths a JobFiles of this process made or is about to make, registered before the create
//   or rename and removed after the unlink. A file whose pid is ours but that is not there
//   was left by a dead incarnation that had our pid (StaleFileSweeper).
// - The handlers only unlink; nothing here unmaps, so a thread still using a mapping is never
//   cut off.
internal sealed class JobFiles : IDisposable
{
    private const int DirectoryMode = 0x1C0;   // 0700
    private const int FileMode = 0x180;        // 0600
    private static int s_hiddenNames;

    private static readonly ConcurrentDictionary<string, byte> s_ours = new(StringComparer.Ordinal);

    private readonly Dictionary<string, FileIdentity> _own = [];
    private readonly HashSet<string> _warned = [];
    private readonly Lock _filesLock = new();
    private readonly SafeFileHandle _directory;
    private readonly FileIdentity _identity;
    private readonly Action<string> _warn;
    private readonly uint _uid;
    private bool _filesRemoved;

    private JobFiles(string path, string job, int processIndex, SafeFileHandle directory, FileIdentity identity, Action<string> warn)
    {
        Path = path;
        Job = job;
        ProcessIndex = processIndex;
        _directory = directory;
        _identity = identity;
        _warn = warn;
        _uid = Posix.UserId;
    }

    /// <summary>The job directory.</summary>
    public string Path { get; }

    /// <summary>The job's name (for messages).</summary>
    public string Job { get; }

    /// <summary>This process's index in the job (for messages).</summary>
    public int ProcessIndex { get; }

    /// <summary>Test hook: runs before each removal by identity, with the path about to be removed.</summary>
    internal static Action<string>? BeforeRemove { get; set; }

    /// <summary>
    /// Makes the job directory 0700, or joins the one a process of this job (same uid) made:
    /// a real directory (never a symlink) owned by this uid with mode 0700, checked on a
    /// descriptor opened without following a link, so what is checked is what is used.
    /// </summary>
    public static JobFiles OpenDirectory(string path, string job, int processIndex, Action<string> warn)
    {
        bool created = Posix.TryMakeDirectory(path, DirectoryMode);
        if (!created && Posix.StatNoFollow(path) is { } existing && existing.Type != Posix.TypeDirectory)
        {
            throw new IOException(
                $"shm: '{path}' is {existing.TypeName}, not a directory this user made: refusing to use it. Remove it, or use another --shm-dir or --job.");
        }

        SafeFileHandle handle;
        try
        {
            handle = Posix.OpenDirectoryNoFollow(path);
        }
        catch (IOException e)
        {
            throw new IOException($"shm: refusing '{path}' as the job directory: {e.Message}", e);
        }

        try
        {
            if (created)
            {
                Posix.ChangeMode(handle, DirectoryMode, path);   // exactly 0700, whatever the umask
            }

            var identity = Posix.Stat(handle, path);
            uint uid = Posix.UserId;
            if (identity.Type != Posix.TypeDirectory)
            {
                throw new IOException($"shm: '{path}' is {identity.TypeName}, not a directory: refusing to use it. Remove it, or use another --shm-dir or --job.");
            }

            if (identity.Owner != uid)
            {
                throw new IOException(
                    $"shm: '{path}' belongs to uid {identity.Owner}, not to this user (uid {uid}): refusing to use another user's directory. Remove it (as its owner or root), or use another --shm-dir or --job.");
            }

            if (identity.Permissions != DirectoryMode)
            {
                throw new IOException(
                    $"shm: '{path}' has mode {Convert.ToString(identity.Permissions, 8)}; a job directory must be 0700 so no other user can read the rings. Remove it (or chmod 0700 it if it is yours and nothing else used it), or use another --job.");
            }

            return new JobFiles(path, job, processIndex, handle, identity, warn);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Bytes free on the directory's device (negative when the device does not say).</summary>
    public long AvailableBytes => Posix.AvailableBytes(_directory);

    /// <summary>The full path of <paramref name="name"/> (for messages and mappings).</summary>
    public string FilePath(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>The names in the directory now; null when it is gone (the last other process out removed it).</summary>
    /// <remarks>
    /// Nothing at the path is looked for first (lstat, one system call), not learnt from the
    /// listing's <see cref="DirectoryNotFoundException"/>: the directory is gone at the leave of
    /// every process but the last out, and a thrown exception costs a native process about 66,000
    /// instructions (callgrind); a shm x2 <c>timely wordcount</c> threw two on its process 1's exit,
    /// the run's critical path, and throws none now (a uprobe on the runtime's throw). A removal
    /// between the look and the listing still reads as gone.
    /// </remarks>
    public string[]? ListNames()
    {
        if (Posix.StatNoFollow(Path) is null)
        {
            return null;
        }

        try
        {
            return [.. Directory.EnumerateFileSystemEntries(Path).Select(f => System.IO.Path.GetFileName(f))];
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Whether <paramref name="path"/> is a file a job of this process made or is making (see the Design comment).</summary>
    public static bool IsOurs(string path) => s_ours.ContainsKey(path);

    /// <summary>What is at <paramref name="name"/>, not following a link; null when nothing is.</summary>
    public FileIdentity? Stat(string name) => Posix.StatAt(_directory, name, FilePath(name));

    /// <summary>
    /// Opens job file <paramref name="name"/> without following a link and checks it on its
    /// descriptor: a regular file of this uid with mode 0600, else an error naming it. Null
    /// when nothing is there.
    /// </summary>
    public (SafeFileHandle Handle, FileIdentity Identity)? OpenChecked(string name)
    {
        string path = FilePath(name);
        var handle = Posix.TryOpenAt(_directory, name, Posix.OpenReadWrite, 0, out int errno);
        if (handle is null)
        {
            return errno switch
            {
                Posix.ENOENT => null,
                Posix.ELOOP => throw new IOException($"shm job '{Job}': '{path}' is a symbolic link; refusing to follow it. Remove it."),
                _ => throw new IOException($"shm job '{Job}': cannot open '{path}': {Posix.Describe(errno)} (errno {errno})."),
            };
        }

        try
        {
            var identity = Posix.Stat(handle, path);
            Check(path, identity);
            return (handle, identity);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Refuses (by name) a job file that is not a regular file of this uid with mode 0600.</summary>
    public void Check(string path, FileIdentity identity)
    {
        if (identity.Type != Posix.TypeRegular)
        {
            throw new IOException($"shm job '{Job}': '{path}' is {identity.TypeName}, not a regular file; refusing it. Remove it.");
        }

        if (identity.Owner != _uid || identity.Permissions != FileMode)
        {
            throw new IOException(
                $"shm job '{Job}': '{path}' belongs to uid {identity.Owner} with mode {Convert.ToString(identity.Permissions, 8)}; a job file must be this user's (uid {_uid}) with mode 600. Refusing it; remove it.");
        }
    }

    /// <summary>Maps job file <paramref name="name"/> when it is there (checked as in <see cref="OpenChecked"/>); null when not there or empty.</summary>
    public MappedFile? Map(string name)
    {
        if (OpenChecked(name) is not { } opened)
        {
            return null;
        }

        if (opened.Identity.Size <= 0)
        {
            opened.Handle.Dispose();
            return null;
        }

        return MappedFile.Map(opened.Handle, FilePath(name), opened.Identity.Size);
    }

    /// <summary>
    /// Creates <paramref name="name"/> (which must not exist: <c>O_CREAT|O_EXCL|O_NOFOLLOW</c>)
    /// with mode 0600 and <paramref name="length"/> bytes reserved on the device, tracks it as
    /// ours, and maps it. <paramref name="noSpace"/> is the error when the device is full.
    /// </summary>
    public MappedFile Create(string name, long length, Func<IOException> noSpace)
    {
        string path = FilePath(name);
        s_ours[path] = 0;
        var handle = Posix.TryOpenAt(_directory, name, Posix.OpenReadWrite | Posix.OpenCreate | Posix.OpenExclusive, FileMode, out int errno);
        if (handle is null)
        {
            s_ours.TryRemove(path, out _);
            var there = errno == Posix.EEXIST ? Posix.StatAt(_directory, name, path) : null;
            throw there is { } found
                ? new IOException($"shm job '{Job}': '{path}' already exists ({found.TypeName}); refusing to replace or follow it. Remove it.")
                : new IOException($"shm job '{Job}': cannot create '{path}': {Posix.Describe(errno)} (errno {errno}).");
        }

        FileIdentity identity;
        try
        {
            Posix.ChangeMode(handle, FileMode, path);
            identity = Posix.Stat(handle, path);
        }
        catch
        {
            handle.Dispose();
            Posix.TryUnlinkAt(_directory, name, isDirectory: false, path);   // made by us an instant ago
            s_ours.TryRemove(path, out _);
            throw;
        }

        if (!TrackOwn(name, identity))
        {
            handle.Dispose();
            RemoveIfSame(name, identity);
            throw new IOException($"shm job '{Job}': the process is exiting.");
        }

        try
        {
            int error = Posix.Allocate(handle, length);
            if (error == Posix.ENOSPC)
            {
                throw noSpace();
            }

            if (error != 0)
            {
                throw new IOException($"shm job '{Job}': cannot reserve {length} bytes for '{path}': {Posix.Describe(error)} (errno {error}).");
            }

            return MappedFile.Map(handle, path, length);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Renames our temporary file to its final name (never replacing what is there) and tracks it under that name.</summary>
    public void Publish(MappedFile file, string temporary, string name)
    {
        FileIdentity identity;
        lock (_filesLock)
        {
            if (!_own.TryGetValue(temporary, out identity))
            {
                throw new IOException($"shm job '{Job}': the process is exiting.");
            }
        }

        s_ours[FilePath(name)] = 0;
        if (!Posix.TryRenameAt(_directory, temporary, name, noReplace: true, FilePath(temporary)))
        {
            s_ours.TryRemove(FilePath(name), out _);
            throw new IOException($"shm job '{Job}': '{FilePath(name)}' appeared while process {ProcessIndex} was creating it. Is another process running as process {ProcessIndex} of this --job?");
        }

        file.Renamed(FilePath(name));
        s_ours.TryRemove(FilePath(temporary), out _);
        if (!TrackOwn(name, identity, previousName: temporary))
        {
            RemoveIfSame(name, identity);
            throw new IOException($"shm job '{Job}': the process is exiting.");
        }
    }

    /// <summary>Removes every file this process made and still tracks, by identity; once only (later calls do nothing).</summary>
    public void RemoveOwnFiles()
    {
        lock (_filesLock)
        {
            if (_filesRemoved)
            {
                return;
            }

            _filesRemoved = true;
            foreach (var (name, identity) in _own)
            {
                if (!RemoveIfSame(name, identity))
                {
                    WarnGone(name);
                }

                s_ours.TryRemove(FilePath(name), out _);
            }

            _own.Clear();
        }
    }

    /// <summary>
    /// Removes <paramref name="name"/> only if it is still the file <paramref name="expected"/>:
    /// renames it to a private name first (so nobody can swap it between the check and the
    /// unlink), checks the renamed file, and puts it back when it turns out to be another
    /// (a peer replaced it meanwhile). False when it was gone or not the same file.
    /// </summary>
    public bool RemoveIfSame(string name, FileIdentity expected)
    {
        string hidden = string.Create(
            CultureInfo.InvariantCulture,
            $"{name}{JobFileNames.TemporaryMarker}{Environment.ProcessId}.rm{Interlocked.Increment(ref s_hiddenNames)}");
        BeforeRemove?.Invoke(FilePath(name));
        s_ours[FilePath(hidden)] = 0;
        try
        {
            if (!Posix.TryRenameAt(_directory, name, hidden, noReplace: true, FilePath(name)))
            {
                return false;
            }

            if (Posix.StatAt(_directory, hidden, FilePath(hidden)) is { } moved && moved.IsSameFile(expected))
            {
                Posix.TryUnlinkAt(_directory, hidden, isDirectory: false, FilePath(hidden));
                return true;
            }

            if (!Posix.TryRenameAt(_directory, hidden, name, noReplace: true, FilePath(hidden)))
            {
                WarnOnce(hidden, $"shm job '{Job}': '{FilePath(name)}' was replaced while it was being removed; the newer file is at '{FilePath(hidden)}'.");
            }

            return false;
        }
        finally
        {
            s_ours.TryRemove(FilePath(hidden), out _);
        }
    }

    /// <summary>Removes the directory when it is empty and still the one checked at join (the last process out); names foreign files left in it.</summary>
    public void TryRemoveEmptyDirectory()
    {
        if (ListNames() is not { } names)
        {
            return;
        }

        if (names.Length > 0)
        {
            foreach (string name in names)
            {
                if (!JobFileNames.IsJobFile(name))
                {
                    WarnForeign(name);
                }
            }

            return;   // a live peer's files (it removes them and the directory), or foreign files
        }

        // Only the directory we checked at Join: a directory swapped in under the name since
        // is not ours. (rmdir refuses a non-empty one and a symlink regardless.)
        if (Posix.StatNoFollow(Path) is { } now && now.IsSameFile(_identity))
        {
            try
            {
                Directory.Delete(Path);
            }
            catch (IOException)
            {
                // A peer created a file between the listing and the delete; the last process
                // out removes the directory.
            }
        }
    }

    /// <summary>Gives <paramref name="message"/> to the warning sink, once per <paramref name="key"/>.</summary>
    public void WarnOnce(string key, string message)
    {
        lock (_warned)
        {
            if (!_warned.Add(key))
            {
                return;
            }
        }

        _warn(message);
    }

    /// <summary>Names a file in the directory that is not the job's (left alone).</summary>
    public void WarnForeign(string name) =>
        WarnOnce(name, $"shm job '{Job}': '{FilePath(name)}' is not a file of this job; left alone (remove it yourself).");

    public void Dispose() => _directory.Dispose();

    /// <summary>Records a file this process created (under <paramref name="name"/>) so that it is removed at teardown or exit, by identity.</summary>
    private bool TrackOwn(string name, FileIdentity identity, string? previousName = null)
    {
        lock (_filesLock)
        {
            if (_filesRemoved)
            {
                return false;   // exiting: the caller removes it itself
            }

            if (previousName is not null)
            {
                _own.Remove(previousName);
            }

            _own[name] = identity;
            return true;
        }
    }

    private void WarnGone(string name)
    {
        bool directoryGone = Posix.StatNoFollow(Path) is not { } now || !now.IsSameFile(_identity);
        if (directoryGone)
        {
            WarnOnce("gone", $"shm job '{Job}': the job directory '{Path}' was removed while the job ran; its files were already gone.");
        }
        else
        {
            WarnOnce(name, $"shm job '{Job}': '{FilePath(name)}' was already gone or replaced at teardown; left as it is.");
        }
    }
}
