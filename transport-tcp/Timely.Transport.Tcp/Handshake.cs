using System.Buffers.Binary;

namespace Timely.Transport.Tcp;

/// <summary>
/// The first bytes on every connection, in both directions: who is speaking and for which
/// job. timely sends only the connecting process's index; this adds what lets a process
/// refuse a stray or mismatched client before any frame is read.
/// </summary>
/// <remarks>
/// Layout (big-endian, like <c>MessageHeader</c>), 72 bytes:
/// <code>
///  0  u64  magic      "TIMELYTC" (0x54494D454C595443)
///  8  u32  version    layout version of handshake + frames (2)
/// 12  u32  flags      bit 0: the sender proves a cluster secret; other bits 0
/// 16  u32  process    index of the sender
/// 20  u32  processes  processes in the job as the sender sees it
/// 24  u32  threads    workers per process
/// 28  u64  job        job id (TcpOptions.JobIdOf)
/// 36  u64  host       host identity (for --transport auto)
/// 44  u128 nonce      fresh random per connection (bound into the secret's proofs)
/// 60  u32  timeout    the sender's peer timeout in milliseconds
/// 64  u64  check      FNV-1a of bytes 0..63
/// </code>
/// Version 3: every frame after the handshake carries the integrity extension
/// (<see cref="FrameIntegrity"/>: a per-connection sequence number and CRC-32C checks), and
/// the handshake carries the sender's peer timeout, so each side sends heartbeats often enough
/// for the smaller of the two timeouts. A process of version 2 is refused by version.
/// Version 2 (version 1 was the first 44 bytes without flags, nonce and check): the side
/// that accepts now answers only after it validated the connector's handshake (and, with
/// a secret, its proof; see <see cref="TcpMesh"/>). The check makes any single corrupted
/// byte a refusal: FNV-1a's steps (xor a byte, multiply by an odd prime) are bijections of
/// the state, so a changed byte always changes the result.
/// </remarks>
public readonly record struct Handshake(int Process, int Processes, int Threads, ulong Job, ulong Host, bool Secret = false, UInt128 Nonce = default, uint PeerTimeoutMilliseconds = 0)
{
    /// <summary>Bytes on the wire.</summary>
    public const int Size = 72;

    /// <summary>"TIMELYTC" in ASCII.</summary>
    public const ulong Magic = 0x54494D454C595443UL;

    /// <summary>Version of the handshake and frame layout.</summary>
    public const uint Version = 3;

    private const uint SecretFlag = 1;
    private const int CheckOffset = Size - sizeof(ulong);

    /// <summary>Writes the <see cref="Size"/> bytes.</summary>
    public void WriteTo(Span<byte> destination)
    {
        destination = destination[..Size];
        BinaryPrimitives.WriteUInt64BigEndian(destination, Magic);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], Version);
        BinaryPrimitives.WriteUInt32BigEndian(destination[12..], Secret ? SecretFlag : 0);
        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], (uint)Process);
        BinaryPrimitives.WriteUInt32BigEndian(destination[20..], (uint)Processes);
        BinaryPrimitives.WriteUInt32BigEndian(destination[24..], (uint)Threads);
        BinaryPrimitives.WriteUInt64BigEndian(destination[28..], Job);
        BinaryPrimitives.WriteUInt64BigEndian(destination[36..], Host);
        BinaryPrimitives.WriteUInt128BigEndian(destination[44..], Nonce);
        BinaryPrimitives.WriteUInt32BigEndian(destination[60..], PeerTimeoutMilliseconds);
        BinaryPrimitives.WriteUInt64BigEndian(destination[CheckOffset..], Check(destination[..CheckOffset]));
    }

    /// <summary>
    /// Checks what has arrived so far (<paramref name="source"/>, possibly fewer than
    /// <see cref="Size"/> bytes): magic and version are refused as soon as they are in, so a
    /// stray client or a process of another layout is dropped without waiting for the rest.
    /// </summary>
    public static void CheckPrefix(ReadOnlySpan<byte> source, string peer)
    {
        if (source.Length >= 8)
        {
            ulong magic = BinaryPrimitives.ReadUInt64BigEndian(source);
            if (magic != Magic)
            {
                throw Refuse(peer, $"bad magic 0x{magic:X16} (expected 0x{Magic:X16}): not a Timely.Native process");
            }
        }

        if (source.Length >= 12)
        {
            uint version = BinaryPrimitives.ReadUInt32BigEndian(source[8..]);
            if (version != Version)
            {
                throw Refuse(peer, $"layout version {version}, this process speaks {Version}");
            }
        }
    }

    /// <summary>
    /// Reads a handshake from <paramref name="source"/> (at least <see cref="Size"/> bytes) and
    /// checks it against what this process expects (job, counts, whether a secret is proven);
    /// <paramref name="peer"/> names the sender in the error. Returns the handshake; throws
    /// <see cref="TcpTransportException"/> on a mismatch, never anything else.
    /// </summary>
    public static Handshake ReadAndCheck(ReadOnlySpan<byte> source, Handshake expected, string peer)
    {
        if (source.Length < Size)
        {
            throw Refuse(peer, $"{source.Length} of {Size} handshake bytes");
        }

        CheckPrefix(source, peer);
        ulong check = BinaryPrimitives.ReadUInt64BigEndian(source[CheckOffset..]);
        if (check != Check(source[..CheckOffset]))
        {
            throw Refuse(peer, $"check 0x{check:X16} does not match its bytes (corrupted in transit)");
        }

        uint flags = BinaryPrimitives.ReadUInt32BigEndian(source[12..]);
        uint process = BinaryPrimitives.ReadUInt32BigEndian(source[16..]);
        uint processes = BinaryPrimitives.ReadUInt32BigEndian(source[20..]);
        uint threads = BinaryPrimitives.ReadUInt32BigEndian(source[24..]);
        ulong job = BinaryPrimitives.ReadUInt64BigEndian(source[28..]);
        ulong host = BinaryPrimitives.ReadUInt64BigEndian(source[36..]);
        UInt128 nonce = BinaryPrimitives.ReadUInt128BigEndian(source[44..]);
        uint timeout = BinaryPrimitives.ReadUInt32BigEndian(source[60..]);
        if ((flags & ~SecretFlag) != 0)
        {
            throw Refuse(peer, $"unknown flags 0x{flags:X8}");
        }

        bool secret = (flags & SecretFlag) != 0;
        if (secret != expected.Secret)
        {
            throw Refuse(peer, HandshakeRefusal.Code.SecretSetting, secret ? "it proves a cluster secret, this process has none (--secret-file / TIMELY_SECRET)" : "it has no cluster secret, this process requires one (--secret-file / TIMELY_SECRET)");
        }

        if (job != expected.Job)
        {
            throw Refuse(peer, HandshakeRefusal.Code.Job, $"job id 0x{job:X16}, this job is 0x{expected.Job:X16}");
        }

        if (processes != (uint)expected.Processes)
        {
            throw Refuse(peer, HandshakeRefusal.Code.Processes, $"it counts {processes} processes, this job has {expected.Processes}");
        }

        if (threads != (uint)expected.Threads)
        {
            throw Refuse(peer, HandshakeRefusal.Code.Threads, $"it runs {threads} workers per process, this job {expected.Threads}");
        }

        if (process >= processes)
        {
            throw Refuse(peer, HandshakeRefusal.Code.Index, $"process index {process} is outside 0..{processes - 1}");
        }

        return new Handshake((int)process, (int)processes, (int)threads, job, host, secret, nonce, timeout);
    }

    private static ulong Check(ReadOnlySpan<byte> bytes)
    {
        ulong hash = 14695981039346656037UL;
        foreach (byte b in bytes)
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return hash;
    }

    private static TcpTransportException Refuse(string peer, string why) =>
        new($"handshake from {peer} refused: {why}.") { Peer = peer };

    private static TcpTransportException Refuse(string peer, HandshakeRefusal.Code code, string why) =>
        new($"handshake from {peer} refused: {why}.") { Peer = peer, Refusal = code };
}
