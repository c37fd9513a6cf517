using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Timely.Bytes;

namespace Timely.Transport.Tcp;

/// <summary>
/// The integrity extension of a frame between two Timely.Native processes (handshake layout 3
/// and later): 12 bytes between timely's 48-byte header and the payload.
/// </summary>
/// <remarks>
/// <code>
///  0  48 B  MessageHeader (timely's, unchanged)
/// 48  u32   sequence   frames sent on this connection before this one (heartbeats included)
/// 52  u32   payload    CRC-32C of the payload (0 for none)
/// 56  u32   header     CRC-32C of bytes 0..55
/// 60        payload
/// </code>
/// All big-endian, like the header. The header check covers the length, so a corrupted length
/// is refused before the reader waits for a payload that will never come; the payload check
/// then covers the rest. The sequence number makes a dropped, repeated or inserted frame, a
/// forged end of stream included, an error at the next frame (a heartbeat at the latest),
/// instead of a frontier that never advances while heartbeats keep both sides looking
/// healthy. CRC-32C, not an HMAC, because it is what the job can afford per frame: about
/// 20 ns for a small frame against about 1.6 us for HMAC-SHA256 on this host (perf.md, TCP
/// frame integrity). It detects accidents and a relay that drops, repeats or flips bytes, not
/// a forger who recomputes the checks: that needs a tunnel or TLS between the hosts.
/// The ring records between workers and the network threads stay timely's exact frames; only
/// the socket carries the extension.
/// </remarks>
internal static class FrameIntegrity
{
    /// <summary>Bytes the extension adds to every frame on the wire.</summary>
    public const int Bytes = 12;

    /// <summary>Header and extension: what the reader needs before it trusts the length.</summary>
    public const int Prefix = MessageHeader.Size + Bytes;

    private const int SequenceOffset = MessageHeader.Size;
    private const int PayloadCheckOffset = MessageHeader.Size + 4;
    private const int HeaderCheckOffset = MessageHeader.Size + 8;

    /// <summary>CRC-32C (Castagnoli, reflected, initial and final value all ones) of <paramref name="bytes"/>.</summary>
    /// <remarks>
    /// The processor's CRC-32C instruction (<see cref="BitOperations.Crc32C(uint, ulong)"/>, SSE4.2
    /// or ARMv8 CRC, with a table fallback elsewhere) over eight bytes a step, compiled fully
    /// optimised at its first call. System.IO.Hashing's parameterised CRC-32C computes the same
    /// value (a property test holds them equal) and is faster once tiered up, but a job's first
    /// hundreds of frames ran it at its start-up tiers: about 13 ms for the first call and
    /// 2-3 GB/s for the next sixty, against 1 ms and 8 GB/s here, which made a 200 ms TCP
    /// exchange 1.5x slower than without the checks (perf.md, TCP frame integrity).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static uint Crc(ReadOnlySpan<byte> bytes)
    {
        uint crc = uint.MaxValue;
        var words = MemoryMarshal.Cast<byte, ulong>(bytes);
        foreach (ulong word in words)
        {
            crc = (uint)BitOperations.Crc32C(crc, BitConverter.IsLittleEndian ? word : BinaryPrimitives.ReverseEndianness(word));
        }

        for (int i = words.Length * sizeof(ulong); i < bytes.Length; i++)
        {
            crc = BitOperations.Crc32C(crc, bytes[i]);
        }

        return ~crc;
    }

    /// <summary>
    /// Writes <paramref name="header"/> (48 bytes) and the extension for frame
    /// <paramref name="sequence"/> with payload check <paramref name="payloadCheck"/> into
    /// the first <see cref="Prefix"/> bytes of <paramref name="destination"/>.
    /// </summary>
    public static void WritePrefix(ReadOnlySpan<byte> header, uint sequence, uint payloadCheck, Span<byte> destination)
    {
        header[..MessageHeader.Size].CopyTo(destination);
        BinaryPrimitives.WriteUInt32BigEndian(destination[SequenceOffset..], sequence);
        BinaryPrimitives.WriteUInt32BigEndian(destination[PayloadCheckOffset..], payloadCheck);
        BinaryPrimitives.WriteUInt32BigEndian(destination[HeaderCheckOffset..], Crc(destination[..HeaderCheckOffset]));
    }

    /// <summary>Whether the header check of a <see cref="Prefix"/>-byte prefix matches its bytes.</summary>
    public static bool HeaderIntact(ReadOnlySpan<byte> prefix) =>
        BinaryPrimitives.ReadUInt32BigEndian(prefix[HeaderCheckOffset..]) == Crc(prefix[..HeaderCheckOffset]);

    /// <summary>The sequence number in a prefix.</summary>
    public static uint Sequence(ReadOnlySpan<byte> prefix) => BinaryPrimitives.ReadUInt32BigEndian(prefix[SequenceOffset..]);

    /// <summary>The payload check in a prefix.</summary>
    public static uint PayloadCheck(ReadOnlySpan<byte> prefix) => BinaryPrimitives.ReadUInt32BigEndian(prefix[PayloadCheckOffset..]);
}
