using System.Buffers.Binary;

namespace Timely.Transport.Tcp;

/// <summary>
/// The first bytes on every connection, in both directions: who is speaking and for which
/// job. timely sends only the connecting process's index; this adds what lets a process
/// refuse a stray or mismatched client before any frame is read.
/// </summary>
/// <remarks>
/// Layout (big-endian, like <c>MessageHeader</c>), 40 bytes:
/// <code>
///  0  u64 magic      "TIMELYTC" (0x54494D454C595443)
///  8  u32 version    layout version of handshake + frames (1)
/// 12  u32 process    index of the sender
/// 16  u32 processes  processes in the job as the sender sees it
/// 20  u32 threads    workers per process
/// 24  u64 job        job id (TcpOptions.JobIdOf)
/// 32  u64 host       host identity (for --transport auto)
/// </code>
/// </remarks>
public readonly record struct Handshake(int Process, int Processes, int Threads, ulong Job, ulong Host)
{
    /// <summary>Bytes on the wire.</summary>
    public const int Size = 40;

    /// <summary>"TIMELYTC" in ASCII.</summary>
    public const ulong Magic = 0x54494D454C595443UL;

    /// <summary>Version of the handshake and frame layout.</summary>
    public const uint Version = 1;

    /// <summary>Writes the 40 bytes.</summary>
    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, Magic);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], Version);
        BinaryPrimitives.WriteUInt32BigEndian(destination[12..], (uint)Process);
        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], (uint)Processes);
        BinaryPrimitives.WriteUInt32BigEndian(destination[20..], (uint)Threads);
        BinaryPrimitives.WriteUInt64BigEndian(destination[24..], Job);
        BinaryPrimitives.WriteUInt64BigEndian(destination[32..], Host);
    }

    /// <summary>
    /// Reads a handshake from <paramref name="source"/> (at least <see cref="Size"/> bytes) and
    /// checks it against what this process expects; <paramref name="peer"/> names the sender in
    /// the error. Returns the handshake; throws <see cref="TcpTransportException"/> on a mismatch.
    /// </summary>
    public static Handshake ReadAndCheck(ReadOnlySpan<byte> source, Handshake expected, string peer)
    {
        ulong magic = BinaryPrimitives.ReadUInt64BigEndian(source);
        if (magic != Magic)
        {
            throw Refuse(peer, $"bad magic 0x{magic:X16} (expected 0x{Magic:X16}): not a Timely.Native process");
        }

        uint version = BinaryPrimitives.ReadUInt32BigEndian(source[8..]);
        if (version != Version)
        {
            throw Refuse(peer, $"layout version {version}, this process speaks {Version}");
        }

        uint process = BinaryPrimitives.ReadUInt32BigEndian(source[12..]);
        uint processes = BinaryPrimitives.ReadUInt32BigEndian(source[16..]);
        uint threads = BinaryPrimitives.ReadUInt32BigEndian(source[20..]);
        ulong job = BinaryPrimitives.ReadUInt64BigEndian(source[24..]);
        ulong host = BinaryPrimitives.ReadUInt64BigEndian(source[32..]);
        if (job != expected.Job)
        {
            throw Refuse(peer, $"job id 0x{job:X16}, this job is 0x{expected.Job:X16}");
        }

        if (processes != (uint)expected.Processes)
        {
            throw Refuse(peer, $"it counts {processes} processes, this job has {expected.Processes}");
        }

        if (threads != (uint)expected.Threads)
        {
            throw Refuse(peer, $"it runs {threads} workers per process, this job {expected.Threads}");
        }

        if (process >= processes)
        {
            throw Refuse(peer, $"process index {process} is outside 0..{processes - 1}");
        }

        return new Handshake((int)process, (int)processes, (int)threads, job, host);
    }

    private static TcpTransportException Refuse(string peer, string why) =>
        new($"handshake from {peer} refused: {why}.") { Peer = peer };
}
