using Timely.Bytes;
using Timely.Transport.Shm.Memory;
using Timely.Transport.Shm.Wakeup;

namespace Timely.Transport.Shm.Layout;

/// <summary>
/// One process's control file in a job directory: who it is (pid, index), how it is doing
/// (state, heartbeat) and, per local worker, the doorbell word other processes ring and
/// the worker's finished flag. Also the one place that knows this file's layout.
/// </summary>
/// <remarks>
/// <code>
/// offset 0            +----------------------------------------------------------+
///                     | magic u64 "TIMELYPC" | version i32 | workers i32         |
///                     | pid i32 | process i32 | state i32 | sealed i32         |
///                     | heartbeat i64 | processes i32 | zero i32             |
///                     | pid namespace u64 | zero ...                    | 1 line
/// offset L*(1+w)      +----------------------------------------------------------+
///  (L = CacheLine)    | bell word i32 | finished i32 | parks i64 | wakes i64 |  |
///                     | zero ...            (worker w's line, w in 0..workers) |
/// offset L*(1+workers)+----------------------------------------------------------+
///                     | failed worker i32 | message length i32 | UTF-8 message |
///                     | ... (FailureBytes in all)                              |
///                     +----------------------------------------------------------+
/// </code>
/// Design: the header is written once before the file is renamed into place (so a reader
/// that opens it sees it whole) except <c>state</c> (release-stored by the owner process,
/// acquire-loaded by peers), <c>sealed</c> (set once by the owner when it has removed its
/// files' names, see <see cref="Rendezvous.JobDirectory"/>) and <c>heartbeat</c> (bumped by
/// the owner's set-up thread, then by its liveness thread, read by peers' monitors; only its
/// change matters, so plain volatile accesses suffice). <c>processes</c> lets a peer started
/// with another <c>-n</c> be named at once; <c>pid namespace</c> tells a peer whether the pid
/// means anything to it (a process in another container sharing <c>/dev/shm</c> is judged by
/// its heartbeat alone). Version 2 added sealed, processes and the pid namespace.
/// The failure record is written once, by the first failing worker, before state is
/// release-stored as Failed; a peer reads it only after it acquire-loads Failed.
/// Each worker's line is its own cache line: the bell word is CAS'd by senders and the
/// owner at message-rate wake-ups, and must not share a line with another worker's word.
/// Integrity (<see cref="Verify"/>): anything with write access can scribble on or truncate
/// the file, so the liveness thread and every parked worker's deadline re-check it: the
/// length first (fstat; the mapping beyond a truncated file's end raises SIGBUS), then the
/// header fields that are written once, the state and the bell words. A failure names the file.
/// </remarks>
public sealed class ControlBlock : IDisposable
{
    /// <summary>"TIMELYPC" read as a little-endian u64.</summary>
    public const ulong Magic = 0x4350_594C_454D_4954;

    /// <summary>Bumped on any change to the layout above.</summary>
    public const int LayoutVersion = 2;

    private const int VersionOffset = 8;
    private const int WorkersOffset = 12;
    private const int PidOffset = 16;
    private const int ProcessOffset = 20;
    private const int StateOffset = 24;
    private const int SealedOffset = 28;
    private const int HeartbeatOffset = 32;
    private const int ProcessesOffset = 40;
    private const int PidNamespaceOffset = 48;
    private const int BellOffset = 0;
    private const int FinishedOffset = 4;
    private const int ParksOffset = 8;
    private const int WakesOffset = 16;

    /// <summary>Bytes of the failure record: worker, length, message.</summary>
    public const int FailureBytes = 1024;

    private readonly MappedFile _file;
    private readonly SharedDoorbell[] _bells;

    private ControlBlock(MappedFile file)
    {
        _file = file;
        var region = file.Region;
        Workers = region.Int32At(WorkersOffset);
        Pid = region.Int32At(PidOffset);
        ProcessIndex = region.Int32At(ProcessOffset);
        Processes = region.Int32At(ProcessesOffset);
        PidNamespace = (ulong)region.Int64At(PidNamespaceOffset);
        _bells = new SharedDoorbell[Workers];
        for (int w = 0; w < Workers; w++)
        {
            long line = WorkerLine(w);
            _bells[w] = new SharedDoorbell(region, line + BellOffset, line + ParksOffset, line + WakesOffset)
            {
                Verify = Verify,
            };
        }
    }

    /// <summary>Workers of the process.</summary>
    public int Workers { get; }

    /// <summary>The process's id.</summary>
    public int Pid { get; }

    /// <summary>The process's index in the job.</summary>
    public int ProcessIndex { get; }

    /// <summary>Processes in the job, as the owner counts them.</summary>
    public int Processes { get; }

    /// <summary>The owner's pid namespace (<see cref="Rendezvous.ProcessLiveness.PidNamespace"/>).</summary>
    public ulong PidNamespace { get; }

