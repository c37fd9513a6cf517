using System.Net.Sockets;
using Timely.Bytes;

namespace Timely.Transport.Tcp.Tests;

/// <summary>
/// The reader's calls that never wait (<see cref="FrameReader.TryReceive"/>,
/// <see cref="FrameReader.ReadReady"/>), as a worker that reads its own socket uses them: frames
/// arrive whole and in order however the bytes are cut, and every way the stream can break is
/// reported as <see cref="FrameReader.Read"/> reports it, without waiting for bytes that would
/// complete a frame that is already known to be bad.
/// </summary>
public sealed class TryReceiveTests
{
    private const string Peer = "process 1 at 127.0.0.1:9";

    [Fact]
    public void Frames_cut_anywhere_arrive_whole_and_in_order_one_receive_at_a_time()
    {
        var (client, server) = Loopback.Pair();
        using (client)
        using (server)
        using (var writer = new FrameWriter(client, Peer))
        using (var reader = new FrameReader(server, Peer, 1 << 20, 1, 2, 0, 1))
        {
            server.Blocking = false;
            Assert.False(reader.ReadReady);
            Assert.False(reader.TryReceive());   // nothing sent yet

            // Small frames, and one larger than the reader's buffer (it grows to take it).
            int[] lengths = [1, 100, 7, FrameReader.InitialBufferBytes + 5000, 64, 3];
            var sending = new Background<int>(() =>
            {
                for (int i = 0; i < lengths.Length; i++)
                {
                    var frame = Frame(i, lengths[i]);
                    writer.Append(frame);
                    writer.Flush();
                }

                return lengths.Length;
            });

            for (int i = 0; i < lengths.Length; i++)
            {
                WaitReady(server, reader);
                Assert.True(reader.Read(out var header, out var frame));
                Assert.Equal(i, header.Seqno);
                Assert.True(Frame(i, lengths[i]).AsSpan().SequenceEqual(frame), $"frame {i} differs");
            }

            Assert.Equal(lengths.Length, sending.Join());
            Assert.False(reader.ReadReady);
        }
    }

    [Fact]
    public void A_header_that_fails_its_checksum_is_ready_to_be_reported_before_its_payload_arrives()
    {
        var (client, server) = Loopback.Pair();
        using (client)
        using (server)
        using (var reader = new FrameReader(server, Peer, 1 << 20, 1, 2, 0, 1))
        {
            server.Blocking = false;
            var wire = Wire(Frame(0, 1000));
            wire[7] ^= 0x40;   // channel 0 becomes 64, a valid header whose checksum no longer matches
            client.Send(wire.AsSpan(0, FrameIntegrity.Prefix));   // the payload never comes
            WaitReady(server, reader);
            Assert.False(reader.HasBufferedFrame);
            var e = Assert.Throws<TcpTransportException>(() => reader.Read(out _, out _));
            Assert.Contains("header checksum mismatch", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_header_naming_workers_elsewhere_is_ready_to_be_reported_before_its_payload_arrives()
    {
        var (client, server) = Loopback.Pair();
        using (client)
        using (server)
        using (var reader = new FrameReader(server, Peer, 1 << 20, 1, 2, 0, 1))
        {
            server.Blocking = false;
            var frame = new byte[MessageHeader.Size + 1000];
            new MessageHeader(0, 1, 5, 6, 1000, 0).WriteTo(frame);
            client.Send(Wire(frame).AsSpan(0, FrameIntegrity.Prefix));
            WaitReady(server, reader);
            var e = Assert.Throws<TcpTransportException>(() => reader.Read(out _, out _));
            Assert.Contains("targets workers 5..5", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_peer_that_closes_mid_frame_is_named_by_the_receive_that_finds_it_closed()
    {
        var (client, server) = Loopback.Pair();
        using (server)
        using (var reader = new FrameReader(server, Peer, 1 << 20, 1, 2, 0, 1))
        {
            server.Blocking = false;
            client.Send(Wire(Frame(0, 100)).AsSpan(0, FrameIntegrity.Prefix + 10));
            client.Dispose();
            var waited = System.Diagnostics.Stopwatch.StartNew();
            void ReceiveUntilItBreaks()
            {
                while (waited.Elapsed < Loopback.Deadline)
                {
                    Assert.False(reader.ReadReady, "a partial frame was taken for a whole one");
                    server.Poll(Loopback.Deadline, SelectMode.SelectRead);
                    reader.TryReceive();
                }
            }

            var e = Assert.Throws<TcpTransportException>(ReceiveUntilItBreaks);
            Assert.Contains(Peer, e.Message, StringComparison.Ordinal);
            Assert.Contains("closed mid-frame", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_silent_peer_is_named_once_the_silence_bound_has_passed()
    {
        var (client, server) = Loopback.Pair();
        using (client)
        using (server)
        using (var reader = new FrameReader(server, Peer, 1 << 20, 1, 2, 0, 1) { SilenceBound = TimeSpan.FromMilliseconds(100) })
        {
            server.Blocking = false;
            var waited = System.Diagnostics.Stopwatch.StartNew();
            var e = Assert.Throws<TcpTransportException>(() =>
            {
                while (!reader.TryReceive() && waited.Elapsed < Loopback.Deadline)
                {
                    Thread.Sleep(10);
                }
            });
            Assert.Contains("not even a heartbeat", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void TryReceive_on_a_blocking_socket_is_refused_rather_than_blocking_the_caller()
    {
        var (client, server) = Loopback.Pair();
        using (client)
        using (server)
        using (var reader = new FrameReader(server, Peer, 1 << 20, 1, 2, 0, 1))
        {
            var e = Assert.Throws<InvalidOperationException>(() => reader.TryReceive());
            Assert.Contains("non-blocking", e.Message, StringComparison.Ordinal);
        }
    }

    /// <summary>Receives, one non-blocking call each time the socket is readable, until a Read would not wait.</summary>
    private static void WaitReady(Socket server, FrameReader reader)
    {
        while (!reader.ReadReady)
        {
            Assert.True(server.Poll(Loopback.Deadline, SelectMode.SelectRead), "no bytes came");
            reader.TryReceive();
        }
    }

    /// <summary>timely's frame number <paramref name="seqno"/> from worker 1 to worker 0 with a recognisable payload.</summary>
    private static byte[] Frame(int seqno, int length)
    {
        var frame = new byte[MessageHeader.Size + length];
        new MessageHeader(0, 1, 0, 1, length, seqno).WriteTo(frame);
        for (int i = 0; i < length; i++)
        {
            frame[MessageHeader.Size + i] = (byte)((seqno * 131) + i);
        }

        return frame;
    }

    /// <summary>The bytes a <see cref="FrameWriter"/> puts on the wire for <paramref name="frame"/> (the first of its connection).</summary>
    private static byte[] Wire(byte[] frame)
    {
        var (client, server) = Loopback.Pair();
        using (client)
        using (server)
        using (var writer = new FrameWriter(client, Peer))
        {
            writer.Append(frame);
            writer.Flush();
            var wire = new byte[frame.Length + FrameIntegrity.Bytes];
            int have = 0;
            while (have < wire.Length)
            {
                have += server.Receive(wire.AsSpan(have));
            }

            return wire;
        }
    }
}
