using System.Text;
using Timely.Bytes;
using Timely.Communication.Fabrics;
using Timely.Testing;
using Timely.Transport.Shm.Ring;
using Timely.Transport.Tcp;

namespace Timely.Communication.Tests;

/// <summary>
/// A send thread's end: every frame a local worker wrote before the fabric said stop goes on
/// the wire before the end of stream. The stop here comes at a chosen look of the send loop,
/// together with the worker's last frame: the interleaving in which a send thread that looked
/// for the stop after a drain that found nothing ended the stream ahead of that frame, and its
/// peer waited for it forever.
/// </summary>
public sealed class TcpSendShutdownTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    public void A_frame_written_as_the_stop_comes_goes_out_before_the_end_of_stream(int looksBeforeStop)
    {
        var got = SendUntilStopped(
            writer =>
            {
                int looks = 0;
                return () =>
                {
                    if (looks++ < looksBeforeStop)
                    {
                        return false;
                    }

                    if (looks == looksBeforeStop + 1)
                    {
                        // The worker's last frame, then its return and the fabric's stop.
                        writer.Send(0, Frame(1, "the last one"));
                    }

                    return true;
                };
            },
            () => null);

        Assert.Equal(["before the loop", "the last one"], got);
    }

    [Fact]
    public void A_failed_job_ends_the_stream_with_its_notice_after_the_frames()
    {
        var got = SendUntilStopped(_ => () => true, () => Frame(TcpFabric.FailureChannel, "the notice"));

        Assert.Equal(["before the loop", "the notice"], got);
    }

    /// <summary>
    /// Writes one frame, runs a send loop over a loopback connection until the stop that
    /// <paramref name="stoppingOver"/> (given the worker's ring writer) says, and returns the
    /// payloads the peer read up to the end of stream, or up to a failure notice (after which
    /// the sender closes without one).
    /// </summary>
    private static List<string> SendUntilStopped(Func<RingWriter, Func<bool>> stoppingOver, Func<byte[]?> failureNotice)
    {
        var (client, server) = LoopbackPair.Connect(TimeSpan.FromSeconds(30));
        using var receiving = server;
        client.Blocking = false;   // as the fabric's: the writer waits for room itself
        using var connection = new PeerConnection(1, "127.0.0.1 (test)", client, new Handshake(1, 2, 1, 0, 0));
        using var ring = SpscByteRing.Allocate(65536);
        using var writer = new RingWriter(ring);
        var path = new TcpSendPath([ring], connection, 1 << 16);
        try
        {
            writer.Send(0, Frame(0, "before the loop"));

            // Never parks (the park's look would be one more look): spins between looks.
            path.Run(stoppingOver(writer), failureNotice, Frame(2, "heartbeat"), TimeSpan.FromDays(1), TimeSpan.FromMilliseconds(1), int.MaxValue);

            using var reader = new FrameReader(receiving, "the send path", 1 << 16, 0, 1, 1, 2);
            var got = new List<string>();
            while (reader.Read(out var header, out ReadOnlySpan<byte> frame))
            {
                got.Add(Encoding.UTF8.GetString(frame[MessageHeader.Size..]));
                if (header.Channel == TcpFabric.FailureChannel)
                {
                    break;
                }
            }

            return got;
        }
        finally
        {
            path.Dispose();
        }
    }

    /// <summary>timely's frame on <paramref name="channel"/> from worker 0 to worker 1 carrying <paramref name="text"/>.</summary>
    internal static byte[] Frame(int channel, string text)
    {
        var payload = Encoding.UTF8.GetBytes(text);
        var frame = new byte[MessageHeader.Size + payload.Length];
        new MessageHeader(channel, 0, 1, 2, payload.Length, 0).WriteTo(frame);
        payload.CopyTo(frame.AsSpan(MessageHeader.Size));
        return frame;
    }
}
