using System.CommandLine;
using Timely.Communication;

namespace Timely.Bench;

/// <summary>
/// timely's communication flags as System.CommandLine options, so <c>--help</c> lists them.
/// Parsing stays in one place: the parsed tokens are handed to <see cref="Config.FromArgs"/>.
/// </summary>
public sealed class CommunicationOptions
{
    public Option<int> Threads { get; } = new("--threads", "-w") { Description = "Worker threads per process.", DefaultValueFactory = _ => 1 };
    public Option<int?> Process { get; } = new("--process", "-p") { Description = "This process's index in a cluster." };
    public Option<int?> Processes { get; } = new("--processes", "-n") { Description = "Number of processes in the cluster. With N > 1 and no -p/--process (and no hostfile), timely launches the N processes itself on this host (each gets -p i and one --job) and prints their output prefixed [p<i>]." };
    public Option<string?> Hostfile { get; } = new("--hostfile", "-h") { Description = "File with one host:port per process (timely's hostfile)." };
    public Option<bool> ZeroCopy { get; } = new("--zerocopy", "-z") { Description = "Serialize between workers of this process through byte rings (ProcessBinary)." };
    public Option<string?> Transport { get; } = new("--transport") { Description = "Between processes: auto (shm between processes of one host, tcp with the rest), shm, or tcp." };
    public Option<int?> MaxMessageBytes { get; } = new("--max-message-bytes") { Description = "Largest message payload accepted from a TCP peer (default 256 MiB)." };
    public Option<string?> HostId { get; } = new("--host-id") { Description = "This host's identity for --transport auto (default: machine name)." };
    public Option<bool> Pin { get; } = new("--pin") { Description = "Pin each worker thread to its own core (Linux)." };
    public Option<string?> Cores { get; } = new("--cores") { Description = "Comma-separated cores for --pin (default: worker index modulo cores)." };
    public Option<int?> RingBytes { get; } = new("--ring-bytes") { Description = $"Byte-ring capacity per worker pair, a power of two (default {Config.DefaultRingBytes})." };
    public Option<int?> Spin { get; } = new("--spin") { Description = $"Polls an idle worker makes before it parks (default {Config.DefaultSpinIterations})." };
    public Option<string?> Job { get; } = new("--job") { Description = "Shared-memory job name shared by the processes of one run (default: derived from the address list); files in <shm-dir>/timely-<uid>-<job>." };
    public Option<string?> ShmDir { get; } = new("--shm-dir") { Description = "Where shared-memory job directories are created (default /dev/shm)." };
    public Option<double?> ConnectTimeout { get; } = new("--connect-timeout") { Description = $"Seconds the processes of a cluster wait for each other at start (default {Config.DefaultConnectTimeout.TotalSeconds})." };
    public Option<double?> PeerTimeout { get; } = new("--peer-timeout") { Description = $"Seconds a peer process may stay silent (no heartbeat: stopped, hung or unreachable) before the others fail (default {Config.DefaultPeerTimeout.TotalSeconds}); on one host a dead pid is noticed within ~0.1 s." };

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        foreach (var o in new Option[] { Threads, Process, Processes, Hostfile, ZeroCopy, Transport, Pin, Cores, RingBytes, Spin, Job, ShmDir, ConnectTimeout, PeerTimeout, MaxMessageBytes, HostId })
        {
            command.Options.Add(o);
        }
    }

    /// <summary>The config the parsed flags describe (through <see cref="Config.FromArgs"/>).</summary>
    public Config ToConfig(ParseResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var args = new List<string> { "-w", result.GetValue(Threads).ToString(System.Globalization.CultureInfo.InvariantCulture) };
        Add(args, "-p", result.GetValue(Process));
        Add(args, "-n", result.GetValue(Processes));
        Add(args, "-h", result.GetValue(Hostfile));
        if (result.GetValue(ZeroCopy))
        {
            args.Add("-z");
        }

        Add(args, "--transport", result.GetValue(Transport));
        if (result.GetValue(Pin))
        {
            args.Add("--pin");
        }

        Add(args, "--cores", result.GetValue(Cores));
        Add(args, "--max-message-bytes", result.GetValue(MaxMessageBytes));
        Add(args, "--host-id", result.GetValue(HostId));
        Add(args, "--ring-bytes", result.GetValue(RingBytes));
        Add(args, "--spin", result.GetValue(Spin));
        Add(args, "--job", result.GetValue(Job));
        Add(args, "--shm-dir", result.GetValue(ShmDir));
        Add(args, "--connect-timeout", result.GetValue(ConnectTimeout));
        Add(args, "--peer-timeout", result.GetValue(PeerTimeout));
        return Config.FromArgs(args, out _);
    }

    private static void Add(List<string> args, string flag, object? value)
    {
        if (value is not null)
        {
            args.Add(flag);
            args.Add(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)!);
        }
    }
}
