using System.Globalization;
using Timely.Communication.Fabrics;
using Timely.Communication.Logging;
using Timely.Communication.Startup;

namespace Timely.Communication;

/// <summary>
/// What communication a computation uses: timely's <c>Config</c>, a closed set of
/// variants (<see cref="Kind"/>) with the settings that go with them. One place,
/// <see cref="Workers.Initialize{T}"/>, turns a config into allocators, so adding a variant
/// means one new case there, not a search for every place that builds a transport.
/// </summary>
/// <remarks>
/// A record, so variations read as <c>Config.Process(4) with { Pin = true }</c>.
/// </remarks>
public sealed record Config
{
    /// <summary>Largest per-pair byte-ring capacity the default gives (few workers): 1 MiB.</summary>
    public const int DefaultRingBytes = 1 << 20;

    /// <summary>
    /// What the default ring size keeps a job's rings within, all processes together, up to
    /// 128 workers: 64 MiB (see <see cref="DerivedRingBytes"/>).
    /// </summary>
    public const long DefaultRingBudgetBytes = 64L << 20;

    /// <summary>Smallest ring capacity (<c>--ring-bytes</c>' lower bound, and the floor of the default).</summary>
    public const int MinRingBytes = 4096;

    private readonly int? _ringBytes;

    /// <summary>Default number of polls an idle worker spins before it sleeps.</summary>
    public const int DefaultSpinIterations = 200;

    /// <summary>Most worker threads one process may ask for (<c>-w</c>), and most processes in a cluster (<c>-n</c>).</summary>
    public const int MaxThreads = 4096;

    /// <summary>Largest byte-ring capacity (<c>--ring-bytes</c>): 1 GiB.</summary>
    public const int MaxRingBytes = 1 << 30;

    /// <summary>Smallest <c>--max-message-bytes</c>.</summary>
    public const int MinMaxMessageBytes = 1024;

    /// <summary>Largest <c>--max-message-bytes</c>: what a frame's length field can carry beside its header.</summary>
    public const int MaxMaxMessageBytes = int.MaxValue - 48;

    /// <summary>Longest <c>--connect-timeout</c> or <c>--peer-timeout</c>, in seconds: one day.</summary>
    public const double MaxTimeoutSeconds = 86400;

    private readonly CommunicationKind? _kind;

    /// <summary>
    /// One worker and no communication (<see cref="Thread"/>) until its properties say more: the
    /// constructor configuration binding needs (<c>section.Get&lt;Config&gt;()</c>). Set
    /// <see cref="Threads"/>, <see cref="Processes"/> and the rest; <see cref="Kind"/> follows
    /// from them unless set. <see cref="Validate"/> (called by <see cref="Workers.Build"/>) names
    /// what does not fit together.
    /// </summary>
    public Config()
    {
    }

    private Config(CommunicationKind kind, int threads)
    {
        _kind = kind;
        Threads = threads;
    }

    /// <summary>Workers in this process.</summary>
    public int Threads { get; init; } = 1;

    /// <summary>This process's index in a cluster (0 otherwise).</summary>
    public int ProcessIndex { get; init; }

    /// <summary>Processes in the computation (1 unless a cluster).</summary>
    public int Processes { get; init; } = 1;

    /// <summary>
    /// Which allocator this config builds. Unless set (the factories set it), as timely's flags
    /// decide: more than one process is a <see cref="CommunicationKind.Cluster"/>, else more than
    /// one thread is <see cref="CommunicationKind.Process"/>, else <see cref="CommunicationKind.Thread"/>.
    /// </summary>
    /// <remarks>
    /// Declared after <see cref="Threads"/> and <see cref="Processes"/> on purpose: configuration
    /// binding sets properties in declaration order and sets this one from its getter when the
    /// section does not name it, so it must see the bound thread and process counts.
    /// </remarks>
    public CommunicationKind Kind
    {
        get => _kind ?? (Processes > 1 ? CommunicationKind.Cluster : Threads > 1 ? CommunicationKind.Process : CommunicationKind.Thread);
        init => _kind = value;
    }

    /// <summary>One <c>host:port</c> per process (cluster only).</summary>
    public IReadOnlyList<string> Addresses { get; init; } = [];

    /// <summary>How cluster processes reach each other.</summary>
    public TransportKind Transport { get; init; } = TransportKind.Auto;

    /// <summary>Largest message payload a TCP peer may send (<c>--max-message-bytes</c>); a longer frame fails its connection before anything is allocated.</summary>
    public int MaxMessageBytes { get; init; } = 256 << 20;

    /// <summary>This host's identity for <c>--transport auto</c> (<c>--host-id</c>); null: the machine name. Tests override it to pretend to be elsewhere.</summary>
    public string? HostIdentity { get; init; }

