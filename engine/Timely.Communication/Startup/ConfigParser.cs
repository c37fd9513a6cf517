using System.Globalization;
using Timely.Communication.Fabrics;

namespace Timely.Communication.Startup;

/// <summary>
/// The command line of <see cref="Config.FromArgs"/>: timely's flags and Timely.Native's,
/// each checked here with the offending flag named in the <see cref="ConfigException"/>.
/// </summary>
internal static class ConfigParser
{
    /// <summary>What <see cref="Config.FromArgs"/> documents; arguments it does not know go to <paramref name="remaining"/>, in order.</summary>
    public static Config Parse(IEnumerable<string> args, out List<string> remaining)
    {
        ArgumentNullException.ThrowIfNull(args);
        remaining = new List<string>();
        int threads = 1, process = 0, processes = 1, spin = Config.DefaultSpinIterations;
        int? ringBytes = null;
        string? hostfile = null, job = null, shmDirectory = null, secretFile = null;
        TimeSpan connectTimeout = Config.DefaultConnectTimeout, peerTimeout = Config.DefaultPeerTimeout;
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
                    threads = ParseInt(name, Value(it, name, inline), 1, Config.MaxThreads);
                    break;
                case "-p" or "--process":
                    process = ParseInt(name, Value(it, name, inline), 0, Config.MaxThreads - 1);
                    processGiven = true;
                    break;
                case "-n" or "--processes":
                    processes = ParseInt(name, Value(it, name, inline), 1, Config.MaxThreads);
                    processesGiven = true;
                    break;
                case "-h" or "--hostfile":
                    hostfile = Value(it, name, inline);
                    break;
                case "-z" or "--zerocopy":
                    zerocopy = true;
                    break;
                case "--max-message-bytes":
                    maxMessageBytes = ParseInt(name, Value(it, name, inline), Config.MinMaxMessageBytes, Config.MaxMaxMessageBytes);
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
                    int ring = ParseInt(name, Value(it, name, inline), Config.MinRingBytes, Config.MaxRingBytes);
                    if ((ring & (ring - 1)) != 0)
                    {
                        throw new ConfigException($"--ring-bytes: {ring} is not a power of two in {Config.MinRingBytes}..{Config.MaxRingBytes} (4096, 8192, ... 1073741824).");
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
                    if (peerTimeout < Config.MinimumPeerTimeout)
                    {
                        throw new ConfigException($"{name}: {peerTimeout.TotalSeconds} s is below the minimum {Config.MinimumPeerTimeout.TotalSeconds} s (five liveness periods); use {Config.MinimumPeerTimeout.TotalSeconds}..86400.");
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
            IReadOnlyList<string> addresses = hostfile is null ? DefaultAddresses(processes) : ReadHostfile(hostfile, processes);
            config = Config.Cluster(threads, process, addresses, transport) with { MaxMessageBytes = maxMessageBytes, HostIdentity = hostIdentity };
        }
        else if (zerocopy)
        {
            config = Config.ProcessBinary(threads);
        }
        else if (threads > 1)
        {
            config = Config.Process(threads);
        }
        else
        {
            config = Config.Thread;
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

    /// <summary>
    /// timely's addresses without a hostfile: 127.0.0.1, ports 2101 + i. A loop, not
    /// <c>Enumerable.Range(..).Select(..)</c>: LINQ's range iterator answers <c>Select</c> by a
    /// generic virtual method, whose first call on a native start is resolved through the type
    /// loader (1.6% of the samples of a native shm x2 `wordcount`, perf record over 30 runs).
    /// </summary>
    private static string[] DefaultAddresses(int processes)
    {
        var addresses = new string[processes];
        for (int i = 0; i < processes; i++)
        {
            addresses[i] = string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{2101 + i}");
        }

        return addresses;
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
            throw new ConfigException(string.Create(CultureInfo.InvariantCulture, $"{name}: '{text}' is not a number of seconds (0, {Config.MaxTimeoutSeconds}]."));
        }

        if (seconds <= 0 || seconds > Config.MaxTimeoutSeconds)
        {
            throw new ConfigException(string.Create(CultureInfo.InvariantCulture, $"{name}: {seconds} s is outside (0, {Config.MaxTimeoutSeconds}]."));
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
