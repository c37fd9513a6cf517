using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Timely.Transport.Shm.Interop;
using Timely.Transport.Shm.Layout;
using Timely.Transport.Shm.Memory;

namespace Timely.Transport.Shm.Rendezvous;

/// <summary>
/// The rendezvous of one process of a shared-memory job: a directory (default
/// <c>/dev/shm/timely-&lt;uid&gt;-&lt;job&gt;</c>) holding one control file per process
/// (<c>proc-&lt;i&gt;</c>, a <see cref="ControlBlock"/>) and one ring file per ordered pair of
/// workers in different processes (<c>ring-&lt;sender&gt;-to-&lt;receiver&gt;</c>, global worker
/// indices), all mode 0600.
/// </summary>
/// <remarks>
/// Trust: nothing at the directory's name is used unless it is a real directory (never a
/// symlink: checked on a descriptor opened with <c>O_NOFOLLOW</c>) owned by this uid with mode
/// 0700, made by the first process of the job (<c>mkdir 0700</c>) and joined by the others
/// (same uid). Every file is opened relative to that descriptor with <c>O_NOFOLLOW</c> (and
/// <c>O_CREAT|O_EXCL</c> when created) and checked on its descriptor (regular file, this uid,
/// 0600); a symlink, FIFO or foreign owner at a job file's name is refused by name. Other
/// names are left alone and named once through the warning sink. Files are removed only
/// by identity (device and inode seen when created or checked): renamed to a private name,
/// re-checked, then unlinked, so a file a peer put at that name meanwhile is put back, never
/// lost. Ring space is reserved (<c>posix_fallocate</c>) when a ring is created, so a full
/// device is an error at set-up, not a SIGBUS on first touch.
/// Protocol, in <see cref="Join"/>:
/// 1. Clear what dead processes left: a control file, ring or temporary file whose pid
///    (control pid, ring creator pid, temporary suffix) no longer runs, or is ours but not
///    made by this process (a dead incarnation had our pid), is removed, so a
///    directory from a dead job is replaced file by file and never reused. A live control
///    file for our own index means the job name is in use: refused.
/// 2. Create, as receiver, the rings into our workers, then our control file; each is
///    written under a temporary name and renamed, so a peer never maps a half-written file.
/// 3. Connect, as sender: wait (bounded by the connect timeout) for each peer's live
///    control file, then for each ring into its workers whose creator pid is that peer's
///    pid (a ring from a dead incarnation has another pid and is not taken).
/// 4. Publish Running and wait until every peer is Running too: after that, every file any
///    process needs is mapped, so a process that finishes early may unlink its files.
/// Teardown (<see cref="Dispose"/>): publish Finished (unless Failed), remove our own files
/// and those of dead processes, unmap, and remove the directory when it is empty (the last
/// process out). At process exit (ProcessExit) and on SIGTERM/SIGINT/SIGQUIT our own files
/// are removed too, without unmapping what running threads may still touch. The signal
/// handlers do not cancel the signal: the process still ends as it would have (or as the
/// embedder's own handler decides), only without leaving its files in the shared directory.
/// Design: <c>_own</c> (the files we made, by current name) is written by the joining thread
/// and read by <see cref="Dispose"/> and the ProcessExit handler, all under <c>_filesLock</c>;
/// the handler only unlinks, so a thread still using a mapping is not cut off.
/// </remarks>
public sealed class JobDirectory : IDisposable
{
    private const string ControlPrefix = "proc-";
    private const string RingPrefix = "ring-";
    private const string TemporaryMarker = ".tmp.";
    private const int DirectoryMode = 0x1C0;   // 0700
    private const int FileMode = 0x180;        // 0600
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(2);
    private static int s_hiddenNames;

    // Paths that a JobDirectory of this process made or is about to make (registered before
    // the create or rename, removed after the unlink): a file whose pid is ours but is not
    // here was left by a dead incarnation that had our pid, and is stale. Several
    // JobDirectories share a pid in one process (tests), so the pid alone cannot tell.
    private static readonly ConcurrentDictionary<string, byte> s_ours = new(StringComparer.Ordinal);

    private readonly ControlBlock?[] _controls;
    private readonly Dictionary<(int Sender, int Receiver), MappedFile> _rings = [];
    private readonly Dictionary<string, FileIdentity> _own = [];
    private readonly HashSet<string> _warned = [];
    private readonly Lock _filesLock = new();
    private readonly SafeFileHandle _directory;
    private readonly FileIdentity _identity;
    private readonly Action<string> _warn;
    private readonly uint _uid;
    private PosixSignalRegistration[] _signals = [];
    private bool _filesRemoved;
    private bool _disposed;

