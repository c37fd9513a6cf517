using System.Globalization;

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
    /// <summary>Default per-pair byte-ring capacity for ProcessBinary and shared memory: 1 MiB.</summary>
    public const int DefaultRingBytes = 1 << 20;

    /// <summary>Default number of polls an idle worker spins before it sleeps.</summary>
    public const int DefaultSpinIterations = 200;

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

    /// <summary>Capacity of each byte ring (ProcessBinary, shared memory); a power of two.</summary>
    public int RingBytes { get; init; } = DefaultRingBytes;

    /// <summary>Cluster set-up bound: connects retry and accepts wait this long; a silent peer is noticed within about this long.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Largest message payload a peer may send over TCP; a longer frame fails its connection before anything is allocated.</summary>
    public int MaxMessageBytes { get; init; } = 256 << 20;

    /// <summary>Name of the job, the same in every process (default: derived from the address list); a process of another job is refused.</summary>
    public string? JobName { get; init; }

    /// <summary>Identity of this host for <c>--transport auto</c> (default: the machine name); tests override it to pretend to be elsewhere.</summary>
    public string? HostIdentity { get; init; }

    /// <summary>Total workers in the computation.</summary>
    public int Peers => Threads * Processes;

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
    /// <c>--pin</c>, <c>--cores</c>, <c>--ring-bytes</c>, <c>--spin</c>, <c>--connect-timeout</c>,
    /// <c>--max-message-bytes</c>, <c>--job</c>, <c>--host-id</c>). Arguments it does not
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
        int threads = 1, process = 0, processes = 1, spin = DefaultSpinIterations, ringBytes = DefaultRingBytes;
        string? hostfile = null;
        bool zerocopy = false, pin = false;
        bool processGiven = false;
        TransportKind transport = TransportKind.Auto;
        IReadOnlyList<int>? cores = null;
        double connectTimeout = 30;
        int maxMessageBytes = 256 << 20;
        string? job = null, host = null;

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
                    threads = ParseInt(name, Value(it, name, inline), 1, 4096);
                    break;
                case "-p" or "--process":
                    process = ParseInt(name, Value(it, name, inline), 0, int.MaxValue);
                    processGiven = true;
                    break;
                case "-n" or "--processes":
                    processes = ParseInt(name, Value(it, name, inline), 1, 4096);
                    break;
                case "-h" or "--hostfile":
                    hostfile = Value(it, name, inline);
                    break;
                case "-z" or "--zerocopy":
                    zerocopy = true;
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
                    ringBytes = ParseInt(name, Value(it, name, inline), 4096, 1 << 30);
                    if ((ringBytes & (ringBytes - 1)) != 0)
                    {
                        throw new ConfigException($"--ring-bytes: {ringBytes} is not a power of two.");
                    }

                    break;
                case "--spin":
                    spin = ParseInt(name, Value(it, name, inline), 0, int.MaxValue);
                    break;
                case "--connect-timeout":
                    connectTimeout = ParseSeconds(name, Value(it, name, inline));
                    break;
                case "--max-message-bytes":
                    maxMessageBytes = ParseInt(name, Value(it, name, inline), 1024, int.MaxValue - 48);
                    break;
                case "--job":
                    job = Value(it, name, inline);
                    break;
                case "--host-id":
                    host = Value(it, name, inline);
                    break;
                default:
                    remaining.Add(arg);
                    break;
            }
        }

        if (processGiven && processes == 1 && process != 0)
        {
            throw new ConfigException($"-p/--process {process} given without -n/--processes: a single process has index 0.");
        }

        Config config;
        if (processes > 1 || hostfile is not null)
        {
            IReadOnlyList<string> addresses = hostfile is null
                ? Enumerable.Range(0, processes).Select(i => $"127.0.0.1:{2101 + i}").ToArray()
                : ReadHostfile(hostfile, processes);
            config = Cluster(threads, process, addresses, transport);
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

        return config with
        {
            Pin = pin, Cores = cores, SpinIterations = spin, RingBytes = ringBytes,
            ConnectTimeout = TimeSpan.FromSeconds(connectTimeout), MaxMessageBytes = maxMessageBytes, JobName = job, HostIdentity = host,
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
            throw new ConfigException($"{name}: '{text}' is not an integer.");
        }

        if (value < min || value > max)
        {
            throw new ConfigException($"{name}: {value} is outside {min}..{max}.");
        }

        return value;
    }

    private static double ParseSeconds(string name, string text)
    {
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !(value > 0) || value > 86400)
        {
            throw new ConfigException($"{name}: '{text}' is not a number of seconds in (0, 86400].");
        }

        return value;
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

        return parts.Select(p => ParseInt("--cores", p, 0, 4095)).ToArray();
    }

    private static string[] ReadHostfile(string path, int processes)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path)
                .Select(l => l.Trim())
                .Where(l => l.Length > 0 && !l.StartsWith('#'))
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

        if (lines.Length < processes)
        {
            throw new ConfigException($"-h/--hostfile: '{path}' lists {lines.Length} addresses but -n/--processes is {processes}.");
        }

        foreach (var line in lines)
        {
            int colon = line.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(line.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
            {
                throw new ConfigException($"-h/--hostfile: '{line}' in '{path}' is not host:port.");
            }
        }

        return lines[..Math.Max(processes, 1)];
    }
}
