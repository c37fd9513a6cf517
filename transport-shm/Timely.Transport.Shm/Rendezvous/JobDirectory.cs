using System.Diagnostics;
using System.Globalization;
using Timely.Transport.Shm.Interop;
using Timely.Transport.Shm.Layout;
using Timely.Transport.Shm.Memory;

namespace Timely.Transport.Shm.Rendezvous;

/// <summary>
/// The rendezvous of one process of a shared-memory job: a directory (default
/// <c>/dev/shm/timely-&lt;uid&gt;-&lt;job&gt;</c>) holding one control file per process
/// (a <see cref="ControlBlock"/>) and one ring file per ordered pair of workers in different
/// processes, all mode 0600 (names: <see cref="JobFileNames"/>).
/// </summary>
/// <remarks>
/// Each of the directory's other jobs has its own type: trusting, creating and removing files
/// (<see cref="JobFiles"/>: no link followed, owner and mode checked on the descriptor, removal
/// by identity only), clearing what dead jobs left (<see cref="StaleFileSweeper"/>), and
/// removing this process's files when it exits or is signalled (<see cref="ExitCleanup"/>).
/// Protocol, in <see cref="Join"/>:
/// 1. Clear what dead processes left (<see cref="StaleFileSweeper"/>), so a directory from a
///    dead job is replaced file by file and never reused. A live control file for our own
///    index means the job name is in use: refused.
/// 2. Create our control file, then, as receiver, the rings into our workers; each is written
///    under a temporary name and renamed, so a peer never maps a half-written file. The control
///    file comes first so every named ring of a live process is covered by its live control
///    file, which is all a peer of another pid namespace can judge it by.
/// 3. Connect, as sender: wait (bounded by the connect timeout) for each peer's live
///    control file, then for each ring into its workers whose creator pid is that peer's
///    pid (a ring from a dead incarnation has another pid and is not taken).
/// 4. Publish Running and wait until every peer is Running too: after that, every file any
///    process needs is mapped.
/// 5. Seal: remove the names of our own files (the mappings stay), publish Sealed, wait until
///    every peer has sealed too, then check that every file we mapped is still whole (fstat).
///    From then on no file of the job has a name, so nothing can shrink one under the job
///    through the directory (touching a lost page of a mapping would kill the process with
///    SIGBUS), and a SIGKILL leaves nothing behind; a file shrunk before it lost its name is
///    found by that last check and named. Until then every read of a peer's control file is
///    preceded by an fstat of it (<see cref="CheckWhole"/>).
/// Liveness during set-up: a peer whose pid namespace is ours is alive while its pid runs; one
/// in another namespace (a container sharing /dev/shm) while its heartbeat moves, which every
/// wait loop here bumps for our own file (<see cref="IsAlive"/>).
/// Teardown (<see cref="Dispose"/>): publish Finished (unless Failed), remove our own files
/// and those of dead processes, unmap, and remove the directory when it is empty (the last
/// process out). At process exit and on SIGTERM/SIGINT/SIGQUIT our own files are removed too
/// (<see cref="ExitCleanup"/>), without unmapping what running threads may still touch.
/// Join and Dispose run on one thread; the control blocks and rings it hands out are read by
/// the fabric's workers and liveness thread, each under the protocol of its own type.
/// </remarks>
public sealed class JobDirectory : IDisposable
{
    /// <summary>How long the heartbeat of a peer in another pid namespace may stand still during set-up before it counts as dead.</summary>
    internal static readonly TimeSpan SetupSilence = TimeSpan.FromSeconds(2);

    private readonly Dictionary<(int Process, int Pid, ulong Namespace), (long Beat, long Since)> _beats = [];

    private readonly ControlBlock?[] _controls;
    private readonly Dictionary<(int Sender, int Receiver), MappedFile> _rings = [];
    private readonly JobFiles _files;
    private ExitCleanup? _exit;

    // Our rendezvous word as last read, before the look the next pause follows (Pause).
    private int _rendezvousSeen;
    private bool _disposed;

    private JobDirectory(string job, int processIndex, int processes, int workersPerProcess, JobFiles files)
    {
        Job = job;
        ProcessIndex = processIndex;
        Processes = processes;
        WorkersPerProcess = workersPerProcess;
        _controls = new ControlBlock?[processes];
        _files = files;
    }

    /// <summary>Where shared-memory jobs live by default: <c>/dev/shm</c> (memory-backed) when present, else the temp directory.</summary>
    public static string DefaultRoot => Directory.Exists("/dev/shm") ? "/dev/shm" : System.IO.Path.GetTempPath();