    private JobDirectory(string path, string job, int processIndex, int processes, int workersPerProcess, SafeFileHandle directory, FileIdentity identity, Action<string> warn)
    {
        Path = path;
        Job = job;
        ProcessIndex = processIndex;
        Processes = processes;
        WorkersPerProcess = workersPerProcess;
        _controls = new ControlBlock?[processes];
        _directory = directory;
        _identity = identity;
        _warn = warn;
        _uid = Posix.UserId;
    }

    /// <summary>Where shared-memory jobs live by default: <c>/dev/shm</c> (memory-backed) when present, else the temp directory.</summary>
    public static string DefaultRoot => Directory.Exists("/dev/shm") ? "/dev/shm" : System.IO.Path.GetTempPath();

    /// <summary>The job directory.</summary>
    public string Path { get; }

    /// <summary>The job's name.</summary>
    public string Job { get; }

    /// <summary>This process's index.</summary>
    public int ProcessIndex { get; }

    /// <summary>Processes in the job.</summary>
    public int Processes { get; }

    /// <summary>Workers in each process.</summary>
    public int WorkersPerProcess { get; }

    /// <summary>This process's control block.</summary>
    public ControlBlock Own => _controls[ProcessIndex]!;

    /// <summary>
    /// The directory of job <paramref name="job"/> under <paramref name="root"/>:
    /// <c>timely-&lt;uid&gt;-&lt;job&gt;</c>, so users on one host never share (or squat) a name.
    /// </summary>
    public static string PathFor(string root, string job) =>
        System.IO.Path.Combine(root, string.Create(CultureInfo.InvariantCulture, $"timely-{Posix.UserId}-{job}"));

    /// <summary>The default warning sink: one line on stderr.</summary>
    public static void WarnOnStandardError(string message) => Console.Error.WriteLine("timely: warning: " + message);

