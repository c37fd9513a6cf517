using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Timely.Bytes;
using Timely.Communication.Logging;
using Timely.Transport.Shm.Ring;

namespace Timely.Communication.Binary;

/// <summary>
/// The record of a ring that joins exactly one sender worker and one receiver worker (ring
/// layout version 3): the channel and a sequence tag travel in the ring
/// record's type word, the payload is the codec's bytes alone, without timely's 48-byte
/// <see cref="MessageHeader"/>. Everything else the header says is implied by the ring.
/// </summary>
/// <remarks>
/// <code>
/// Ring record (RingDescriptor): | length u30 | lap u2 | type i32 | payload ... |
///
/// type of a compact record:
///    3                   2                   1                   0
///    1 0 9 8 7 6 5 4 3 2 1 0 9 8 7 6 5 4 3 2 1 0 9 8 7 6 5 4 3 2 1 0
///   +-+-------------+-----------------------------------------------+
///   |0|  seq tag u7 |                 channel u24                   |
///   +-+-------------+-----------------------------------------------+
///   bit 31 is 0: negative types belong to the ring (padding, fragments).
///   seq tag: the message's seqno (per channel, sender and target, as in timely's header)
///            mod 128.
///   channel: the channel id; 0xFF_FFFF means "escaped": the payload starts with the
///            channel as an i32 (little-endian), for ids 0xFF_FFFF..MaxChannelId, which no
///            dataflow reaches (ids are handed out from 0) but Allocate accepts.
///
/// payload: [channel i32, escaped only] then the codec's bytes.
///
/// Implied:  source       = the worker that writes the ring (the reader's link knows it)
///           target_lower = the worker that reads it, target_upper = target_lower + 1
///           length       = payload bytes less the escape prefix
///           seqno        = the receiver's count of messages from source on the channel,
///                          checked against the tag on every message
/// </code>
/// Why only those rings: a ring to a TCP send thread is shared by several targets of one
/// process and its bytes go to the socket unchanged, and a ring from a TCP receive thread
/// carries several senders' frames as they came off the wire; both keep timely's header,
/// which is the TCP wire format byte for byte.
/// <para>
/// The sequence check stays on every message and costs no byte: a lost, repeated or
/// reordered record shows as a tag that is not the one expected (any run of losses that is
/// not a multiple of 128 messages on one channel), and so does, with probability 127/128, a
/// garbled type word that names another allocated channel. A true seqno is what the
/// receiver logs (<see cref="MessageEvent"/>) after that check; the sender logs its own.
/// </para>
/// </remarks>
internal static class CompactRecord
{
    /// <summary>Bits of the channel field, the low bits of the type word.</summary>
    public const int ChannelBits = 24;

    /// <summary>The channel field's value for an id that does not fit it: the id is the payload's first 4 bytes.</summary>
    public const int EscapedChannel = (1 << ChannelBits) - 1;

    /// <summary>Bytes of the escaped channel id before the codec's bytes.</summary>
    public const int EscapePrefixLength = sizeof(int);

    /// <summary>Mask of the sequence tag once shifted down by <see cref="ChannelBits"/>: 7 bits, so bit 31 stays 0.</summary>
    public const int SeqTagMask = 0x7F;

    /// <summary>Bytes before the codec's bytes in a compact record of <paramref name="channel"/>: 0, or 4 when escaped.</summary>
    public static int PrefixLength(int channel) => channel >= EscapedChannel ? EscapePrefixLength : 0;

    /// <summary>The channel field of <paramref name="channel"/>'s records: the id, or <see cref="EscapedChannel"/>.</summary>
    public static int ChannelField(int channel) => Math.Min(channel, EscapedChannel);

    /// <summary>The type word of message <paramref name="seqno"/> on a channel whose field is <paramref name="channelField"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Type(int channelField, long seqno) => channelField | (((int)seqno & SeqTagMask) << ChannelBits);

    /// <summary>The sequence tag a record of message <paramref name="seqno"/> carries.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int SeqTag(long seqno) => (int)seqno & SeqTagMask;

    /// <summary>The sequence tag of a type word.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int SeqTagOf(int type) => (type >> ChannelBits) & SeqTagMask;

    /// <summary>Writes the escape prefix of <paramref name="channel"/> (only called when <see cref="PrefixLength"/> is not 0).</summary>
    public static void WriteEscapedChannel(Span<byte> record, int channel) =>
        BinaryPrimitives.WriteInt32LittleEndian(record, channel);

    /// <summary>
    /// The channel of a compact record of <paramref name="type"/>, with <paramref name="payload"/>
    /// moved past an escape prefix. Throws <see cref="WireFormatException"/> for an escape
    /// that is too short or names an id that the field would have held or that no one may
    /// allocate, naming the receiving and sending workers. (<paramref name="type"/> is never
    /// negative: <see cref="RingReader"/> hands out only types &gt;= 0.)
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ReadChannel(int type, ref ReadOnlySpan<byte> payload, int worker, int source)
    {
        System.Diagnostics.Debug.Assert(type >= 0, "RingReader hands out only user types");
        int channel = type & EscapedChannel;
        if (channel == EscapedChannel)
        {
            channel = ReadEscapedChannel(ref payload, worker, source);
        }

        return channel;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int ReadEscapedChannel(ref ReadOnlySpan<byte> payload, int worker, int source)
    {
        if (payload.Length < EscapePrefixLength)
        {
            throw new WireFormatException($"worker {worker}: a compact record from worker {source} escapes its channel id but holds only {payload.Length} bytes (the id takes {EscapePrefixLength}).");
        }

        int channel = BinaryPrimitives.ReadInt32LittleEndian(payload);
        if (channel < EscapedChannel || channel > Allocator.MaxChannelId)
        {
            throw new WireFormatException($"worker {worker}: a compact record from worker {source} escapes channel id {channel}, which is not in {EscapedChannel}..{Allocator.MaxChannelId} (smaller ids go in the type word).");
        }

        payload = payload[EscapePrefixLength..];
        return channel;
    }
}
