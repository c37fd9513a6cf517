using System.Buffers.Binary;
using System.Text;
using Timely.Bytes;
using Timely.Communication.Startup;
using Timely.Transport.Tcp;

namespace Timely.Communication.Fabrics;

/// <summary>
/// The frame a failing process sends each peer before it resets the connection, so the
/// peer's workers fail with the original cause rather than just "connection reset": a header
/// on <see cref="TcpFabric.FailureChannel"/> (a channel id no allocator hands out, see
/// <see cref="Allocator.MaxChannelId"/>) from the sending process's first worker to all of the
/// peer's workers; payload: the failed worker's index (u32, big-endian) and the error's text in
/// UTF-8, at most <see cref="TextBytes"/>.
/// </summary>
internal static class TcpFailureNotice
{
    /// <summary>Bound on the error text a notice carries.</summary>
    public const int TextBytes = 2048;

    /// <summary>
    /// The notice process <paramref name="first"/> / <paramref name="threads"/> sends to process
    /// <paramref name="q"/> about the first failure <paramref name="group"/> holds; empty when it holds none.
    /// </summary>
    public static byte[] Encode(WorkerGroup group, int first, int threads, int q)
    {
        string text;
        int worker;
        try
        {
            group.ThrowIfFailed(-1);
            return [];
        }
        catch (PeerFailedException e)
        {
            worker = e.FailedWorker;
            text = e.InnerException is { } inner ? $"{inner.GetType().Name}: {inner.Message}" : e.Message;
        }

        byte[] utf8 = Encoding.UTF8.GetBytes(text);
        int length = sizeof(uint) + Math.Min(utf8.Length, TextBytes);
        var frame = new byte[MessageHeader.Size + length];
        new MessageHeader(TcpFabric.FailureChannel, first, q * threads, (q + 1) * threads, length, 0).WriteTo(frame);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(MessageHeader.Size), (uint)worker);
        utf8.AsSpan(0, length - sizeof(uint)).CopyTo(frame.AsSpan(MessageHeader.Size + sizeof(uint)));
        return frame;
    }

    /// <summary>
    /// Records in <paramref name="group"/> the failure a notice <paramref name="frame"/> from
    /// <paramref name="connection"/> reports, blaming the worker it names unless that is one of
    /// this process's <paramref name="threads"/> workers from <paramref name="first"/>.
    /// </summary>
    public static void Report(WorkerGroup group, PeerConnection connection, ReadOnlySpan<byte> frame, int first, int threads)
    {
        var payload = frame[MessageHeader.Size..];
        if (payload.Length < sizeof(uint))
        {
            group.Fail(connection.Process * threads, new TcpTransportException($"{connection.Name} reported a failure without details.") { Peer = connection.Name });
            return;
        }

        uint worker = BinaryPrimitives.ReadUInt32BigEndian(payload);
        // The reporter's first failure may be one it blamed on us (this connection broke on its
        // side, say); recorded as a local worker's, that worker would not see it as a peer's.
        bool foreign = worker < (uint)group.Peers && (worker < (uint)first || worker >= (uint)(first + threads));
        int failed = foreign ? (int)worker : connection.Process * threads;
        string text = Encoding.UTF8.GetString(payload[sizeof(uint)..]);
        group.Fail(failed, new TcpTransportException($"{connection.Name} reports that worker {worker} failed: {text}") { Peer = connection.Name });
    }
}