    /// <summary>
    /// Joins job <paramref name="job"/> as process <paramref name="processIndex"/> of
    /// <paramref name="processes"/>: returns once every process has mapped every ring it sends
    /// on. Throws <see cref="IOException"/> when a live job already holds this process index,
    /// when the directory or a file in it is not one this user's job made (symlink, other
    /// owner, wrong mode, FIFO), or when the device has no room for the rings;
    /// <see cref="TimeoutException"/> naming what never appeared within
    /// <paramref name="connectTimeout"/>. <paramref name="warn"/> (default
    /// <see cref="WarnOnStandardError"/>) hears one line per foreign file left alone.
    /// </summary>
    public static JobDirectory Join(string root, string job, int processIndex, int processes, int workersPerProcess, int ringBytes, TimeSpan connectTimeout, Action<string>? warn = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        ArgumentException.ThrowIfNullOrEmpty(job);
        if (job.AsSpan().IndexOfAny(System.IO.Path.GetInvalidFileNameChars()) >= 0 || job.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException($"Job name '{job}' is not a valid file name.", nameof(job));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(processIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(processIndex, processes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(workersPerProcess);
        if (!RingDescriptor.IsValidCapacity(ringBytes))
        {
            throw new ArgumentOutOfRangeException(nameof(ringBytes), ringBytes, "Ring capacity must be a power of two.");
        }

        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("Shared-memory jobs need Linux (openat, statx, futex).");
        }

        string path = PathFor(root, job);
        var (handle, identity) = OpenOrCreateDirectory(path);
        var directory = new JobDirectory(path, job, processIndex, processes, workersPerProcess, handle, identity, warn ?? WarnOnStandardError);
        AppDomain.CurrentDomain.ProcessExit += directory.OnProcessExit;
        directory._signals = [.. new[] { PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGQUIT }
            .Select(signal => PosixSignalRegistration.Create(signal, directory.OnSignal))];
        try
        {
            directory.ClearStaleFiles(refuseLive: true);
            directory.CreateOwnFiles(root, ringBytes);
            directory.Connect(Stopwatch.StartNew(), connectTimeout);
            return directory;
        }
        catch
        {
            directory._controls[processIndex]?.State = ProcessState.Failed;
            directory.Dispose();
            throw;
        }
    }

    /// <summary>The control block of process <paramref name="process"/> (ours included).</summary>
    public ControlBlock Control(int process) => _controls[process] ?? throw new InvalidOperationException($"process {process} is not connected.");

    /// <summary>The ring from global worker <paramref name="sender"/> to global worker <paramref name="receiver"/>, one of them ours and the other in another process.</summary>
    public MemoryRegion Ring(int sender, int receiver) => _rings[(sender, receiver)].Region;

    /// <summary>
    /// The path of a mapped file of this job that is now shorter than its mapping (truncated
    /// under the job: touching it would raise SIGBUS), or null when all are whole. One
    /// <c>fstat</c> per file: for a deadline check, not the message path.
    /// </summary>
    public string? FindTruncatedFile()
    {
        foreach (var ring in _rings.Values)
        {
            if (!ring.IsIntact)
            {
                return ring.Path;
            }
        }

        foreach (var control in _controls)
        {
            if (control is not null && !control.Mapping.IsIntact)
            {
                return control.Path;
            }
        }

        return null;
    }

    /// <summary>Publishes Finished (unless Failed), removes this process's files, unmaps, and removes the directory if it is empty.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        foreach (var signal in _signals)
        {
            signal.Dispose();
        }

        var own = _controls[ProcessIndex];
        if (own is not null && own.State != ProcessState.Failed)
        {
            own.State = ProcessState.Finished;
        }

        // Rings are not marked Closed: a peer past the Running barrier has mapped them but may
        // not have attached its SpscByteRing yet (which refuses a Closed ring); unlinking is
        // enough, since no process maps a ring after the barrier.
        RemoveOwnFiles();
        foreach (var ring in _rings.Values)
        {
            ring.Dispose();
        }

        foreach (var control in _controls)
        {
            control?.Dispose();
        }

        // Files of peers that died (SIGKILL leaves them behind) go too, so the last live
        // process out leaves nothing; files of live peers stay for them to remove.
        try
        {
            ClearStaleFiles(refuseLive: false);
        }
        catch (IOException e)
        {
            WarnOnce("stale", $"shm job '{Job}': left '{Path}' as it is: {e.Message}");
        }

        TryRemoveEmptyDirectory();
        _directory.Dispose();
    }

    /// <summary>
    /// ProcessExit (a normal exit, <see cref="Environment.Exit"/>; .NET's default SIGTERM
    /// handling does not raise it, hence <see cref="OnSignal"/>): remove our files, unmap
    /// nothing. A failure is a warning: an exception here would crash the exiting process.
    /// </summary>
    private void OnProcessExit(object? sender, EventArgs e)
    {
        try
        {
            RemoveOwnFiles();
            TryRemoveEmptyDirectory();
        }
        catch (IOException error)
        {
            WarnOnce("exit", $"shm job '{Job}': removing this process's files at exit failed: {error.Message}");
        }
    }

    /// <summary>SIGTERM/SIGINT/SIGQUIT: remove our files; <see cref="PosixSignalContext.Cancel"/> stays as it was, so the signal still ends the process.</summary>
    private void OnSignal(PosixSignalContext context) => OnProcessExit(null, EventArgs.Empty);

    private void RemoveOwnFiles()
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

    private void WarnOnce(string key, string message)
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

    /// <summary>
    /// Removes <paramref name="name"/> only if it is still the file <paramref name="expected"/>:
    /// renames it to a private name first (so nobody can swap it between the check and the
    /// unlink), checks the renamed file, and puts it back when it turns out to be another
    /// (a peer replaced it meanwhile). False when it was gone or not the same file.
    /// </summary>
    private bool RemoveIfSame(string name, FileIdentity expected)
    {
        string hidden = string.Create(
            CultureInfo.InvariantCulture,
            $"{name}{TemporaryMarker}{Environment.ProcessId}.rm{Interlocked.Increment(ref s_hiddenNames)}");
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

    /// <summary>Test hook: runs before each removal by identity, with the path about to be removed.</summary>
    internal static Action<string>? BeforeRemove { get; set; }

    private void TryRemoveEmptyDirectory()
    {
        string[] names;
        try
        {
            names = ListNames();
        }
        catch (DirectoryNotFoundException)
        {
            return;
        }

        if (names.Length > 0)
        {
            foreach (string name in names)
            {
                if (!IsJobFileName(name))
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

    private void WarnForeign(string name) =>
        WarnOnce(name, $"shm job '{Job}': '{FilePath(name)}' is not a file of this job; left alone (remove it yourself).");

    private static bool IsJobFileName(string name) =>
        name.StartsWith(ControlPrefix, StringComparison.Ordinal) || name.StartsWith(RingPrefix, StringComparison.Ordinal);

    private string[] ListNames() => [.. Directory.EnumerateFileSystemEntries(Path).Select(f => System.IO.Path.GetFileName(f))];

    private string FilePath(string name) => System.IO.Path.Combine(Path, name);

    private static string ControlName(int process) => ControlPrefix + process.ToString(CultureInfo.InvariantCulture);

    private static string RingName(int sender, int receiver) =>
        string.Create(CultureInfo.InvariantCulture, $"{RingPrefix}{sender}-to-{receiver}");

    /// <summary>
    /// Makes the job directory 0700, or joins the one a process of this job (same uid) made:
    /// a real directory (never a symlink) owned by this uid with mode 0700, checked on a
    /// descriptor opened without following a link, so what is checked is what is used.
    /// </summary>
    private static (SafeFileHandle Handle, FileIdentity Identity) OpenOrCreateDirectory(string path)
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

            return (handle, identity);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens job file <paramref name="name"/> without following a link and checks it on its
    /// descriptor: a regular file of this uid with mode 0600, else an error naming it. Null
    /// when nothing is there.
    /// </summary>
    private (SafeFileHandle Handle, FileIdentity Identity)? OpenJobFile(string name)
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
            CheckJobFile(path, identity);
            return (handle, identity);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private void CheckJobFile(string path, FileIdentity identity)
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

    /// <summary>
    /// Creates <paramref name="name"/> (which must not exist: <c>O_CREAT|O_EXCL|O_NOFOLLOW</c>)
    /// with mode 0600 and <paramref name="length"/> bytes reserved on the device, and maps it.
    /// </summary>
    private MappedFile CreateJobFile(string name, long length, string root, long jobBytes)
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
                throw NoSpace(root, jobBytes);
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

    private IOException NoSpace(string root, long jobBytes) => new(string.Create(
        CultureInfo.InvariantCulture,
        $"shm job '{Job}': not enough space in '{root}': process {ProcessIndex}'s rings and control file need {jobBytes} bytes, {Posix.AvailableBytes(_directory)} bytes are free. Free space there (or enlarge the tmpfs), use a smaller --ring-bytes, or another --shm-dir."));

    /// <summary>Renames our temporary file to its final name (never replacing what is there) and tracks it under that name.</summary>
    private void Publish(MappedFile file, string temporary, string name)
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

    private void ClearStaleFiles(bool refuseLive)
    {
        int self = Environment.ProcessId;
        string[] names;
        try
        {
            names = ListNames();
        }
        catch (DirectoryNotFoundException)
        {
            return;   // the last other process out already removed it
        }

        foreach (string name in names)
        {
            int marker = name.IndexOf(TemporaryMarker, StringComparison.Ordinal);
            if (!IsJobFileName(name))
            {
                WarnForeign(name);
                continue;
            }

            int? pid;
            FileIdentity identity;
            if (marker >= 0)
            {
                // A temporary file (or a removal's private name): its pid is in its name.
                if (Posix.StatAt(_directory, name, FilePath(name)) is not { } found)
                {
                    continue;
                }

                CheckJobFile(FilePath(name), found);
                identity = found;
                pid = LeadingNumber(name.AsSpan(marker + TemporaryMarker.Length));
            }
            else
            {
                if (OpenJobFile(name) is not { } opened)
                {
                    continue;   // removed meanwhile by its owner or another cleaner
                }

                identity = opened.Identity;
                pid = ReadOwnerPid(FilePath(name), opened.Handle, identity);
                if (refuseLive && pid is { } live && live != self && ProcessLiveness.IsAlive(live) && name == ControlName(ProcessIndex))
                {
                    throw new IOException(
                        $"shm job '{Job}' is in use: process {ProcessIndex} of it is running as pid {live} ('{FilePath(name)}'). Use another --job name, or stop that job.");
                }
            }

            if (pid is not { } owner)
            {
                throw new IOException($"shm job '{Job}': '{FilePath(name)}' is not a valid timely job file; refusing it. Remove it.");
            }

            bool stale = owner == self ? !s_ours.ContainsKey(FilePath(name)) : !ProcessLiveness.IsAlive(owner);
            if (stale)
            {
                RemoveIfSame(name, identity);
            }
        }
    }

    private static int? LeadingNumber(ReadOnlySpan<char> text)
    {
        int digits = 0;
        while (digits < text.Length && char.IsAsciiDigit(text[digits]))
        {
            digits++;
        }

        return int.TryParse(text[..digits], NumberStyles.None, CultureInfo.InvariantCulture, out int value) ? value : null;
    }

    /// <summary>The pid recorded in a control file or ring (its creator); null when the file is not a valid one. Takes the handle.</summary>
    private static int? ReadOwnerPid(string path, SafeFileHandle handle, FileIdentity identity)
    {
        if (identity.Size <= 0)
        {
            handle.Dispose();
            return null;
        }

        var mapped = MappedFile.Map(handle, path, identity.Size);
        if (System.IO.Path.GetFileName(path).StartsWith(ControlPrefix, StringComparison.Ordinal))
        {
            try
            {
                using var control = ControlBlock.Attach(mapped);   // disposes the mapping when invalid
                return control.Pid;
            }
            catch (InvalidDataException)
            {
                return null;
            }
        }

        using (mapped)
        {
            return mapped.Region.Length >= RingDescriptor.DataOffset ? RingDescriptor.CreatorPid(mapped.Region) : null;
        }
    }

    private void CreateOwnFiles(string root, int ringBytes)
    {
        int pid = Environment.ProcessId;
        int firstLocal = ProcessIndex * WorkersPerProcess;
        int peers = Processes * WorkersPerProcess;
        long ringLength = RingDescriptor.RequiredRegionBytes(ringBytes);
        long controlLength = ControlBlock.RequiredBytes(WorkersPerProcess);
        long jobBytes = (ringLength * WorkersPerProcess * (peers - WorkersPerProcess)) + controlLength;
        string suffix = TemporaryMarker + pid.ToString(CultureInfo.InvariantCulture);
        long free = Posix.AvailableBytes(_directory);
        if (free >= 0 && free < jobBytes)
        {
            throw NoSpace(root, jobBytes);   // before making anything; fallocate catches a peer's concurrent use
        }

        for (int receiver = firstLocal; receiver < firstLocal + WorkersPerProcess; receiver++)
        {
            for (int sender = 0; sender < peers; sender++)
            {
                if (sender / WorkersPerProcess == ProcessIndex)
                {
                    continue;
                }

                string name = RingName(sender, receiver);
                var file = CreateJobFile(name + suffix, ringLength, root, jobBytes);
                _rings[(sender, receiver)] = file;
                RingDescriptor.Initialize(file.Region, ringBytes, pid);
                Publish(file, name + suffix, name);
            }
        }

        string controlName = ControlName(ProcessIndex);
        var controlFile = CreateJobFile(controlName + suffix, controlLength, root, jobBytes);
        ControlBlock control;
        try
        {
            control = ControlBlock.Initialize(controlFile, ProcessIndex, WorkersPerProcess, pid);
        }
        catch
        {
            controlFile.Dispose();
            throw;
        }

        _controls[ProcessIndex] = control;
        Publish(controlFile, controlName + suffix, controlName);
    }

    private void Connect(Stopwatch clock, TimeSpan timeout)
    {
        int firstLocal = ProcessIndex * WorkersPerProcess;
        for (int process = 0; process < Processes; process++)
        {
            if (process == ProcessIndex)
            {
                continue;
            }

            var control = WaitForControl(process, clock, timeout);
            _controls[process] = control;
            for (int sender = firstLocal; sender < firstLocal + WorkersPerProcess; sender++)
            {
                for (int receiver = process * WorkersPerProcess; receiver < (process + 1) * WorkersPerProcess; receiver++)
                {
                    _rings[(sender, receiver)] = WaitForRing(sender, receiver, control, clock, timeout);
                }
            }
        }

        Own.State = ProcessState.Running;
        AfterPublishingRunning?.Invoke(this);
        for (int process = 0; process < Processes; process++)
        {
            var control = _controls[process]!;
            while (control.State is ProcessState.Starting)
            {
                CheckPeer(control);
                if (clock.Elapsed > timeout)
                {
                    throw new TimeoutException(
                        $"shm job '{Job}': process {process} (pid {control.Pid}) did not finish connecting within {timeout.TotalSeconds:0.#} s ('{Path}').");
                }

                Thread.Sleep(PollInterval);
            }

            // Past Starting, a peer has mapped every file it needs. Failed here may have replaced
            // Running (a worker threw right after set-up, before this loop looked): that is no
            // failed set-up, and every file we send on is mapped, so go on and let the fabric's
            // liveness report it with the peer's own reason. A dead pid still fails set-up.
            if (control.State is not ProcessState.Failed)
            {
                CheckPeer(control);
            }
        }
    }

    /// <summary>Test hook: runs in <see cref="Connect"/> right after this process published Running, before it waits for the others.</summary>
    internal static Action<JobDirectory>? AfterPublishingRunning { get; set; }

    private void CheckPeer(ControlBlock control)
    {
        if (control.State == ProcessState.Failed)
        {
            throw new IOException($"shm job '{Job}': process {control.ProcessIndex} (pid {control.Pid}) failed while connecting.");
        }

        if (control.State != ProcessState.Finished && !ProcessLiveness.IsAlive(control.Pid))
        {
            throw new IOException($"shm job '{Job}': process {control.ProcessIndex} (pid {control.Pid}) died while connecting.");
        }
    }

    /// <summary>Maps job file <paramref name="name"/> when it is there (checked as in <see cref="OpenJobFile"/>); null when not there or empty.</summary>
    private MappedFile? MapJobFile(string name)
    {
        if (OpenJobFile(name) is not { } opened)
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

    private ControlBlock WaitForControl(int process, Stopwatch clock, TimeSpan timeout)
    {
        string name = ControlName(process);
        while (true)
        {
            ControlBlock? control = null;
            if (MapJobFile(name) is { } file)
            {
                try
                {
                    control = ControlBlock.Attach(file);
                }
                catch (InvalidDataException)
                {
                    control = null;
                }
            }

            if (control is not null)
            {
                if (control.ProcessIndex == process && control.Workers == WorkersPerProcess
                    && control.State is ProcessState.Starting or ProcessState.Running && ProcessLiveness.IsAlive(control.Pid))
                {
                    return control;
                }

                if (control.ProcessIndex == process && control.Workers != WorkersPerProcess && ProcessLiveness.IsAlive(control.Pid))
                {
                    int workers = control.Workers;
                    control.Dispose();
                    throw new IOException($"shm job '{Job}': process {process} runs {workers} workers, this one {WorkersPerProcess}; every process needs the same -w.");
                }

                // A connecting owner that is dead. The clear at join removed every file whose
                // owner was already dead, so this one was alive then: a peer of this job that
                // died while connecting (SIGKILL, OOM kill: no chance to remove its file).
                // Waiting out the connect timeout would only end in a misleading "never
                // appeared"; CheckPeer names the peer now, as it does in WaitForRing.
                if (control.ProcessIndex == process && control.State is ProcessState.Starting or ProcessState.Running
                    && !ProcessLiveness.IsAlive(control.Pid))
                {
                    try
                    {
                        CheckPeer(control);
                    }
                    catch
                    {
                        control.Dispose();
                        throw;
                    }
                }

                control.Dispose();   // Finished or Failed (on its way out), or not this index's: wait for the live one
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException(
                    $"shm job '{Job}': process {process} never appeared: no live '{FilePath(name)}' within {timeout.TotalSeconds:0.#} s (--connect-timeout). Is process {process} started with the same --job?");
            }

            Thread.Sleep(PollInterval);
        }
    }

    private MappedFile WaitForRing(int sender, int receiver, ControlBlock owner, Stopwatch clock, TimeSpan timeout)
    {
        string name = RingName(sender, receiver);
        while (true)
        {
            if (MapJobFile(name) is { } file)
            {
                try
                {
                    RingDescriptor.Validate(file.Region);
                    if (RingDescriptor.CreatorPid(file.Region) == owner.Pid)
                    {
                        return file;
                    }
                }
                catch (InvalidDataException)
                {
                    // not a valid ring: a stale file; wait for the owner's
                }

                file.Dispose();   // a ring from another incarnation of the owner's index
            }

            CheckPeer(owner);
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException(
                    $"shm job '{Job}': ring '{FilePath(name)}' from process {owner.ProcessIndex} (pid {owner.Pid}) never appeared within {timeout.TotalSeconds:0.#} s (--connect-timeout).");
            }

            Thread.Sleep(PollInterval);
        }
    }
}
