using System.CommandLine;
using Timely.Communication;

namespace Timely.Bench.Commands;

/// <summary>
/// timely's communication flags as System.CommandLine options, so <c>--help</c> lists them.
/// Parsing stays in one place: the parsed tokens are handed to <see cref="Config.FromArgs"/>.
/// </summary>
public sealed class CommunicationOptions
{
    // Every value is read as text and parsed by Config.FromArgs, the one place that knows each
    // flag's valid range, so a bad value reads the same here as in a library's own argv.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Command, CommunicationOptions> Attached = new();

    public Option<string?> Threads { get; } = new("--threads", "-w") { Description = $"Worker threads per process, 1..{Config.MaxThreads} (default 1).", HelpName = "N" };
    public Option<string?> Process { get; } = new("--process", "-p") { Description = "This process's index in a cluster, 0..n-1 (needs -n).", HelpName = "I" };
    public Option<string?> Processes { get; } = new("--processes", "-n") { Description = $"Number of processes in the cluster, 1..{Config.MaxThreads}. With N > 1 and no -p/--process (and no hostfile), timely launches the N processes itself on this host (each gets -p i, one --job and a hostfile of free 127.0.0.1 ports); their JSON lines go to stdout as they are, every other line to stderr prefixed [p<i>].", HelpName = "N" };
    public Option<string?> Hostfile { get; } = new("--hostfile", "-h") { Description = "File with one host:port per process (timely's hostfile).", HelpName = "FILE" };
    public Option<bool> ZeroCopy { get; } = new("--zerocopy", "-z") { Description = "Serialize between workers of this process through byte rings (ProcessBinary)." };
    public Option<string?> Transport { get; } = new("--transport") { Description = "Between processes: auto (shm between processes of one host, tcp with the rest), shm, or tcp.", HelpName = "auto|shm|tcp" };
    public Option<string?> MaxMessageBytes { get; } = new("--max-message-bytes") { Description = $"Largest message payload accepted from a TCP peer, {Config.MinMaxMessageBytes}..{Config.MaxMaxMessageBytes} (default 256 MiB).", HelpName = "BYTES" };
    public Option<string?> HostId { get; } = new("--host-id") { Description = "This host's identity for --transport auto, non-empty (default: machine name)." };
    public Option<bool> Pin { get; } = new("--pin") { Description = "Pin each worker thread to its own core (Linux)." };
    public Option<string?> Cores { get; } = new("--cores") { Description = "Comma-separated core numbers (0..cores-1 of this machine) for --pin (default: worker index modulo cores).", HelpName = "LIST" };
    public Option<string?> RingBytes { get; } = new("--ring-bytes") { Description = $"Byte-ring capacity per ordered pair of workers, a power of two in {Config.MinRingBytes}..{Config.MaxRingBytes}. Default: the largest power of two <= 64 MiB / P^2 within 4 KiB..1 MiB, P = workers in the job (-w x -n; the same in every process): 1 MiB up to 8 workers, 16 KiB at 64. Ring memory: -z, w^2 rings; shm/auto, P_h^2 rings per host of P_h workers (in-process and mapped together); tcp, w^2 + 2w(n-1) per process. So at most 64 MiB by default up to P = 128.", HelpName = "BYTES" };
    public Option<string?> Spin { get; } = new("--spin") { Description = $"Polls an idle worker makes before it parks, 0 or more (default {Config.DefaultSpinIterations}).", HelpName = "N" };
    public Option<string?> Job { get; } = new("--job") { Description = "Shared-memory job name shared by the processes of one run (default: derived from the address list); files in <shm-dir>/timely-<uid>-<job>." };
    public Option<string?> ShmDir { get; } = new("--shm-dir") { Description = "Where shared-memory job directories are created (default /dev/shm).", HelpName = "DIR" };
    public Option<string?> ConnectTimeout { get; } = new("--connect-timeout") { Description = $"Seconds the processes of a cluster wait for each other at start, above 0 (default {Config.DefaultConnectTimeout.TotalSeconds}).", HelpName = "SECONDS" };
    public Option<string?> PeerTimeout { get; } = new("--peer-timeout") { Description = $"Seconds a peer process may stay silent (no heartbeat: stopped, hung or unreachable) before the others fail, above 0 (default {Config.DefaultPeerTimeout.TotalSeconds}); on one host a dead pid is noticed within ~0.1 s.", HelpName = "SECONDS" };
    public Option<string?> SecretFile { get; } = new("--secret-file") { Description = "File (mode 0600: refused if group or others may read it) with a secret every process of a TCP cluster proves at each connection (HMAC challenge-response; the secret is never sent). Default: the TIMELY_SECRET environment variable when set, else none.", HelpName = "FILE" };

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        foreach (var o in new Option[] { Threads, Process, Processes, Hostfile, ZeroCopy, Transport, Pin, Cores, RingBytes, Spin, Job, ShmDir, ConnectTimeout, PeerTimeout, MaxMessageBytes, HostId, SecretFile })
        {
            command.Options.Add(o);
        }

        Attached.AddOrUpdate(command, this);
    }

    /// <summary>
    /// The config of <paramref name="result"/>'s command when it takes communication flags, else
    /// null; throws <see cref="ConfigException"/> for a bad flag. The launcher checks a command
    /// line with it once before it starts the processes that would each refuse it.
    /// </summary>
    public static Config? ConfigOf(ParseResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return Attached.TryGetValue(result.CommandResult.Command, out var options) ? options.ToConfig(result) : null;
    }

    /// <summary>The config the parsed flags describe (through <see cref="Config.FromArgs"/>).</summary>
    public Config ToConfig(ParseResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var args = new List<string>();
        Add(args, "-w", result.GetValue(Threads));
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
        Add(args, "--secret-file", result.GetValue(SecretFile));

        // The library writes nothing to the console itself; the command keeps its warnings on stderr.
        return Config.FromArgs(args, out _) with { Diagnostics = Cli.WarnOnStandardError };
    }

    private static void Add(List<string> args, string flag, string? value)
    {
        if (value is not null)
        {
            args.Add(flag);
            args.Add(value);
        }
    }
}