    /// <summary>Whether <see cref="Pid"/> names the owner in this process's pid namespace (so its liveness can be read from the pid).</summary>
    public bool PidIsVisible => PidNamespace == Rendezvous.ProcessLiveness.PidNamespace;

    /// <summary>Set by the owner once its files no longer have names in the job directory (every process has mapped them).</summary>
    public bool Sealed
    {
        get => Volatile.Read(ref _file.Region.Int32At(SealedOffset)) != 0;
        set => Volatile.Write(ref _file.Region.Int32At(SealedOffset), value ? 1 : 0);
    }
    /// <summary>The file's current path.</summary>
    public string Path => _file.Path;

    /// <summary>The process's published state.</summary>
    public ProcessState State
    {
        get => (ProcessState)Volatile.Read(ref _file.Region.Int32At(StateOffset));
        set => Volatile.Write(ref _file.Region.Int32At(StateOffset), (int)value);
    }

    /// <summary>The liveness counter; changes while the process is alive.</summary>
    public long Heartbeat => Volatile.Read(ref _file.Region.Int64At(HeartbeatOffset));

    /// <summary>Bytes of a control file for <paramref name="workers"/> workers.</summary>
    public static long RequiredBytes(int workers) => ((long)CacheLine.Size * (1 + workers)) + FailureBytes;

    /// <summary>
    /// Creates the control file at <paramref name="path"/> (replacing what is there) in state
    /// <see cref="ProcessState.Starting"/>: written under a temporary name, then renamed, so a
    /// peer never maps a half-written header.
    /// </summary>
    public static ControlBlock Create(string path, int processIndex, int workers, int pid, int processes = 1)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(workers);
        string temporary = path + ".tmp." + pid.ToString(System.Globalization.CultureInfo.InvariantCulture);
        File.Delete(temporary);
        var file = MappedFile.Create(temporary, RequiredBytes(workers));
        try
        {
            var block = Initialize(file, processIndex, workers, pid, processes);
            file.MoveTo(path);
            return block;
        }
        catch
        {
            file.Dispose();
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>
    /// Writes a fresh header (state <see cref="ProcessState.Starting"/>) into <paramref name="file"/>,
    /// not yet at its final name (the caller renames it into place), and takes it over.
    /// </summary>
    internal static ControlBlock Initialize(MappedFile file, int processIndex, int workers, int pid, int processes)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(workers);
        var region = file.Region;
        if (region.Length < RequiredBytes(workers))
        {
            throw new ArgumentException($"'{file.Path}' has {region.Length} bytes; a control file for {workers} workers needs {RequiredBytes(workers)}.", nameof(file));
        }

        region.Int32At(VersionOffset) = LayoutVersion;
        region.Int32At(WorkersOffset) = workers;
        region.Int32At(PidOffset) = pid;
        region.Int32At(ProcessOffset) = processIndex;
        region.Int32At(StateOffset) = (int)ProcessState.Starting;
        region.Int32At(ProcessesOffset) = processes;
        region.Int64At(PidNamespaceOffset) = (long)Rendezvous.ProcessLiveness.PidNamespace;
        Volatile.Write(ref region.Int64At(0), (long)Magic);
        return new ControlBlock(file);
    }

    /// <summary>Maps an existing control file; throws <see cref="InvalidDataException"/> when it is not one.</summary>
    public static ControlBlock Open(string path) => Attach(MappedFile.Open(path));

