using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using Timely.Bytes;
using Timely.Transport.Shm.Memory;
using Timely.Transport.Shm.Ring;

namespace Timely.Transport.Shm.Layout;

/// <summary>
/// The byte layout of an SPSC ring in a <see cref="MemoryRegion"/>: the one place that knows
/// offsets, record framing and the publication rule, so that two processes that agree on
/// <see cref="LayoutVersion"/> agree on every byte. Frozen by
/// <c>RingLayoutTests.Header_bytes_are_frozen</c>; changing anything here means bumping
/// <see cref="LayoutVersion"/>.
/// </summary>
/// <remarks>
/// <code>
/// Region (all integers little-endian; both sides are on one host):
///
///   offset 0    +--------------------------------------------------------------+
///               | magic u64 "TIMELYRB" | version u32 | capacity u32 |         |
///               | creator pid i32 | state i32 | reserved, zero ...       | 128 B
///   offset 128  +--------------------------------------------------------------+
///               | head u64: consumer's released position | padding ...   | 128 B
///   offset 256  +--------------------------------------------------------------+
///               | tail u64: producer's published position | padding ...  | 128 B
///   offset 384  +--------------------------------------------------------------+
///               | data area: capacity bytes, capacity a power of two           |
///               +--------------------------------------------------------------+
///
/// Record (8-byte aligned; occupies RecordLength(length) = align8(8 + length) bytes):
///
///    0                   1                   2                   3
///    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
///   +-----------------------------------------------------------+---+
///   |        length u30 (payload bytes, no padding)             |lap|
///   +-----------------------------------------------------------+---+
///   |              type i32 (>= 0 user; else ring)                  |
///   +---------------------------------------------------------------+
///   |              payload ...  then zero to 7 bytes of slack       |
///   +---------------------------------------------------------------+
///
///   lap (bits 30-31 of the first u32): 01 in even laps of the data area
///   (position / capacity even), 10 in odd laps; 00 is a cleared word, never a record.
///
///   type >= 0 is the user's. Version 3: between two workers of the engine it is the compact
///   record's {0, seq tag u7, channel u24} and the payload is the codec's bytes alone
///   (Timely.Communication.CompactRecord has the diagram); rings to and from a TCP network
///   thread keep type 0 and timely's 48-byte MessageHeader before the codec's bytes.
/// </code>
/// Head and tail are byte positions that only grow (u64, stored as <c>long</c>: 2^63 bytes is
/// three centuries at 1 TB/s); a position's index in the data area is
/// <c>position &amp; (capacity - 1)</c>. <c>tail - head</c> is the number of bytes in use,
/// always in [0, capacity]. Each counter sits alone on a <see cref="CacheLine.Size"/> line
/// because the two sides write them at message rate; sharing a line would bounce it between
/// cores on every message.
/// <para>
/// A record never straddles the end of the data area: if it does not fit in the bytes left
/// before the end, the producer first writes a padding record (<see cref="PaddingType"/>,
/// length = bytes to the end - 8) and places the record at index 0. Because records are
/// 8-byte aligned and the header is 8 bytes, the bytes left before the end are always 0 or
/// a multiple of 8 that is at least 8, so a padding header always fits.
/// </para>
/// <para>
/// Publication rule (version 2, header polling): the producer writes the payload, clears the
/// word just past the record (the next record's header slot) when that word is free, release-
/// stores tail, and release-stores the record header last (for a wrap, the record header at
/// index 0 first and then the padding header). The consumer acquire-loads the header word
/// at its read position: the record is there when the lap tag is the one expected for that
/// position; the shared tail is not read on the data path. When done the consumer release-
/// stores head; the producer acquire-loads head (only when its cached head says no room)
/// before reusing those bytes. Why a stale word is never taken for a record is argued in
/// <see cref="SpscByteRing"/>'s design comment. Each counter has exactly one writer, so
/// there is no read-modify-write and no CAS.
/// </para>
/// <para>
/// Record types: user types are &gt;= 0. <see cref="PaddingType"/> belongs to the ring;
/// <see cref="FirstFragmentType"/>, <see cref="MiddleFragmentType"/> and
/// <see cref="LastFragmentType"/> belong to <see cref="RingWriter"/>/<see cref="RingReader"/>,
/// which split a message longer than <see cref="MaxPayload"/>: the first fragment's payload
/// starts with {type i32, total length i32} of the whole message, then data; middle and last
/// fragments carry data only.
/// </para>
/// </remarks>
public static class RingDescriptor
{
    /// <summary>"TIMELYRB" read as a little-endian u64.</summary>
    public const ulong Magic = 0x4252_594C_454D_4954;