    /// <summary>
    /// Pin worker <c>i</c> (global index) to a core: <c>Cores[i % Cores.Count]</c> when
    /// <see cref="Cores"/> is given, else core <c>i % Environment.ProcessorCount</c>.
    /// Linux only; elsewhere <see cref="Workers.Initialize{T}"/> refuses it.
    /// </summary>
    public bool Pin { get; init; }

    /// <summary>Explicit core list for <see cref="Pin"/>.</summary>
    public IReadOnlyList<int>? Cores { get; init; }

    /// <summary>Polls of its queues an idle worker makes before it parks on its doorbell.</summary>
    public int SpinIterations { get; init; } = DefaultSpinIterations;

    /// <summary>
    /// Whether a TCP process of one worker and one peer lets the worker read its socket while it
    /// is awake (the default); false keeps every frame on the receive thread, the path of every
    /// other shape. Tests set it to hold the two paths to the same contract.
    /// </summary>
    internal bool TcpWorkerReads { get; init; } = true;

    /// <summary>
    /// Capacity of each byte ring (ProcessBinary, shared memory, TCP's in-process rings); a
    /// power of two. Unless set, <see cref="DerivedRingBytes"/> of <see cref="Peers"/>: derived
    /// from what every process of a job is given alike, so all of them size their rings the same.
    /// </summary>
    public int RingBytes
    {
        get => _ringBytes ?? DerivedRingBytes(Peers);
        init => _ringBytes = value;
    }

    /// <summary>
    /// A soft budget for the bytes this process holds in its overflow queues (messages waiting
    /// for room in a full ring, <see cref="Timely.Transport.Shm.Ring.OverflowAccount"/>): while
    /// the total is above it, the job's sources (input handles and async sources) wait, stepping
    /// their worker, instead of sending more. Null (the default): no budget.
    /// </summary>
    public long? OverflowBudgetBytes { get; init; }

    /// <summary>
    /// A hard limit on the bytes this process holds in its overflow queues: a worker whose
    /// message would take the total above it fails with an error naming the channel (an
    /// operator that produces without bound), instead of the process running out of memory.
    /// Null (the default): no limit.
    /// </summary>
    public long? OverflowLimitBytes { get; init; }

    /// <summary>Default bound on a cluster's rendezvous (<c>--connect-timeout</c>).</summary>
    public static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Default bound on a silent peer before it counts as failed (<c>--peer-timeout</c>).</summary>
    public static readonly TimeSpan DefaultPeerTimeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Least <c>--peer-timeout</c> accepted: five shared-memory liveness periods (heartbeat and
    /// check every 100 ms), so a healthy peer always beats several times within it.
    /// </summary>
    public static readonly TimeSpan MinimumPeerTimeout = ShmFabric.LivenessPeriod * 5;

    /// <summary>
    /// Name shared by the processes of one shared-memory job (<c>--job</c>); their files meet
    /// in <c>&lt;ShmDirectory&gt;/timely-&lt;uid&gt;-&lt;job&gt;</c> (the uid keeps users apart, so a
    /// predictable name cannot be squatted by another user). Null: derived from the address
    /// list (<see cref="EffectiveJobName"/>).
    /// </summary>
    public string? JobName { get; init; }

    /// <summary>Where shared-memory job directories are created (<c>--shm-dir</c>); null: <c>/dev/shm</c> when present, else the temp directory.</summary>
    public string? ShmDirectory { get; init; }

    /// <summary>
    /// The key every process of a TCP cluster proves at each connection (<c>--secret-file</c>,
    /// else <c>TIMELY_SECRET</c>; see <see cref="SecretSource"/>); null: the job id alone admits a peer.
    /// </summary>
    public Timely.Transport.Tcp.ClusterSecret? Secret { get; init; }

    /// <summary>How long processes of a cluster wait for each other at start.</summary>
    public TimeSpan ConnectTimeout { get; init; } = DefaultConnectTimeout;

    /// <summary>
    /// How long a peer process may stay silent (heartbeat not moving) before its workers'
    /// peers fail; a peer whose pid is gone fails at the next liveness check (~100 ms).
    /// </summary>
    public TimeSpan PeerTimeout { get; init; } = DefaultPeerTimeout;

    /// <summary>
    /// A file holding the cluster secret (<c>--secret-file</c>), read when the workers start
    /// unless <see cref="Secret"/> is set; it must be readable by its owner only.
    /// </summary>
    public string? SecretFile { get; init; }

    /// <summary>Default <see cref="StopTimeout"/>.</summary>
    public static readonly TimeSpan DefaultStopTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// After a cancelled run closed its inputs, how long its workers may take to finish what is
    /// in flight before each stops with an <see cref="OperationCanceledException"/> (the run's
    /// stated bound: cancellation, then at most this, then the workers' last step).
    /// </summary>
    public TimeSpan StopTimeout { get; init; } = DefaultStopTimeout;

    /// <summary>
    /// Where the library's own diagnostics go (a shared-memory file left alone, a refused TCP
    /// connection): a logger or any callback, called on the thread that noticed (a worker, a
    /// set-up or a liveness thread). Null: they go to <see cref="Diagnostics.TimelyEventSource"/>
    /// only. The library never writes to the console itself.
    /// </summary>
    public Action<Diagnostics.DiagnosticMessage>? Diagnostics { get; init; }

    /// <summary>Makes the logger of each network thread from its set-up (timely's <c>log_fn</c>); null: no communication logging there.</summary>
    public Func<CommunicationSetup, Timely.Logging.Logger<CommunicationEvent>?>? CommunicationLogging { get; init; }

    /// <summary>
    /// <see cref="JobName"/>, or when absent a name derived from the address list (a stable
    /// FNV-1a hash), so processes started with the same hostfile meet without <c>--job</c>.
    /// </summary>
    public string EffectiveJobName
    {
        get
        {
            if (JobName is not null)
            {
                return JobName;
            }

            ulong hash = 14695981039346656037UL;
            foreach (char c in string.Join(',', Addresses) + "|" + Threads.ToString(CultureInfo.InvariantCulture))
            {
                hash = (hash ^ c) * 1099511628211UL;
            }

            return "auto-" + hash.ToString("x16", CultureInfo.InvariantCulture);
        }
    }

    /// <summary>Total workers in the computation.</summary>
    public int Peers => Threads * Processes;

    /// <summary>
    /// The default ring capacity for a job of <paramref name="workers"/> workers (all
    /// processes): the largest power of two at most <see cref="DefaultRingBudgetBytes"/> /
    /// workers², within <see cref="MinRingBytes"/>..<see cref="DefaultRingBytes"/>. A job
    /// has at most one ring per ordered pair of workers, so its rings take at most
    /// workers² × this: 64 MiB up to 128 workers (1 MiB rings up to 8 workers, 16 KiB at 64),
    /// and workers² × 4 KiB beyond.
    /// </summary>
    public static int DerivedRingBytes(int workers)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(workers);
        long perRing = DefaultRingBudgetBytes / ((long)workers * workers);
        long powerOfTwo = 1L << System.Numerics.BitOperations.Log2((ulong)perRing);   // the largest at most perRing (perRing 0: 1)
        return (int)Math.Clamp(powerOfTwo, MinRingBytes, DefaultRingBytes);
    }