    /// <summary>Takes over a mapped control file after checking its header; disposes it and throws <see cref="InvalidDataException"/> when it is not one.</summary>
    internal static ControlBlock Attach(MappedFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        string path = file.Path;
        try
        {
            var region = file.Region;
            if (region.Length < CacheLine.Size || (ulong)Volatile.Read(ref region.Int64At(0)) != Magic)
            {
                throw new InvalidDataException($"'{path}' is not a timely control file (bad magic or size).");
            }

            int version = region.Int32At(VersionOffset);
            if (version != LayoutVersion)
            {
                throw new InvalidDataException($"'{path}' has control layout version {version}; this build reads {LayoutVersion}.");
            }

            int workers = region.Int32At(WorkersOffset);
            if (workers <= 0 || region.Length < RequiredBytes(workers))
            {
                throw new InvalidDataException($"'{path}' claims {workers} workers but has {region.Length} bytes.");
            }

            return new ControlBlock(file);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Reads the pid of a control file without keeping it mapped; null when it is not a valid control file.</summary>
    public static int? TryReadPid(string path)
    {
        try
        {
            using var block = Open(path);
            return block.Pid;
        }
        catch (InvalidDataException)
        {
            return null;
        }
        catch (IOException)
        {
            return null;   // removed or half-created meanwhile: not a live process's file
        }
    }

    /// <summary>
    /// Throws <see cref="InvalidDataException"/> naming the file when it is no longer this
    /// control block: truncated below its size (checked first, with fstat, before any byte
    /// beyond the header is read), a changed magic, version, worker count, pid or index, a
    /// state outside the enum, or a bell word that holds no doorbell state.
    /// </summary>
    public void Verify()
    {
        long length = _file.FileLength;
        if (length < RequiredBytes(Workers))
        {
            throw Corrupt($"truncated to {length} bytes; a control file of {Workers} workers has {RequiredBytes(Workers)}");
        }

        var region = _file.Region;
        ulong magic = (ulong)Volatile.Read(ref region.Int64At(0));
        int version = Volatile.Read(ref region.Int32At(VersionOffset));
        int workers = Volatile.Read(ref region.Int32At(WorkersOffset));
        int pid = Volatile.Read(ref region.Int32At(PidOffset));
        int process = Volatile.Read(ref region.Int32At(ProcessOffset));
        if (magic != Magic || version != LayoutVersion || workers != Workers || pid != Pid || process != ProcessIndex)
        {
            throw Corrupt($"its header changed (magic 0x{magic:x16}, version {version}, workers {workers}, pid {pid}, process {process}; expected version {LayoutVersion}, workers {Workers}, pid {Pid}, process {ProcessIndex})");
        }

        int state = Volatile.Read(ref region.Int32At(StateOffset));
        if (state is < (int)ProcessState.Starting or > (int)ProcessState.Failed)
        {
            throw Corrupt($"its state word holds {state}, not a process state");
        }

        for (int w = 0; w < Workers; w++)
        {
            int word = Volatile.Read(ref region.Int32At(WorkerLine(w) + BellOffset));
            if (!SharedDoorbell.IsDoorbellState(word))
            {
                throw Corrupt($"worker {w}'s doorbell word holds 0x{word:x8}, not a doorbell state");
            }
        }
    }

    /// <summary>Bumps the heartbeat (owner's liveness thread only).</summary>
    public void Beat()
    {
        ref long beat = ref _file.Region.Int64At(HeartbeatOffset);
        Volatile.Write(ref beat, beat + 1);
    }

    /// <summary>Worker <paramref name="worker"/>'s (local index) doorbell.</summary>
    public SharedDoorbell Bell(int worker) => _bells[worker];

    /// <summary>Whether local worker <paramref name="worker"/> has returned.</summary>
    public bool IsFinished(int worker) =>
        Volatile.Read(ref _file.Region.Int32At(WorkerLine(worker) + FinishedOffset)) != 0;

    /// <summary>Publishes that local worker <paramref name="worker"/> returned.</summary>
    public void MarkFinished(int worker) =>
        Volatile.Write(ref _file.Region.Int32At(WorkerLine(worker) + FinishedOffset), 1);

    /// <summary>
    /// Publishes that global worker <paramref name="worker"/> failed with <paramref name="message"/>
    /// (truncated to fit), then state Failed. Call once, from the first failure.
    /// </summary>
    public void PublishFailure(int worker, string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (_file.FileLength < RequiredBytes(Workers))
        {
            // Truncated: the record's bytes are gone (touching them raises SIGBUS); the state
            // word is in the header line, which the peers check the length before trusting.
            if (_file.FileLength >= StateOffset + sizeof(int))
            {
                State = ProcessState.Failed;
            }

            return;
        }

        long at = FailureOffset;
        Span<byte> text = _file.Region.Slice(at + 8, FailureBytes - 8);
        int length = System.Text.Encoding.UTF8.GetByteCount(message) <= text.Length
            ? System.Text.Encoding.UTF8.GetBytes(message, text)
            : System.Text.Encoding.UTF8.GetBytes(message.AsSpan(0, Math.Min(message.Length, text.Length / 4)), text);
        _file.Region.Int32At(at) = worker;
        _file.Region.Int32At(at + 4) = length;
        State = ProcessState.Failed;
    }

    /// <summary>The failure record (worker, message) when <see cref="State"/> is Failed and one was published; else null.</summary>
    public (int Worker, string Message)? ReadFailure()
    {
        if (State != ProcessState.Failed)
        {
            return null;
        }

        long at = FailureOffset;
        int length = _file.Region.Int32At(at + 4);
        if (length <= 0 || length > FailureBytes - 8)
        {
            return null;
        }

        return (_file.Region.Int32At(at), System.Text.Encoding.UTF8.GetString(_file.Region.Slice(at + 8, length)));
    }

    /// <summary>The mapped file (for its integrity check).</summary>
    internal MappedFile Mapping => _file;

    private InvalidDataException Corrupt(string why) =>
        new($"shm control file '{_file.Path}' of process {ProcessIndex} (pid {Pid}) is corrupt: {why}.");

    /// <summary>Unmaps; the file stays (the owner deletes it at clean shutdown).</summary>
    public void Dispose() => _file.Dispose();

    private long FailureOffset => (long)CacheLine.Size * (1 + Workers);

    private static long WorkerLine(int worker) => (long)CacheLine.Size * (1 + worker);
}