    /// <summary>
    /// Bumped on any change to this file's layout or to what its records mean. 2: the record
    /// header carries a lap tag and is published last, so the consumer polls it instead of the
    /// shared tail (1 had no tag and published records by the tail alone; a version-1 peer
    /// would read version-2 records before they are complete and the other way round, hence
    /// the refusal). 3: a ring that joins one sender worker and one receiver worker carries
    /// the engine's compact record (<c>Timely.Communication.CompactRecord</c>: channel and a
    /// sequence tag in the type word, no 48-byte MessageHeader in the payload); the framing
    /// is version 2's, but a version-2 peer would read a compact record as a malformed
    /// header and a version-3 peer would take a version-2 record's header for payload,
    /// hence the refusal.
    /// </summary>
    public const int LayoutVersion = 3;

    /// <summary>Byte offset of <see cref="Magic"/> (u64) in the region header.</summary>
    public const int MagicOffset = 0;
    /// <summary>Byte offset of <see cref="LayoutVersion"/> (u32) in the region header.</summary>
    public const int VersionOffset = 8;
    /// <summary>Byte offset of the data-area capacity in bytes (u32, a power of two) in the region header.</summary>
    public const int CapacityOffset = 12;
    /// <summary>Byte offset of the creating process's id (i32), which lets a stale ring of a dead job be recognized.</summary>
    public const int CreatorPidOffset = 16;
    /// <summary>Byte offset of the ring's state word (i32) in the region header.</summary>
    public const int StateOffset = 20;

    /// <summary>The header fields share the first line; nobody writes them at message rate.</summary>
    public const int HeaderLength = CacheLine.Size;

    /// <summary>Byte offset of head (u64): the consumer's released position, alone on its cache line.</summary>
    public const int HeadOffset = HeaderLength;
    /// <summary>Byte offset of tail (u64): the producer's published position, alone on its cache line.</summary>
    public const int TailOffset = HeadOffset + CacheLine.Size;
    /// <summary>Byte offset of the data area, after the header line and the head and tail lines.</summary>
    public const int DataOffset = TailOffset + CacheLine.Size;

    /// <summary>Bytes of a record header: payload length (i32) then type (i32).</summary>
    public const int RecordHeaderLength = 8;
    /// <summary>Every record starts on a multiple of this many bytes of the data area.</summary>
    public const int RecordAlignment = 8;

    /// <summary>Smallest data area: room for a few small records, useful for wrap-around tests.</summary>
    public const int MinCapacity = 64;

    /// <summary>Largest data area: indexes fit in an <c>int</c>.</summary>
    public const int MaxCapacity = 1 << 30;

    /// <summary>Record type of the filler that the producer writes when a record would straddle the end of the data area; the consumer skips it.</summary>
    public const int PaddingType = -1;
    /// <summary>Record type of the first fragment of a message longer than <see cref="MaxPayload"/>; its payload starts with the message's type and total length.</summary>
    public const int FirstFragmentType = -2;
    /// <summary>Record type of a fragment between the first and the last of a split message (data only).</summary>
    public const int MiddleFragmentType = -3;
    /// <summary>Record type of the last fragment of a split message; the reader hands the reassembled message on after it.</summary>
    public const int LastFragmentType = -4;

