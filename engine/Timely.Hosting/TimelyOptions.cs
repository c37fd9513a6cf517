using System.Globalization;
using Timely.Communication;
using Timely.Communication.Diagnostics;

namespace Timely.Hosting;

/// <summary>
/// The <c>Timely</c> configuration section: how many workers and processes, which transport,
/// where shared memory and the cluster secret are, and the timeouts. Bound by
/// <see cref="TimelyServiceCollectionExtensions.AddTimely{TJob}"/> and checked when the host
/// starts (an invalid section stops the start with one line naming the setting).
/// </summary>
/// <example>
/// <code>
/// "Timely": { "Workers": 2, "Processes": 2, "Transport": "Shm", "JobName": "trades", "StopTimeout": "00:00:05" }
/// </code>
/// and <c>--Timely:ProcessIndex=1</c> on the second process's command line.
/// </example>
public sealed class TimelyOptions
{
    /// <summary>The configuration section bound: <c>Timely</c>.</summary>
    public const string SectionName = "Timely";

    /// <summary>Worker threads in this process (timely's <c>-w</c>).</summary>
    public int Workers { get; set; } = 1;

    /// <summary>Processes in the job (timely's <c>-n</c>); more than one makes a cluster.</summary>
    public int Processes { get; set; } = 1;

    /// <summary>This process's index in <c>0..Processes</c> (timely's <c>-p</c>).</summary>
    public int ProcessIndex { get; set; }

    /// <summary>How the processes of a cluster reach each other: <c>Shm</c> (one host), <c>Tcp</c> or <c>Auto</c>.</summary>
    public TransportKind Transport { get; set; } = TransportKind.Shm;

    /// <summary>One <c>host:port</c> per process for TCP and Auto; empty: <c>127.0.0.1:(2101 + i)</c>, as timely's flags give.</summary>
    public IList<string> Addresses { get; } = new List<string>();

    /// <summary>The name the processes of one shared-memory job meet under; null: the application's name.</summary>
    public string? JobName { get; set; }

    /// <summary>Where shared-memory job directories are made; null: <c>/dev/shm</c> when present.</summary>
    public string? ShmDirectory { get; set; }

    /// <summary>A file with the cluster secret TCP peers prove (readable by its owner only); null: none.</summary>
    public string? SecretFile { get; set; }

    /// <summary>How long the processes wait for each other at start.</summary>
    public TimeSpan ConnectTimeout { get; set; } = Config.DefaultConnectTimeout;

    /// <summary>How long a silent peer process is waited for before the job fails.</summary>
    public TimeSpan PeerTimeout { get; set; } = Config.DefaultPeerTimeout;

    /// <summary>After the host asks to stop, how long the workers may drain what is in flight (<see cref="Config.StopTimeout"/>).</summary>
    public TimeSpan StopTimeout { get; set; } = Config.DefaultStopTimeout;

    /// <summary>Stop the application when the job ends by itself (every input done, or a failure); default true.</summary>
    public bool StopApplicationWhenDone { get; set; } = true;

    /// <summary>
    /// The <see cref="Config"/> these options describe, with <paramref name="diagnostics"/> as
    /// its <see cref="Config.Diagnostics"/>. Throws <see cref="ConfigException"/> naming the
    /// setting that does not fit (as the host's start-up validation reports it).
    /// </summary>
    public Config ToConfig(Action<DiagnosticMessage>? diagnostics = null)
    {
        var addresses = Addresses.Count > 0 || Processes <= 1 || Transport == TransportKind.Shm
            ? Addresses.ToArray()
            : Enumerable.Range(0, Processes).Select(i => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{2101 + i}")).ToArray();
        var config = new Config
        {
            Threads = Workers,
            Processes = Processes,
            ProcessIndex = ProcessIndex,
            Transport = Transport,
            Addresses = addresses,
            JobName = JobName,
            ShmDirectory = ShmDirectory,
            SecretFile = SecretFile,
            ConnectTimeout = ConnectTimeout,
            PeerTimeout = PeerTimeout,
            StopTimeout = StopTimeout,
            Diagnostics = diagnostics,
        };
        config.Validate();
        return config;
    }
}
