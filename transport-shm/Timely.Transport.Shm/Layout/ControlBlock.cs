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
///                     | heartbeat i64 | processes i32 | rendezvous i32       |
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
/// <c>rendezvous</c> (zero in a new file) is bumped by a peer, through a probe, each time it
/// moves on in set-up, and the owner's set-up thread sleeps on it with a futex between looks
/// (<see cref="RingRendezvous"/>, <see cref="AwaitRendezvousRing"/>): both sides reach it only
/// through the kernel, so a truncated file fails the kernel's copy, never raises SIGBUS. Its
/// bytes were always zero before; a process that never rings it leaves a waiting peer to its
/// sleep's end, so it needed no new version.
/// The failure record is written once, by the first failing worker, before state is
/// release-stored as Failed; a peer reads it only after it acquire-loads Failed.
/// Each worker's line is its own cache line: the bell word is CAS'd by senders and the
/// owner at message-rate wake-ups, and must not share a line with another worker's word.
/// Integrity (<see cref="Verify"/>): anything with write access can scribble on or truncate
/// the file, so the liveness thread and every parked worker's deadline re-check it: the
/// length first (fstat; the mapping beyond a truncated file's end raises SIGBUS), then the
/// header fields that are written once, the state and the bell words. A failure names the file.
/// A check and the read after it are two steps, and a truncation between them would still
/// raise SIGBUS, so every read or write another process's truncation can reach outside the
/// message path (the header at attach, state changes, seal, heartbeat, the failure record, the
/// check itself) goes through <see cref="MemoryRegion.TryProbeRead(long, Span{byte})"/>/<see cref="MemoryRegion.TryProbeWrite"/>,
/// a copy by the kernel that reports a lost page as an <see cref="IOException"/> naming the file.
/// Only the <see cref="State"/> getter, the bells and the finished flags (the paths a worker
/// takes per flush or per wake-up) read the mapping directly, after the liveness thread's checks.
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
    private const int RendezvousOffset = 44;
    private const int BellOffset = 0;
    private const int FinishedOffset = 4;
    private const int ParksOffset = 8;
    private const int WakesOffset = 16;

    /// <summary>Bytes of the failure record: worker, length, message.</summary>
    public const int FailureBytes = 1024;

    private readonly MappedFile _file;
    private readonly SharedDoorbell[] _bells;

    private ControlBlock(MappedFile file, ReadOnlySpan<byte> header)
    {
        _file = file;
        var region = file.Region;
        Workers = Field<int>(header, WorkersOffset);
        Pid = Field<int>(header, PidOffset);
        ProcessIndex = Field<int>(header, ProcessOffset);
        Processes = Field<int>(header, ProcessesOffset);
        PidNamespace = Field<ulong>(header, PidNamespaceOffset);
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
    /// <exception cref="IOException">The file was truncated under the job (the word's page is gone).</exception>
    public bool Sealed
    {
        get => ProbeRead<int>(SealedOffset) != 0;
        set => ProbeWrite(SealedOffset, value ? 1 : 0);
    }

    /// <summary>The file's current path.</summary>
    public string Path => _file.Path;

    /// <summary>
    /// The process's published state. The getter reads the mapping directly (a worker's path;
    /// the file must have passed a check), the setter through a probe.
    /// </summary>
    /// <exception cref="IOException">Setting: the file was truncated under the job.</exception>
    public ProcessState State
    {
        get => (ProcessState)Volatile.Read(ref _file.Region.Int32At(StateOffset));
        set => ProbeWrite(StateOffset, (int)value);
    }

    /// <summary>The liveness counter; changes while the process is alive.</summary>
    /// <exception cref="IOException">The file was truncated under the job.</exception>
    public long Heartbeat => ProbeRead<long>(HeartbeatOffset);

    /// <summary><see cref="State"/> read through a probe: for set-up and liveness loops, which may meet a file truncated under them.</summary>
    /// <exception cref="IOException">The file was truncated under the job.</exception>
    public ProcessState ProbeState() => (ProcessState)ProbeRead<int>(StateOffset);

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
        return new ControlBlock(file, region.Slice(0, CacheLine.Size));
    }

    /// <summary>Maps an existing control file; throws <see cref="InvalidDataException"/> when it is not one.</summary>
    public static ControlBlock Open(string path) => Attach(MappedFile.Open(path));

    /// <summary>
    /// Takes over a mapped control file after checking its header (read through a probe: the
    /// file may be truncated between its mapping and this read); disposes it and throws
    /// <see cref="InvalidDataException"/> when it is not one, <see cref="IOException"/> when
    /// its header's page is gone.
    /// </summary>
    internal static ControlBlock Attach(MappedFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        string path = file.Path;
        try
        {
            var region = file.Region;
            Span<byte> header = stackalloc byte[CacheLine.Size];
            if (region.Length < CacheLine.Size)
            {
                throw new InvalidDataException($"'{path}' is not a timely control file (bad magic or size).");
            }

            if (!region.TryProbeRead(0, header))
            {
                throw Truncated(path);
            }

            Interlocked.MemoryBarrier();   // an acquire load (the header was whole before the file got its name)
            if (Field<ulong>(header, 0) != Magic)
            {
                throw new InvalidDataException($"'{path}' is not a timely control file (bad magic or size).");
            }

            int version = Field<int>(header, VersionOffset);
            if (version != LayoutVersion)
            {
                throw new InvalidDataException($"'{path}' has control layout version {version}; this build reads {LayoutVersion}.");
            }

            int workers = Field<int>(header, WorkersOffset);
            if (workers <= 0 || region.Length < RequiredBytes(workers))
            {
                throw new InvalidDataException($"'{path}' claims {workers} workers but has {region.Length} bytes.");
            }

            return new ControlBlock(file, header);
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

        Span<byte> header = stackalloc byte[CacheLine.Size];
        if (!_file.Region.TryProbeRead(0, header))
        {
            throw Corrupt("truncated under the job (its header's page is gone)");
        }

        ulong magic = Field<ulong>(header, 0);
        int version = Field<int>(header, VersionOffset);
        int workers = Field<int>(header, WorkersOffset);
        int pid = Field<int>(header, PidOffset);
        int process = Field<int>(header, ProcessOffset);
        if (magic != Magic || version != LayoutVersion || workers != Workers || pid != Pid || process != ProcessIndex)
        {
            throw Corrupt($"its header changed (magic 0x{magic:x16}, version {version}, workers {workers}, pid {pid}, process {process}; expected version {LayoutVersion}, workers {Workers}, pid {Pid}, process {ProcessIndex})");
        }

        int state = Field<int>(header, StateOffset);
        if (state is < (int)ProcessState.Starting or > (int)ProcessState.Failed)
        {
            throw Corrupt($"its state word holds {state}, not a process state");
        }

        Span<byte> line = stackalloc byte[sizeof(int)];
        for (int w = 0; w < Workers; w++)
        {
            if (!_file.Region.TryProbeRead(WorkerLine(w) + BellOffset, line))
            {
                throw Corrupt($"truncated under the job (worker {w}'s line is gone)");
            }

            int word = Field<int>(line, 0);
            if (!SharedDoorbell.IsDoorbellState(word))
            {
                throw Corrupt($"worker {w}'s doorbell word holds 0x{word:x8}, not a doorbell state");
            }
        }
    }

    /// <summary>The rendezvous word as it stands (owner's set-up thread: read before a look, waited on after it).</summary>
    /// <exception cref="IOException">The file was truncated under the job.</exception>
    internal int RendezvousRings => ProbeRead<int>(RendezvousOffset);

    /// <summary>
    /// A peer, in set-up: bumps the owner's rendezvous word and wakes the owner if it sleeps on
    /// it. Read and write through probes; a lost bump between two ringers still changes the word.
    /// </summary>
    /// <exception cref="IOException">The file was truncated under the job.</exception>
    internal void RingRendezvous()
    {
        ProbeWrite(RendezvousOffset, ProbeRead<int>(RendezvousOffset) + 1);
        Futex.Wake(ref _file.Region.Int32At(RendezvousOffset));
    }

    /// <summary>
    /// The owner's set-up thread: sleeps until a peer rings or <paramref name="timeout"/>
    /// passes, at once when the word no longer holds <paramref name="seen"/> (read before the
    /// look this follows, so a ring after that look is never missed). Without a futex, sleeps.
    /// </summary>
    internal void AwaitRendezvousRing(int seen, TimeSpan timeout)
    {
        if (Futex.IsSupported)
        {
            Futex.Wait(ref _file.Region.Int32At(RendezvousOffset), seen, timeout);
        }
        else
        {
            Thread.Sleep(timeout);
        }
    }

    /// <summary>Bumps the heartbeat (owner's set-up, then liveness thread only).</summary>
    /// <exception cref="IOException">The file was truncated under the job.</exception>
    public void Beat() => ProbeWrite(HeartbeatOffset, ProbeRead<long>(HeartbeatOffset) + 1);

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

        // Truncated (wholly or in part): what is gone stays unwritten, and the state word is
        // written if its page is still there (peers check the length before trusting it).
        Span<byte> record = stackalloc byte[FailureBytes];
        Span<byte> text = record[8..];
        int length = System.Text.Encoding.UTF8.GetByteCount(message) <= text.Length
            ? System.Text.Encoding.UTF8.GetBytes(message, text)
            : System.Text.Encoding.UTF8.GetBytes(message.AsSpan(0, Math.Min(message.Length, text.Length / 4)), text);
        System.Runtime.InteropServices.MemoryMarshal.Write(record, in worker);
        System.Runtime.InteropServices.MemoryMarshal.Write(record[4..], in length);
        _file.Region.TryProbeWrite(FailureOffset, record[..(8 + length)]);
        Interlocked.MemoryBarrier();   // the record before the state that announces it
        int failed = (int)ProcessState.Failed;
        _file.Region.TryProbeWrite(StateOffset, System.Runtime.InteropServices.MemoryMarshal.AsBytes(new ReadOnlySpan<int>(in failed)));
    }

    /// <summary>The failure record (worker, message) when <see cref="State"/> is Failed and one was published; else null.</summary>
    /// <exception cref="IOException">The file was truncated under the job.</exception>
    public (int Worker, string Message)? ReadFailure()
    {
        if (ProbeState() != ProcessState.Failed)
        {
            return null;
        }

        Span<byte> record = stackalloc byte[FailureBytes];
        if (!_file.Region.TryProbeRead(FailureOffset, record))
        {
            throw Truncated(Path);
        }

        int length = Field<int>(record, 4);
        if (length <= 0 || length > FailureBytes - 8)
        {
            return null;
        }

        return (Field<int>(record, 0), System.Text.Encoding.UTF8.GetString(record.Slice(8, length)));
    }

    /// <summary>The mapped file (for its integrity check).</summary>
    internal MappedFile Mapping => _file;

    private static IOException Truncated(string path) =>
        new($"'{path}' was truncated under the job (the pages of its mapping are gone), so the job cannot run.");

    private static T Field<T>(ReadOnlySpan<byte> bytes, int offset)
        where T : unmanaged => System.Runtime.InteropServices.MemoryMarshal.Read<T>(bytes[offset..]);

    private T ProbeRead<T>(int offset)
        where T : unmanaged => _file.Region.TryProbeRead(offset, out T value) ? value : throw Truncated(Path);

    private void ProbeWrite<T>(int offset, T value)
        where T : unmanaged
    {
        Interlocked.MemoryBarrier();   // a release store, as Volatile.Write was
        if (!_file.Region.TryProbeWrite(offset, System.Runtime.InteropServices.MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in value))))
        {
            throw Truncated(Path);
        }
    }

    private InvalidDataException Corrupt(string why) =>
        new($"shm control file '{_file.Path}' of process {ProcessIndex} (pid {Pid}) is corrupt: {why}.");

    /// <summary>Unmaps; the file stays (the owner deletes it at clean shutdown).</summary>
    public void Dispose() => _file.Dispose();

    private long FailureOffset => (long)CacheLine.Size * (1 + Workers);

    private static long WorkerLine(int worker) => (long)CacheLine.Size * (1 + worker);
}