    /// <summary>Bytes of {type, total length} at the start of a first fragment.</summary>
    public const int FirstFragmentHeaderLength = 8;

    /// <summary>Region bytes a ring of <paramref name="capacity"/> data bytes needs.</summary>
    public static long RequiredRegionBytes(int capacity)
    {
        CheckCapacity(capacity);
        return DataOffset + (long)capacity;
    }

    /// <summary>
    /// Largest payload of one record: half the capacity less the record header. Half, so that
    /// a record of this size fits in an empty ring wherever head stands: either the bytes
    /// before the end (capacity - index) or the bytes from index 0 up to head (index) are at
    /// least capacity / 2, so a full-size record never waits for a padding record that cannot
    /// be placed.
    /// </summary>
    public static int MaxPayload(int capacity) => (capacity / 2) - RecordHeaderLength;

    /// <summary>Bytes a record with <paramref name="payloadLength"/> payload bytes occupies.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int RecordLength(int payloadLength) =>
        (RecordHeaderLength + payloadLength + (RecordAlignment - 1)) & ~(RecordAlignment - 1);

    /// <summary>Mask of the payload length in the first u32 of a record header; the two bits above it are the lap tag.</summary>
    public const int RecordLengthMask = 0x3FFF_FFFF;

    /// <summary>Bit position of the lap tag in a record header.</summary>
    public const int RecordLapTagShift = 30;

    /// <summary>
    /// The lap tag of a record in lap <paramref name="lap"/> (position / capacity): 1 in even
    /// laps, 2 in odd laps. A cleared word has tag 0 and a header left from the previous lap
    /// has the other tag, so neither is taken for a record; tag 3 is never written.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int LapTag(long lap) => 1 + (int)(lap & 1);

    /// <summary>The record header {length, lap tag, type} as the one 8-byte word written at the record start, last.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static long PackRecordHeader(int length, int type, long lap) =>
        (long)(((ulong)(uint)type << 32) | (uint)length | ((uint)LapTag(lap) << RecordLapTagShift));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int RecordLengthField(long header) => (int)header & RecordLengthMask;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int RecordLapTagField(long header) => (int)((uint)header >> RecordLapTagShift);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int RecordTypeField(long header) => (int)(header >> 32);

    /// <summary>
    /// Writes a fresh header (head = tail = 0) for a ring of <paramref name="capacity"/> data
    /// bytes and clears the first data word, the header slot the consumer polls first (the
    /// rest of the data area is never read before the producer writes it). The magic is
    /// release-stored last, so a process that acquire-loads a valid magic sees every other
    /// header field.
    /// </summary>
    public static void Initialize(MemoryRegion region, int capacity, int creatorPid)
    {
        ArgumentNullException.ThrowIfNull(region);
        CheckLittleEndian();
        long required = RequiredRegionBytes(capacity);
        if (region.Length < required)
        {
            throw new ArgumentException(
                $"Region of {region.Length} bytes is too small for a ring of capacity {capacity} ({required} bytes needed).",
                nameof(region));
        }

        region.Slice(0, DataOffset + RecordHeaderLength).Clear();
        Span<byte> header = region.Slice(0, HeaderLength);
        BinaryPrimitives.WriteInt32LittleEndian(header[VersionOffset..], LayoutVersion);
        BinaryPrimitives.WriteInt32LittleEndian(header[CapacityOffset..], capacity);
        BinaryPrimitives.WriteInt32LittleEndian(header[CreatorPidOffset..], creatorPid);
        BinaryPrimitives.WriteInt32LittleEndian(header[StateOffset..], (int)RingState.Active);
        Volatile.Write(ref region.Int64At(MagicOffset), (long)Magic);
    }

