using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Timely.Transport.Tcp;

/// <summary>
/// The key every process of a job shares (like Erlang's distribution cookie). It is never
/// sent: each side of a connection proves it holds the key with an HMAC-SHA256 over both
/// handshakes (see <see cref="TcpMesh"/>), so a client that lacks it learns nothing and is
/// refused within the handshake deadline.
/// </summary>
/// <remarks>
/// The proofs are bound to what makes one connection unique, so a captured proof is of no
/// use anywhere else: the direction (a different label per role, so a proof cannot be
/// reflected back to its sender), the connector's whole handshake (its index, the job, its
/// fresh nonce) and the acceptor's fresh nonce and index (the connector's proof), or both
/// whole handshakes (the acceptor's proof). A proof replayed on a new connection fails,
/// because the acceptor's nonce is new.
/// <see cref="ToString"/> does not show the key (records that hold one print it otherwise).
/// </remarks>
public sealed class ClusterSecret
{
    /// <summary>Bytes of one proof (HMAC-SHA256).</summary>
    public const int ProofSize = 32;

    private static readonly byte[] ConnectorLabel = Encoding.ASCII.GetBytes("timely-tcp v2 connector proof");
    private static readonly byte[] AcceptorLabel = Encoding.ASCII.GetBytes("timely-tcp v2 acceptor proof");

    private readonly byte[] _key;

    private ClusterSecret(byte[] key) => _key = key;

    /// <summary>A secret of these bytes (copied); at least one byte.</summary>
    public static ClusterSecret FromBytes(ReadOnlySpan<byte> key)
    {
        if (key.IsEmpty)
        {
            throw new ArgumentException("a cluster secret needs at least one byte.", nameof(key));
        }

        return new ClusterSecret(key.ToArray());
    }

    /// <summary>Hides the key.</summary>
    public override string ToString() => "ClusterSecret(hidden)";

    /// <summary>Fresh random nonce for one handshake.</summary>
    internal static UInt128 NewNonce()
    {
        Span<byte> b = stackalloc byte[16];
        RandomNumberGenerator.Fill(b);
        return BinaryPrimitives.ReadUInt128BigEndian(b);
    }

    /// <summary>The connector's proof: its handshake bytes, then the acceptor's nonce and index.</summary>
    internal void ConnectorProof(ReadOnlySpan<byte> connectorHello, UInt128 acceptorNonce, int acceptor, Span<byte> proof)
    {
        Span<byte> tail = stackalloc byte[16 + 4];
        BinaryPrimitives.WriteUInt128BigEndian(tail, acceptorNonce);
        BinaryPrimitives.WriteUInt32BigEndian(tail[16..], (uint)acceptor);
        Mac(ConnectorLabel, connectorHello, tail, proof);
    }

    /// <summary>The acceptor's proof: both handshakes' bytes, the connector's first.</summary>
    internal void AcceptorProof(ReadOnlySpan<byte> connectorHello, ReadOnlySpan<byte> acceptorHello, Span<byte> proof) =>
        Mac(AcceptorLabel, connectorHello, acceptorHello, proof);

    /// <summary>Constant-time comparison of a received proof with the expected one.</summary>
    internal static bool Matches(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> received) =>
        received.Length == ProofSize && CryptographicOperations.FixedTimeEquals(expected, received);

    private void Mac(ReadOnlySpan<byte> label, ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, Span<byte> proof)
    {
        Span<byte> message = stackalloc byte[label.Length + first.Length + second.Length];
        label.CopyTo(message);
        first.CopyTo(message[label.Length..]);
        second.CopyTo(message[(label.Length + first.Length)..]);
        int written = HMACSHA256.HashData(_key, message, proof);
        if (written != ProofSize)
        {
            throw new CryptographicException($"HMAC-SHA256 wrote {written} bytes, not {ProofSize}.");
        }
    }
}