    /// <summary>The job directory.</summary>
    public string Path => _files.Path;

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

    /// <summary>A warning sink that writes one line on stderr, for a program that wants them there (the library writes nothing to the console by itself).</summary>
    public static void WarnOnStandardError(string message) => Console.Error.WriteLine("timely: warning: " + message);

    private static void IgnoreWarning(string message)
    {
    }

    /// <summary>
    /// Joins job <paramref name="job"/> as process <paramref name="processIndex"/> of
    /// <paramref name="processes"/>: returns once every process has mapped every ring it sends
    /// on. Throws <see cref="IOException"/> when a live job already holds this process index,
    /// when the directory or a file in it is not one this user's job made (symlink, other
    /// owner, wrong mode, FIFO), or when the device has no room for the rings;
    /// <see cref="TimeoutException"/> naming what never appeared within
    /// <paramref name="connectTimeout"/>. <paramref name="warn"/> hears one line per foreign file
    /// left alone (null: nobody does; <see cref="WarnOnStandardError"/> writes them on stderr).
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

        var files = JobFiles.OpenDirectory(PathFor(root, job), job, processIndex, warn ?? IgnoreWarning);
        var directory = new JobDirectory(job, processIndex, processes, workersPerProcess, files);
        directory._exit = new ExitCleanup(files);
        try
        {
            StaleFileSweeper.Sweep(files, refuseLive: true);
            directory.CreateOwnFiles(root, ringBytes);
            directory.Connect(Stopwatch.StartNew(), connectTimeout);
            return directory;
        }
        catch
        {
            directory.MarkFailed();
            directory.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Publishes that this process failed (set-up failed, or a worker did), so peers stop at
    /// once; not when our control file was truncated (its words are gone, and touching them
    /// would raise SIGBUS): then peers find the truncation themselves.
    /// </summary>
    public void MarkFailed()
    {
        if (_controls[ProcessIndex] is { } own && own.Mapping.IsIntact)
        {
            try
            {
                own.State = ProcessState.Failed;
            }
            catch (IOException)
            {
                // truncated since the check: peers find the truncation themselves
            }
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
        _exit?.Dispose();
        var own = _controls[ProcessIndex];
        try
        {
            if (own is not null && own.Mapping.IsIntact && own.ProbeState() != ProcessState.Failed)
            {
                own.State = ProcessState.Finished;
            }
        }
        catch (IOException)
        {
            // truncated since the check: nothing to publish in it, and peers find the truncation
        }

        // Rings are not marked Closed: a peer past the Running barrier has mapped them but may
        // not have attached its SpscByteRing yet (which refuses a Closed ring); unlinking is
        // enough, since no process maps a ring after the barrier.
        _files.RemoveOwnFiles();
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
            StaleFileSweeper.Sweep(_files, refuseLive: false);
        }
        catch (IOException e)
        {
            _files.WarnOnce("stale", $"shm job '{Job}': left '{Path}' as it is: {e.Message}");
        }

        _files.TryRemoveEmptyDirectory();
        _files.Dispose();
    }

    private IOException NoSpace(string root, long jobBytes) => new(string.Create(
        CultureInfo.InvariantCulture,
        $"shm job '{Job}': not enough space in '{root}': process {ProcessIndex}'s rings and control file need {jobBytes} bytes, {_files.AvailableBytes} bytes are free. Free space there (or enlarge the tmpfs), use a smaller --ring-bytes, or another --shm-dir."));

    private void CreateOwnFiles(string root, int ringBytes)
    {
        int pid = Environment.ProcessId;
        int firstLocal = ProcessIndex * WorkersPerProcess;
        int peers = Processes * WorkersPerProcess;
        long ringLength = RingDescriptor.RequiredRegionBytes(ringBytes);
        long controlLength = ControlBlock.RequiredBytes(WorkersPerProcess);
        long jobBytes = (ringLength * WorkersPerProcess * (peers - WorkersPerProcess)) + controlLength;
        long free = _files.AvailableBytes;
        if (free >= 0 && free < jobBytes)
        {
            throw NoSpace(root, jobBytes);   // before making anything; fallocate catches a peer's concurrent use
        }

        // The control file first, then the rings: every ring of ours that has a name is covered
        // by our live control file. A peer of another pid namespace cannot see our pid run, so
        // its sweep keeps our rings only while our control file's heartbeat moves; with the rings
        // first, a peer that swept between our rings and our control file removed our live rings
        // (their creator pid runs nowhere it can see), and both processes waited out the
        // connect timeout for a ring that no longer existed.
        string controlName = JobFileNames.Control(ProcessIndex);
        string controlTemporary = JobFileNames.Temporary(controlName, pid);
        var controlFile = _files.Create(controlTemporary, controlLength, () => NoSpace(root, jobBytes));
        ControlBlock control;
        try
        {
            control = ControlBlock.Initialize(controlFile, ProcessIndex, WorkersPerProcess, pid, Processes);
        }
        catch
        {
            controlFile.Dispose();
            throw;
        }

        _controls[ProcessIndex] = control;
        _files.Publish(controlFile, controlTemporary, controlName);
        AfterPublishingFile?.Invoke(this, controlName);

        for (int receiver = firstLocal; receiver < firstLocal + WorkersPerProcess; receiver++)
        {
            for (int sender = 0; sender < peers; sender++)
            {
                if (sender / WorkersPerProcess == ProcessIndex)
                {
                    continue;
                }

                string name = JobFileNames.Ring(sender, receiver);
                string temporary = JobFileNames.Temporary(name, pid);
                var file = _files.Create(temporary, ringLength, () => NoSpace(root, jobBytes));
                _rings[(sender, receiver)] = file;
                RingDescriptor.Initialize(file.Region, ringBytes, pid);
                _files.Publish(file, temporary, name);
                AfterPublishingFile?.Invoke(this, name);
                CheckWhole(control).Beat();   // a sweep of another pid namespace watching our control file sees us move
            }
        }
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
            CheckWhole(control).RingRendezvous();   // our files are all named (Create): a peer waiting for them looks now
            for (int sender = firstLocal; sender < firstLocal + WorkersPerProcess; sender++)
            {
                for (int receiver = process * WorkersPerProcess; receiver < (process + 1) * WorkersPerProcess; receiver++)
                {
                    _rings[(sender, receiver)] = WaitForRing(sender, receiver, control, clock, timeout);
                }
            }
        }

        CheckWhole(Own).State = ProcessState.Running;
        RingPeers();
        AfterPublishingRunning?.Invoke(this);

        // Past Starting, a peer has mapped every file it needs. No peer runs a worker before
        // the seal below, so a Failed peer here failed its set-up.
        AwaitEveryPeer(control => control.ProbeState() is ProcessState.Starting, clock, timeout);
        Seal(clock, timeout);
    }