    /// <summary>
    /// Checks that <paramref name="region"/> holds an active ring of this layout and returns
    /// its capacity; throws <see cref="InvalidDataException"/> naming what is wrong otherwise.
    /// </summary>
    public static int Validate(MemoryRegion region)
    {
        ArgumentNullException.ThrowIfNull(region);
        CheckLittleEndian();
        if (region.Length < DataOffset)
        {
            throw new InvalidDataException($"Region of {region.Length} bytes is smaller than the ring header ({DataOffset} bytes).");
        }

        // Read through a probe: another process may truncate the file between its mapping and this read.
        Span<byte> header = stackalloc byte[HeaderLength];
        if (!region.TryProbeRead(0, header))
        {
            throw new InvalidDataException("The ring's file was truncated under its mapping: its header's page is gone.");
        }

        Interlocked.MemoryBarrier();   // an acquire load, as Volatile.Read was
        ulong magic = BinaryPrimitives.ReadUInt64LittleEndian(header[MagicOffset..]);
        if (magic != Magic)
        {
            throw new InvalidDataException($"Not a ring: magic is 0x{magic:x16}, expected 0x{Magic:x16} (\"TIMELYRB\").");
        }

        int version = BinaryPrimitives.ReadInt32LittleEndian(header[VersionOffset..]);
        if (version != LayoutVersion)
        {
            throw new InvalidDataException($"Ring layout version {version} is not supported; this build reads version {LayoutVersion}.");
        }

        int capacity = BinaryPrimitives.ReadInt32LittleEndian(header[CapacityOffset..]);
        if (!IsValidCapacity(capacity))
        {
            throw new InvalidDataException(
                $"Ring capacity {capacity} is invalid: it must be a power of two in [{MinCapacity}, {MaxCapacity}].");
        }

        if (region.Length < DataOffset + (long)capacity)
        {
            throw new InvalidDataException(
                $"Ring capacity {capacity} needs {DataOffset + (long)capacity} bytes but the region has {region.Length}.");
        }

        var state = (RingState)BinaryPrimitives.ReadInt32LittleEndian(header[StateOffset..]);
        if (state != RingState.Active)
        {
            int pid = BinaryPrimitives.ReadInt32LittleEndian(header[CreatorPidOffset..]);
            throw new InvalidDataException($"Ring created by pid {pid} is in state {state}, not Active.");
        }

        return capacity;
    }

    /// <summary>The capacity the header claims (not validated: see <see cref="Validate"/>); 0 for an invalid one.</summary>
    public static int Capacity(MemoryRegion region)
    {
        int capacity = region.TryProbeRead(CapacityOffset, out int claimed) ? claimed : 0;
        return IsValidCapacity(capacity) ? capacity : 0;
    }

    /// <summary>Pid of the process that initialized the ring; 0 when the header's page is gone (the file was truncated under its mapping).</summary>
    public static int CreatorPid(MemoryRegion region) => region.TryProbeRead(CreatorPidOffset, out int pid) ? pid : 0;

    /// <summary>The ring's lifecycle state.</summary>
    public static RingState State(MemoryRegion region) =>
        (RingState)Volatile.Read(ref region.Int32At(StateOffset));

    /// <summary>Marks the ring closed at clean shutdown, so a later attach is refused.</summary>
    public static void Close(MemoryRegion region) =>
        Volatile.Write(ref region.Int32At(StateOffset), (int)RingState.Closed);

    /// <summary>True for a power of two in [<see cref="MinCapacity"/>, <see cref="MaxCapacity"/>].</summary>
    public static bool IsValidCapacity(int capacity) =>
        capacity is >= MinCapacity and <= MaxCapacity && BitOperations.IsPow2(capacity);

    private static void CheckCapacity(int capacity)
    {
        if (!IsValidCapacity(capacity))
        {
            throw new ArgumentOutOfRangeException(
                nameof(capacity), capacity, $"Capacity must be a power of two in [{MinCapacity}, {MaxCapacity}].");
        }
    }

    // Counters and record headers are read and written as native words (Volatile needs
    // that); pinning the layout to little-endian keeps one byte order for the golden test
    // and the header. Every host .NET targets for this project (x64, Arm64) is little-endian.
    private static void CheckLittleEndian()
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("The ring layout is little-endian; this host is big-endian.");
        }
    }
}
