using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Bytes;
using Timely.Communication.Fabrics;
using Timely.Testing;
using Timely.Transport.Shm.Ring;
using Timely.Transport.Tcp;

namespace Timely.PropTests.Communication;

/// <summary>
/// A send thread's end (<see cref="TcpSendPath.Run"/>): however a worker's frames are spread
/// over the send loop's looks for the stop, the last batch written together with the stop,
/// the peer reads every frame, byte-exact and in order, and then the end of stream.
/// </summary>
public sealed class TcpSendShutdownProperties
{
    [Property(MaxTest = 40, QuietOnSuccess = true)]
    public Property Every_frame_written_by_the_stop_is_sent_before_the_end_of_stream() =>
        Prop.ForAll(
            (from looks in Gen.Choose(1, 5)
             from batches in Gen.ArrayOf(Gen.Choose(0, 6).SelectMany(frames => Gen.ArrayOf(Gen.Choose(1, 3000), frames)), looks)
             select batches).ToArbitrary(),
            batches => Delivered(batches));

    // Payloads are 1-3000 bytes: a header of length 0 is the wire's end of stream, which a
    // worker never sends as a message (BinaryPusher refuses an empty encoding), and which the
    // reader rightly takes as the end (a plan with a 0 among its lengths failed every time:
    // seed 2225510190457150467,2893543521900990775, batches [392, 2468, 1020, 0, 299, 718],
    // [2962, 905, 559], the reader stopping at the fourth frame).

    /// <summary>Batch i is written at the loop's look i for the stop; the last look says stop.</summary>
    private static bool Delivered(int[][] batches)
    {
        var (client, server) = LoopbackPair.Connect(TimeSpan.FromSeconds(30));
        using var receiving = server;
        client.Blocking = false;
        using var connection = new PeerConnection(1, "127.0.0.1 (property)", client, new Handshake(1, 2, 1, 0, 0));
        using var ring = SpscByteRing.Allocate(65536);   // a look's batch fits: at most 6 frames of 3 KB, and a drain follows each look
        using var writer = new RingWriter(ring);
        var path = new TcpSendPath([ring], connection, 1 << 16);
        var sent = new List<byte[]>();
        try
        {
            int look = 0;
            bool Stopping()
            {
                if (look < batches.Length)
                {
                    foreach (int length in batches[look])
                    {
                        var frame = Frame(sent.Count, length);
                        writer.Send(0, frame);
                        sent.Add(frame);
                    }
                }

                return ++look >= batches.Length;
            }

            // Read while the loop sends, so a socket buffer smaller than a plan cannot stall it.
            var read = Task.Run(() =>
            {
                using var reader = new FrameReader(receiving, "the send path", 1 << 16, 0, 1, 1, 2);
                var got = new List<byte[]>();
                while (reader.Read(out _, out ReadOnlySpan<byte> frame))
                {
                    got.Add(frame.ToArray());
                }

                return got;
            });
            path.Run(Stopping, () => null, Frame(0, 1), TimeSpan.FromDays(1), TimeSpan.FromMilliseconds(1), int.MaxValue);

            var received = read.GetAwaiter().GetResult();
            return received.Count == sent.Count && received.Zip(sent).All(p => p.First.AsSpan().SequenceEqual(p.Second));
        }
        finally
        {
            path.Dispose();
        }
    }

    /// <summary>Frame <paramref name="seqno"/> from worker 0 to worker 1 with a payload of <paramref name="length"/> bytes that names it.</summary>
    private static byte[] Frame(int seqno, int length)
    {
        var frame = new byte[MessageHeader.Size + length];
        new MessageHeader(0, 0, 1, 2, length, seqno).WriteTo(frame);
        for (int b = 0; b < length; b++)
        {
            frame[MessageHeader.Size + b] = (byte)(seqno * 31 + b);
        }

        return frame;
    }
}