    /// <summary>Waits while <paramref name="waiting"/> holds for some peer, checking each before every look (file whole, alive, not failed).</summary>
    private void AwaitEveryPeer(Func<ControlBlock, bool> waiting, Stopwatch clock, TimeSpan timeout)
    {
        for (int process = 0; process < Processes; process++)
        {
            var control = _controls[process]!;
            var backoff = default(PollBackoff);
            while (waiting(CheckWhole(control)))
            {
                CheckWhole(Own).Beat();
                CheckPeer(control);
                if (clock.Elapsed > timeout)
                {
                    throw new TimeoutException(
                        $"shm job '{Job}': process {process} (pid {control.Pid}) did not finish connecting within {timeout.TotalSeconds:0.#} s ('{Path}').");
                }

                Pause(ref backoff);
            }

            // Failed once the wait is over may be a worker that threw right after the peer's own
            // set-up: the fabric's liveness reports it with the peer's reason. A dead pid still fails set-up.
            if (control.ProbeState() is not ProcessState.Failed)
            {
                CheckPeer(control);
            }
        }
    }

    /// <summary>
    /// The pause before a set-up wait's next look: the backoff's first looks yield, and its
    /// sleeps are futex waits on our control file's rendezvous word, which every peer rings when
    /// it has moved on (<see cref="RingPeers"/>, and at its first sight of our control file, when
    /// our files are all named), so a wait ends when the peer gets there, not when a sleep runs
    /// out. A native shm x2 run has process 0 wait for process 1's start, then each wait for the
    /// other's Running and seal; at the 2 ms sleeps each of those waits overran the peer's move
    /// by about a millisecond on average. The word is read after every pause, before the next
    /// look, so a ring that comes after a look changes the word the wait compares and the wait
    /// returns at once.
    /// </summary>
    private void Pause(ref PollBackoff backoff)
    {
        var pause = backoff.Next();
        if (pause == TimeSpan.Zero)
        {
            Thread.Yield();
        }
        else
        {
            CheckWhole(Own).AwaitRendezvousRing(_rendezvousSeen, pause);
        }

        _rendezvousSeen = CheckWhole(Own).RendezvousRings;
    }