    /// <summary>One worker, no communication.</summary>
    public static Config Thread => new(CommunicationKind.Thread, 1);

    /// <summary><paramref name="threads"/> workers in this process, exchanging objects.</summary>
    public static Config Process(int threads) => new(CommunicationKind.Process, CheckThreads(threads));

    /// <summary><paramref name="threads"/> workers in this process, exchanging serialized bytes through byte rings.</summary>
    public static Config ProcessBinary(int threads) => new(CommunicationKind.ProcessBinary, CheckThreads(threads));

    /// <summary>
    /// Process <paramref name="processIndex"/> of <c>addresses.Count</c>, each with
    /// <paramref name="threads"/> workers; worker <c>process * threads + local</c> globally.
    /// </summary>
    public static Config Cluster(int threads, int processIndex, IReadOnlyList<string> addresses, TransportKind transport = TransportKind.Auto)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        CheckThreads(threads);
        if (addresses.Count < 1)
        {
            throw new ConfigException("cluster: the address list is empty.");
        }

        if (processIndex < 0 || processIndex >= addresses.Count)
        {
            throw new ConfigException($"cluster: process index {processIndex} is outside 0..{addresses.Count - 1} ({addresses.Count} addresses).");
        }

        return new Config(CommunicationKind.Cluster, threads)
        {
            ProcessIndex = processIndex,
            Processes = addresses.Count,
            Addresses = addresses.ToArray(),
            Transport = transport,
        };
    }

    /// <summary>
    /// Parses timely's flags (<c>-w/--threads</c>, <c>-p/--process</c>, <c>-n/--processes</c>,
    /// <c>-h/--hostfile</c>, <c>-z/--zerocopy</c>) and Timely.Native's (<c>--transport</c>,
    /// <c>--pin</c>, <c>--cores</c>, <c>--ring-bytes</c>, <c>--spin</c>, and for shared memory
    /// <c>--job</c>, <c>--shm-dir</c>, <c>--connect-timeout</c> and <c>--peer-timeout</c> in seconds). Arguments it does not
    /// know are returned in <paramref name="remaining"/>, in order. Throws
    /// <see cref="ConfigException"/> with the offending flag named.
    /// </summary>
    /// <remarks>
    /// As in timely: more than one process makes a cluster; else more than one thread makes
    /// Process (or ProcessBinary with <c>-z</c>); else Thread. Without a hostfile, process
    /// <c>i</c> is at <c>127.0.0.1:(2101 + i)</c>.
    /// </remarks>
    public static Config FromArgs(IEnumerable<string> args, out List<string> remaining) => ConfigParser.Parse(args, out remaining);

    /// <summary>
    /// Checks that the settings fit together (a config built by the factories always does; one
    /// bound from configuration may not). Throws <see cref="ConfigException"/> naming the first
    /// setting that does not.
    /// </summary>
    public void Validate()
    {
        if (Threads < 1 || Threads > MaxThreads)
        {
            throw new ConfigException($"threads: {Threads} workers requested; 1 to {MaxThreads} per process are allowed.");
        }

        if (Processes < 1 || Processes > MaxThreads)
        {
            throw new ConfigException($"processes: {Processes} requested; 1 to {MaxThreads} are allowed.");
        }

        if (ProcessIndex < 0 || ProcessIndex >= Processes)
        {
            throw new ConfigException($"process index {ProcessIndex} is outside 0..{Processes - 1} ({Processes} processes).");
        }

        switch (Kind)
        {
            case CommunicationKind.Thread when Threads != 1:
                throw new ConfigException($"kind Thread runs one worker; {Threads} threads were asked for (use kind Process).");
            case CommunicationKind.Thread or CommunicationKind.Process or CommunicationKind.ProcessBinary when Processes != 1:
                throw new ConfigException($"kind {Kind} runs in one process; {Processes} processes were asked for (use kind Cluster).");
            case CommunicationKind.Cluster when Addresses.Count != 0 && Addresses.Count != Processes:
                throw new ConfigException($"cluster: {Addresses.Count} addresses for {Processes} processes; give one host:port per process.");
            case CommunicationKind.Cluster when Addresses.Count == 0 && Transport != TransportKind.Shm:
                throw new ConfigException($"cluster over {Transport}: no addresses; give one host:port per process (only transport Shm needs none).");
        }

        CheckTimeout("connect timeout", ConnectTimeout, TimeSpan.FromMilliseconds(1));
        CheckTimeout("peer timeout", PeerTimeout, MinimumPeerTimeout);
        CheckTimeout("stop timeout", StopTimeout, TimeSpan.Zero);
        if (SpinIterations < 0)
        {
            throw new ConfigException($"spin: {SpinIterations} is negative.");
        }

        if (_ringBytes is int ring && (ring < MinRingBytes || ring > MaxRingBytes || !int.IsPow2(ring)))
        {
            throw new ConfigException($"ring bytes: {ring} is not a power of two within {MinRingBytes}..{MaxRingBytes}.");
        }

        if (OverflowBudgetBytes is <= 0 || OverflowLimitBytes is <= 0)
        {
            throw new ConfigException($"overflow budget and limit: {OverflowBudgetBytes}, {OverflowLimitBytes}; each must be a positive number of bytes when given.");
        }

        if (MaxMessageBytes < MinMaxMessageBytes || MaxMessageBytes > MaxMaxMessageBytes)
        {
            throw new ConfigException($"max message bytes: {MaxMessageBytes} is outside {MinMaxMessageBytes}..{MaxMaxMessageBytes}.");
        }

        if (SecretFile is not null && Secret is null)
        {
            _ = SecretSource.Load(SecretFile, null);
        }
    }

    /// <summary>The same config with <see cref="Secret"/> read from <see cref="SecretFile"/> when that is given and no secret is.</summary>
    internal Config WithSecretLoaded() =>
        SecretFile is not null && Secret is null ? this with { Secret = SecretSource.Load(SecretFile, null) } : this;

    /// <summary>Hands a diagnostic to <see cref="Diagnostics"/>, and always to the event source.</summary>
    internal void Report(Diagnostics.DiagnosticLevel level, string source, string message)
    {
        var diagnostic = new Diagnostics.DiagnosticMessage(level, source, message);
        Timely.Communication.Diagnostics.TimelyEventSource.Log.Diagnostic(diagnostic);
        Diagnostics?.Invoke(diagnostic);
    }

    private static void CheckTimeout(string name, TimeSpan value, TimeSpan least)
    {
        if (value < least || value > TimeSpan.FromSeconds(MaxTimeoutSeconds))
        {
            throw new ConfigException($"{name}: {value.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s is outside {least.TotalSeconds.ToString(CultureInfo.InvariantCulture)}..{MaxTimeoutSeconds.ToString(CultureInfo.InvariantCulture)} s.");
        }
    }

    private static int CheckThreads(int threads)
    {
        if (threads < 1)
        {
            throw new ConfigException($"threads: {threads} workers requested; at least 1 is needed.");
        }

        return threads;
    }
}
