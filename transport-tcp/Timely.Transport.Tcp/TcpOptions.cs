namespace Timely.Transport.Tcp;

/// <summary>What every process of one job must agree on, and the bounds this process enforces.</summary>
public sealed record TcpOptions
{
    /// <summary>Default bound on connection set-up: 30 s.</summary>
    public static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Default largest payload accepted in one frame: 256 MiB.</summary>
    public const int DefaultMaxMessageBytes = 256 << 20;

    /// <summary>Identifies the job; a process of another job is refused at the handshake.</summary>
    public ulong JobId { get; init; }

    /// <summary>Identifies this host (for <c>--transport auto</c>); exchanged, not checked.</summary>
    public ulong HostId { get; init; }

    /// <summary>How long set-up may take: connects retry and accepts wait up to this long.</summary>
    public TimeSpan ConnectTimeout { get; init; } = DefaultConnectTimeout;

    /// <summary>About how long a peer host may stay silent (no keep-alive answers) before its connection fails.</summary>
    public TimeSpan PeerTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Default bound on one connection's whole handshake: 5 s (never more than the connect timeout).</summary>
    public static readonly TimeSpan DefaultHandshakeTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long one connection's whole handshake may take, every read together (not per
    /// read, so a client that trickles bytes is cut at this bound too). The accepting side
    /// drops a client that is not done by then; the connecting side retries on a new
    /// connection until <see cref="ConnectTimeout"/>.
    /// </summary>
    public TimeSpan HandshakeTimeout { get; init; } = DefaultHandshakeTimeout;

    /// <summary>
    /// The key every process of the job shares, or null. With it every connection proves it
    /// both ways (HMAC-SHA256 challenge-response, see <see cref="ClusterSecret"/>) and a
    /// process without it is refused; all processes of a job must agree on having one.
    /// </summary>
    public ClusterSecret? Secret { get; init; }

    /// <summary>
    /// Hears, as it happens, one line per handshake this process refuses over a setting of the
    /// job (job, process or worker count, secret, index: the connector's configuration differs),
    /// so a mismatch is named at once rather than at the connect timeout. Null: not told.
    /// </summary>
    public Action<string>? Warn { get; init; }

    /// <summary>Largest payload a peer may announce; a longer frame fails its connection before anything is allocated.</summary>
    public int MaxMessageBytes { get; init; } = DefaultMaxMessageBytes;

    /// <summary>Stable 64-bit id of a job name (FNV-1a over its UTF-8 bytes), the same in every process.</summary>
    public static ulong JobIdOf(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        ulong hash = 14695981039346656037UL;
        foreach (byte b in System.Text.Encoding.UTF8.GetBytes(name))
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return hash;
    }
}