    /// <summary>Rings the rendezvous word of every peer whose control file this process has mapped (see <see cref="Pause"/>).</summary>
    private void RingPeers()
    {
        foreach (var control in _controls)
        {
            if (control is not null && control.ProcessIndex != ProcessIndex)
            {
                CheckWhole(control).RingRendezvous();
            }
        }
    }

    /// <summary>Step 5 of the protocol (see the remarks): our files lose their names, then every mapped file is checked whole.</summary>
    private void Seal(Stopwatch clock, TimeSpan timeout)
    {
        _files.RemoveOwnFiles();
        CheckWhole(Own).Sealed = true;
        RingPeers();
        AwaitEveryPeer(control => !control.Sealed, clock, timeout);
        if (FindTruncatedFile() is { } truncated)
        {
            throw new IOException($"shm job '{Job}': '{truncated}' was truncated under the job (it is shorter than its mapping), so the job cannot run.");
        }
    }

    /// <summary>
    /// Throws <see cref="IOException"/> naming <paramref name="control"/>'s file when it is now
    /// shorter than its mapping (a read of its lost pages would raise SIGBUS); returns it
    /// otherwise, so a set-up loop checks it before each read of a peer's words.
    /// </summary>
    private ControlBlock CheckWhole(ControlBlock control)
    {
        if (!control.Mapping.IsIntact)
        {
            throw new IOException($"shm job '{Job}': '{control.Path}' was truncated under the job (it is shorter than its mapping), so the job cannot run.");
        }

        return control;
    }

    /// <summary>
    /// A job file is written whole under a temporary name and only then given its name, so one
    /// of no bytes under its name was truncated: named now rather than waited for.
    /// </summary>
    private void ThrowIfEmptied(string name)
    {
        if (_files.Stat(name) is { Size: 0 })
        {
            throw Truncated(name);
        }
    }

    private IOException Truncated(string name) =>
        new($"shm job '{Job}': '{_files.FilePath(name)}' was truncated under the job (it is shorter than its mapping), so the job cannot run.");

    /// <summary>
    /// Whether the owner of <paramref name="control"/> runs: by its pid when it shares our pid
    /// namespace; otherwise by its heartbeat, which must have moved within
    /// <see cref="SetupSilence"/> of the last time this process looked.
    /// </summary>
    private bool IsAlive(ControlBlock control)
    {
        if (control.PidIsVisible)
        {
            return ProcessLiveness.IsAlive(control.Pid);
        }

        var key = (control.ProcessIndex, control.Pid, control.PidNamespace);
        long beat = CheckWhole(control).Heartbeat;
        long now = Environment.TickCount64;
        if (!_beats.TryGetValue(key, out var seen) || seen.Beat != beat)
        {
            _beats[key] = (beat, now);
            return true;
        }

        return now - seen.Since <= (long)SetupSilence.TotalMilliseconds;
    }

    /// <summary>Test hook: runs in set-up right after this process gave one of its files its name (the name).</summary>
    internal static Action<JobDirectory, string>? AfterPublishingFile { get; set; }

    /// <summary>Test hook: runs in <see cref="Connect"/> right after this process published Running, before it waits for the others.</summary>
    internal static Action<JobDirectory>? AfterPublishingRunning { get; set; }

    private void CheckPeer(ControlBlock control)
    {
        if (CheckWhole(control).ProbeState() == ProcessState.Failed)
        {
            throw new IOException($"shm job '{Job}': process {control.ProcessIndex} (pid {control.Pid}) failed while connecting.");
        }

        if (control.ProbeState() != ProcessState.Finished && !IsAlive(control))
        {
            throw new IOException(control.PidIsVisible
                ? $"shm job '{Job}': process {control.ProcessIndex} (pid {control.Pid}) died while connecting."
                : $"shm job '{Job}': process {control.ProcessIndex} (pid {control.Pid} in another pid namespace) stopped beating for {SetupSilence.TotalSeconds:0.#} s while connecting: it died or hangs.");
        }
    }

