using System.Globalization;
using Timely.Communication.Fabrics;
using Timely.Communication.Logging;

namespace Timely.Communication;

/// <summary>
/// What communication a computation uses: timely's <c>Config</c>, a closed set of
/// variants (<see cref="Kind"/>) with the settings that go with them. One place,
/// <see cref="Workers.Initialize{T}"/>, turns a config into allocators (STYLE 8).
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
    public static Config FromArgs(IEnumerable<string> args, out List<string> remaining)
    {
        ArgumentNullException.ThrowIfNull(args);
        remaining = new List<string>();
        int threads = 1, process = 0, processes = 1, spin = DefaultSpinIterations;
        int? ringBytes = null;
        string? hostfile = null, job = null, shmDirectory = null, secretFile = null;
        TimeSpan connectTimeout = DefaultConnectTimeout, peerTimeout = DefaultPeerTimeout;
        bool zerocopy = false, pin = false;
        bool processGiven = false, processesGiven = false;
        int maxMessageBytes = 256 << 20;
        string? hostIdentity = null;
        TransportKind transport = TransportKind.Auto;
        IReadOnlyList<int>? cores = null;

        using var it = args.GetEnumerator();
        while (it.MoveNext())
        {
            string arg = it.Current;
            string name = arg;
            string? inline = null;
            int eq = arg.IndexOf('=', StringComparison.Ordinal);
            if (arg.StartsWith("--", StringComparison.Ordinal) && eq > 0)
            {
                name = arg[..eq];
                inline = arg[(eq + 1)..];
            }

            switch (name)
            {
                case "-w" or "--threads":
                    threads = ParseInt(name, Value(it, name, inline), 1, MaxThreads);
                    break;
                case "-p" or "--process":
                    process = ParseInt(name, Value(it, name, inline), 0, MaxThreads - 1);
                    processGiven = true;
                    break;
                case "-n" or "--processes":
                    processes = ParseInt(name, Value(it, name, inline), 1, MaxThreads);
                    processesGiven = true;
                    break;
                case "-h" or "--hostfile":
                    hostfile = Value(it, name, inline);
                    break;
                case "-z" or "--zerocopy":
                    zerocopy = true;
                    break;
                case "--max-message-bytes":
                    maxMessageBytes = ParseInt(name, Value(it, name, inline), MinMaxMessageBytes, MaxMaxMessageBytes);
                    break;
                case "--host-id":
                    hostIdentity = Value(it, name, inline);
                    if (hostIdentity.Trim().Length == 0)
                    {
                        throw new ConfigException("--host-id: the host identity is empty; give a non-empty name.");
                    }

                    break;
                case "--pin":
                    pin = true;
                    break;
                case "--cores":
                    cores = ParseCores(Value(it, name, inline));
                    break;
                case "--transport":
                    transport = ParseTransport(Value(it, name, inline));
                    break;
                case "--ring-bytes":
                    int ring = ParseInt(name, Value(it, name, inline), MinRingBytes, MaxRingBytes);
                    if ((ring & (ring - 1)) != 0)
                    {
                        throw new ConfigException($"--ring-bytes: {ring} is not a power of two in {MinRingBytes}..{MaxRingBytes} (4096, 8192, ... 1073741824).");
                    }

                    ringBytes = ring;

                    break;
                case "--job":
                    job = ParseJob(Value(it, name, inline));
                    break;
                case "--shm-dir":
                    shmDirectory = Value(it, name, inline);
                    break;
                case "--secret-file":
                    secretFile = Value(it, name, inline);
                    break;
                case "--connect-timeout":
                    connectTimeout = ParseSeconds(name, Value(it, name, inline));
                    break;
                case "--peer-timeout":
                    peerTimeout = ParseSeconds(name, Value(it, name, inline));
                    if (peerTimeout < MinimumPeerTimeout)
                    {
                        throw new ConfigException($"{name}: {peerTimeout.TotalSeconds} s is below the minimum {MinimumPeerTimeout.TotalSeconds} s (five liveness periods); use {MinimumPeerTimeout.TotalSeconds}..86400.");
                    }
                    break;
                case "--spin":
                    spin = ParseInt(name, Value(it, name, inline), 0, int.MaxValue);
                    break;
                default:
                    remaining.Add(arg);
                    break;
            }
        }

        if (processGiven && !processesGiven)
        {
            throw new ConfigException($"-p/--process {process} given without -n/--processes: -p is an index in 0..n-1 of a cluster of -n processes.");
        }

        if (processGiven && process >= processes)
        {
            throw new ConfigException($"-p/--process: {process} is outside 0..{processes - 1} (-n/--processes is {processes}).");
        }

        Config config;
        if (processes > 1 || hostfile is not null)
        {
            IReadOnlyList<string> addresses = hostfile is null
                ? Enumerable.Range(0, processes).Select(i => $"127.0.0.1:{2101 + i}").ToArray()
                : ReadHostfile(hostfile, processes);
            config = Cluster(threads, process, addresses, transport) with { MaxMessageBytes = maxMessageBytes, HostIdentity = hostIdentity };
        }
        else if (zerocopy)
        {
            config = ProcessBinary(threads);
        }
        else if (threads > 1)
        {
            config = Process(threads);
        }
        else
        {
            config = Thread;
        }

        if (ringBytes is { } given)
        {
            config = config with { RingBytes = given };
        }

        return config with
        {
            Pin = pin,
            Cores = cores,
            SpinIterations = spin,
            JobName = job,
            ShmDirectory = shmDirectory,
            ConnectTimeout = connectTimeout,
            PeerTimeout = peerTimeout,
            Secret = SecretSource.Load(secretFile, Environment.GetEnvironmentVariable(SecretSource.EnvironmentVariable)),
        };
    }

    private static int CheckThreads(int threads)
    {
        if (threads < 1)
        {
            throw new ConfigException($"threads: {threads} workers requested; at least 1 is needed.");
        }

        return threads;
    }

    private static string Value(IEnumerator<string> it, string name, string? inline)
    {
        if (inline is not null)
        {
            return inline;
        }

        if (!it.MoveNext())
        {
            throw new ConfigException($"{name}: a value is required.");
        }

        return it.Current;
    }

    private static int ParseInt(string name, string text, int min, int max)
    {
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value))
        {
            throw new ConfigException($"{name}: '{text}' is not an integer ({min}..{max}).");
        }

        if (value < min || value > max)
        {
            throw new ConfigException($"{name}: {value} is outside {min}..{max}.");
        }

        return value;
    }

    private static TimeSpan ParseSeconds(string name, string text)
    {
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) || double.IsNaN(seconds))
        {
            throw new ConfigException(string.Create(CultureInfo.InvariantCulture, $"{name}: '{text}' is not a number of seconds (0, {MaxTimeoutSeconds}]."));
        }

        if (seconds <= 0 || seconds > MaxTimeoutSeconds)
        {
            throw new ConfigException(string.Create(CultureInfo.InvariantCulture, $"{name}: {seconds} s is outside (0, {MaxTimeoutSeconds}]."));
        }

        return TimeSpan.FromSeconds(seconds);
    }

    private static string ParseJob(string text)
    {
        if (text.Length == 0 || text.Length > 100 || !text.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') || text[0] == '.')
        {
            throw new ConfigException($"--job: '{text}' is not a job name (1-100 of letters, digits, '-', '_', '.', not starting with '.').");
        }

        return text;
    }

    /// <summary>At most 60 characters of <paramref name="text"/>, control characters as '?', so a garbage file cannot break the one-line message.</summary>
    private static string Printable(string text)
    {
        string clipped = text.Length > 60 ? text[..60] + "..." : text;
        return string.Concat(clipped.Select(c => char.IsControl(c) ? '?' : c));
    }

    private static TransportKind ParseTransport(string text) => text.ToUpperInvariant() switch
    {
        "AUTO" => TransportKind.Auto,
        "SHM" => TransportKind.Shm,
        "TCP" => TransportKind.Tcp,
        _ => throw new ConfigException($"--transport: '{text}' is not one of auto, shm, tcp."),
    };

    private static int[] ParseCores(string text)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0)
        {
            throw new ConfigException("--cores: the core list is empty.");
        }

        int last = Environment.ProcessorCount - 1;
        return parts.Select(p => ParseInt("--cores", p, 0, last)).ToArray();
    }

    private static string[] ReadHostfile(string path, int processes)
    {
        (string Text, int Number)[] lines;
        try
        {
            lines = File.ReadAllLines(path)
                .Select((l, i) => (Text: l.Trim(), Number: i + 1))
                .Where(l => l.Text.Length > 0 && !l.Text.StartsWith('#'))
                .ToArray();
        }
        catch (IOException e)
        {
            throw new ConfigException($"-h/--hostfile: cannot read '{path}': {e.Message}", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new ConfigException($"-h/--hostfile: cannot read '{path}': {e.Message}", e);
        }

        foreach (var (line, number) in lines)
        {
            int colon = line.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(line.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
            {
                throw new ConfigException($"-h/--hostfile: line {number} of '{path}' is '{Printable(line)}', not host:port (port 1..65535).");
            }
        }

        if (lines.Length < processes)
        {
            throw new ConfigException($"-h/--hostfile: '{path}' lists {lines.Length} addresses but -n/--processes is {processes}.");
        }

        return lines[..Math.Max(processes, 1)].Select(l => l.Text).ToArray();
    }
}
