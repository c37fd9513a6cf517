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

    private Config(CommunicationKind kind, int threads)
    {
        Kind = kind;
        Threads = threads;
    }

    /// <summary>Which allocator this config builds.</summary>
    public CommunicationKind Kind { get; }

    /// <summary>Workers in this process.</summary>
    public int Threads { get; }

    /// <summary>This process's index in a cluster (0 otherwise).</summary>
    public int ProcessIndex { get; init; }

    /// <summary>Processes in the computation (1 unless a cluster).</summary>
    public int Processes { get; init; } = 1;

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
    /// Capacity of each byte ring (ProcessBinary, shared memory, TCP's in-process rings); a
    /// power of two. Unless set, <see cref="DerivedRingBytes"/> of <see cref="Peers"/>: derived
    /// from what every process of a job is given alike, so all of them size their rings the same.
    /// </summary>
    public int RingBytes
    {
        get => _ringBytes ?? DerivedRingBytes(Peers);
        init => _ringBytes = value;
    }

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

    private static int CheckThreads(int threads)
    {
        if (threads < 1)
        {
            throw new ConfigException($"threads: {threads} workers requested; at least 1 is needed.");
        }

        return threads;
    }
}