    private ControlBlock WaitForControl(int process, Stopwatch clock, TimeSpan timeout)
    {
        string name = JobFileNames.Control(process);
        var backoff = default(PollBackoff);
        (int Pid, ProcessState State, bool Alive)? refused = null;   // the last file at the name not taken, for the timeout's message
        while (true)
        {
            ControlBlock? control = null;
            ThrowIfEmptied(name);
            if (_files.Map(name) is { } file)
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

            if (control is not null && !control.Mapping.IsIntact)
            {
                control.Dispose();
                throw Truncated(name);
            }

            if (control is not null)
            {
                bool live = control.ProcessIndex == process && control.ProbeState() is ProcessState.Starting or ProcessState.Running && IsAlive(control);
                if (live && control.Workers == WorkersPerProcess && control.Processes == Processes)
                {
                    return control;
                }

                if (live && control.Workers != WorkersPerProcess)
                {
                    int workers = control.Workers;
                    control.Dispose();
                    throw new IOException($"shm job '{Job}': process {process} runs {workers} workers, this one {WorkersPerProcess}; every process needs the same -w.");
                }

                if (live && control.Processes != Processes)
                {
                    int processes = control.Processes;
                    control.Dispose();
                    throw new IOException($"shm job '{Job}': process {process} counts {processes} processes in the job, this one {Processes}; every process needs the same -n.");
                }

                // A connecting owner that is dead. The clear at join removed every file whose
                // owner was already dead, so this one was alive then: a peer of this job that
                // died while connecting (SIGKILL, OOM kill: no chance to remove its file).
                // Waiting out the connect timeout would only end in a misleading "never
                // appeared"; CheckPeer names the peer now, as it does in WaitForRing.
                if (control.ProcessIndex == process && control.ProbeState() is ProcessState.Starting or ProcessState.Running
                    && !IsAlive(control))
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

                if (control.ProcessIndex == process)
                {
                    refused = (control.Pid, control.ProbeState(), IsAlive(control));
                }

                control.Dispose();   // Finished or Failed (on its way out), or not this index's: wait for the live one
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException(
                    $"shm job '{Job}': process {process} never appeared: no live '{_files.FilePath(name)}' within {timeout.TotalSeconds:0.#} s (--connect-timeout); {DescribeAbsent(process, refused)}.");
            }

            CheckWhole(Own).Beat();
            Pause(ref backoff);
        }
    }

    /// <summary>
    /// What this process saw of process <paramref name="process"/> when it never appeared, so a
    /// peer that runs but is stuck is told from one that never reached the rendezvous: the last
    /// control file at its name that was not taken (<paramref name="refused"/>), else the files
    /// it was making (its temporary names carry its pid), else nothing of it at all.
    /// </summary>
    private string DescribeAbsent(int process, (int Pid, ProcessState State, bool Alive)? refused)
    {
        if (refused is { } file)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"its control file there was from pid {file.Pid} ({(file.Alive ? "running" : "not running")}) in state {file.State}, not Starting or Running");
        }

        string[] names = _files.ListNames() ?? [];

        string? making = null;
        int? maker = null;
        foreach (string name in names.Order(StringComparer.Ordinal))
        {
            if (JobFileNames.MakerOf(name, WorkersPerProcess) != process)
            {
                continue;
            }

            making ??= name;
            if (maker is null && JobFileNames.IsTemporary(name, out int? pid) && pid is not null)
            {
                (making, maker) = (name, pid);
            }
        }

        if (maker is { } running)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"process {process} (pid {running}, {(ProcessLiveness.IsAlive(running) ? "running" : "not running")}) was making its files ('{making}') but never published its control file: it is stuck or slow in its set-up");
        }

        return making is not null
            ? $"of process {process} only '{making}' was there, without a control file (a process publishes its control file before its rings: that ring was left by an earlier process of that index)"
            : $"nothing of process {process} was in '{Path}': it never reached the rendezvous. Is it started, with the same --job and --shm-dir?";
    }

    private MappedFile WaitForRing(int sender, int receiver, ControlBlock owner, Stopwatch clock, TimeSpan timeout)
    {
        string name = JobFileNames.Ring(sender, receiver);
        var backoff = default(PollBackoff);
        while (true)
        {
            if (_files.Map(name) is { } file)
            {
                // A ring is given its name only once it is whole, so the owner's ring shorter
                // than a whole one was truncated: named now, not waited for.
                if (file.Region.Length < RingDescriptor.DataOffset
                    || (RingDescriptor.CreatorPid(file.Region) == owner.Pid && file.Region.Length < RingDescriptor.DataOffset + (long)RingDescriptor.Capacity(file.Region)))
                {
                    file.Dispose();
                    throw Truncated(name);
                }

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
            else
            {
                ThrowIfEmptied(name);
            }

            CheckPeer(owner);
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException(
                    $"shm job '{Job}': ring '{_files.FilePath(name)}' from process {owner.ProcessIndex} (pid {owner.Pid}) never appeared within {timeout.TotalSeconds:0.#} s (--connect-timeout).");
            }

            CheckWhole(Own).Beat();
            Pause(ref backoff);
        }
    }
}
