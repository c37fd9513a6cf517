using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using Timely.Bytes;

namespace Timely.Dataflow.Progress;

/// <summary>
/// Wire layout of a <see cref="ProgressMessage{T}"/>, in the shape of timely's progress
/// message <c>(source, seqno, Vec&lt;((Location, T), i64)&gt;)</c> under bincode: u64 source,
/// u64 sequence, u64 count, then per update the node (u64), the port as Rust's
/// <c>Port</c> enum (u32 tag: 0 target, 1 source; u64 index), the time and an i64 diff.
/// </summary>
internal sealed class ProgressMessageCodec<T> : IWireCodec<ProgressMessage<T>>
{
    // Design: stateless after construction, so one instance serves every thread that encodes or
    // decodes progress.
    private const int FixedPerUpdate = 8 + 4 + 8 + 8;

    private readonly IWireCodec<T> _time = WireCodec<T>.Default;

    public int Measure(in ProgressMessage<T> value)
    {
        int size = 24;
        foreach (var (_, time, _) in value.Updates)
        {
            size = checked(size + FixedPerUpdate + _time.Measure(time));
        }

        return size;
    }

    public int Write(Span<byte> destination, in ProgressMessage<T> value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(destination, (ulong)value.Source);
        BinaryPrimitives.WriteInt64LittleEndian(destination[8..], value.Sequence);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[16..], (ulong)value.Updates.Count);
        int at = 24;
        foreach (var (location, time, diff) in value.Updates)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(destination[at..], (ulong)location.Node);
            BinaryPrimitives.WriteUInt32LittleEndian(destination[(at + 8)..], location.IsSource ? 1u : 0u);
            BinaryPrimitives.WriteUInt64LittleEndian(destination[(at + 12)..], (ulong)location.Port);
            at += 20;
            at += _time.Write(destination[at..], time);
            BinaryPrimitives.WriteInt64LittleEndian(destination[at..], diff);
            at += 8;
        }

        return at;
    }

    /// <remarks>Every error names the byte offset (within the payload) of the field that is wrong.</remarks>
    public int Read(ReadOnlySpan<byte> source, ref ProgressMessage<T> value)
    {
        if (source.Length < 24)
        {
            throw new WireFormatException($"progress message: {source.Length} bytes, the header needs 24 (at byte 0)");
        }

        value ??= new ProgressMessage<T>();
        value.Source = Index(source, 0, -1, "source worker");
        value.Sequence = BinaryPrimitives.ReadInt64LittleEndian(source[8..]);
        ulong count = BinaryPrimitives.ReadUInt64LittleEndian(source[16..]);

        // A count that the bytes cannot hold is refused before anything is allocated for it:
        // every update needs at least FixedPerUpdate bytes plus one for its time.
        if (count > (ulong)(source.Length - 24) / (FixedPerUpdate + 1))
        {
            throw new WireFormatException($"progress message: {count} updates (at byte 16) cannot fit in {source.Length} bytes");
        }

        var updates = value.Updates;
        updates.Clear();
        int at = 24;
        for (ulong i = 0; i < count; i++)
        {
            if (source.Length - at < 20)
            {
                throw new WireFormatException($"progress message: update {i} truncated at byte {at} of {source.Length}");
            }

            int node = Index(source, at, (long)i, "node");
            uint tag = BinaryPrimitives.ReadUInt32LittleEndian(source[(at + 8)..]);
            int port = Index(source, at + 12, (long)i, "port");
            if (tag > 1)
            {
                throw new WireFormatException($"progress message: update {i}'s port tag {tag} at byte {at + 8} is neither target (0) nor source (1)");
            }

            at += 20;
            T time = default!;
            try
            {
                at += _time.Read(source[at..], ref time);
            }
            catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
            {
                throw new WireFormatException($"progress message: update {i}'s time at byte {at}: {e.Message}", e);
            }

            if (source.Length - at < 8)
            {
                throw new WireFormatException($"progress message: update {i}'s diff truncated at byte {at} of {source.Length}");
            }

            long diff = BinaryPrimitives.ReadInt64LittleEndian(source[at..]);
            at += 8;
            updates.Add((new Location(node, port, tag == 1), time, diff));
        }

        return at;
    }

    /// <summary>
    /// A u64 at <paramref name="at"/> that must be an index (0..int.MaxValue): timely's usize
    /// fields. The field is named by constants (<paramref name="update"/> -1: the header) so
    /// the message is formatted only on the error path: an interpolated name per call cost
    /// 1063 vs 165 B per record in the suite's shm/tcp pingpong rows.
    /// </summary>
    private static int Index(ReadOnlySpan<byte> source, int at, long update, string field)
    {
        ulong raw = BinaryPrimitives.ReadUInt64LittleEndian(source[at..]);
        if (raw > int.MaxValue)
        {
            ThrowNotAnIndex(raw, at, update, field);
        }

        return (int)raw;
    }

    [DoesNotReturn]
    private static void ThrowNotAnIndex(ulong raw, int at, long update, string field)
    {
        string what = update < 0 ? field : $"update {update}'s {field}";
        throw new WireFormatException($"progress message: {what} {raw} at byte {at} is not an index (0..{int.MaxValue})");
    }
}
