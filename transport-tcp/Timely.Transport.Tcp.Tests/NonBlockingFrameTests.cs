using Timely.Bytes;

namespace Timely.Transport.Tcp.Tests;

/// <summary>
/// The writer and reader on a non-blocking socket, as the engine's TCP fabric uses them: a
/// worker's <see cref="FrameWriter.TryFlush"/> never waits on the peer and keeps what the
/// kernel did not take, in order; the blocking calls and <see cref="FrameReader.Read"/> wait
/// for room or data instead of failing with WouldBlock.
/// </summary>
public sealed class NonBlockingFrameTests
{
    private const string Peer = "process 1 at 127.0.0.1:9";

    [Fact]
    public void TryFlush_stops_when_the_peer_does_not_read_keeps_the_rest_and_everything_arrives_in_order()
    {
        var (client, server) = Loopback.Pair();
        using (client)
        using (server)
        using (var writer = new FrameWriter(client, Peer) { Integrity = false })   // the bytes compared below are timely's frames
        {
            client.Blocking = false;
            client.SendBufferSize = 8192;
            server.ReceiveBufferSize = 8192;
            var frame = new byte[1000];
            long appended = 0;
            bool refused = false;

            // Fill until the kernel refuses part of a flush: the peer is not reading.
            for (int round = 0; round < 100_000 && !refused; round++)
            {
                while (writer.Free >= frame.Length)
                {
                    Stamp(frame, appended);
                    writer.Append(frame);
                    appended += frame.Length;
                }

                refused = !writer.TryFlush();
            }

            Assert.True(refused, "the kernel took everything; the peer's buffers never filled");
            Assert.True(writer.Pending > 0);

            // The peer reads everything; the writer finishes with a blocking flush meanwhile.
            var received = new byte[appended];
            var reading = new Background<int>(() =>
            {
                int have = 0;
                while (have < received.Length)
                {
                    int n = server.Receive(received.AsSpan(have));
                    Assert.True(n > 0, "the writer closed early");
                    have += n;
                }

                return have;
            });
            writer.Flush();
            Assert.Equal(received.Length, reading.Join());
            Assert.Equal(0, writer.Pending);
            for (long offset = 0; offset < appended; offset += frame.Length)
            {
                Stamp(frame, offset);
                Assert.True(frame.AsSpan().SequenceEqual(received.AsSpan((int)offset, frame.Length)), $"bytes at {offset} differ");
            }
        }
    }

    [Fact]
    public void TryFlush_on_a_blocking_socket_is_refused_rather_than_blocking_the_caller()
    {
        var (client, server) = Loopback.Pair();
        using (client)
        using (server)
        using (var writer = new FrameWriter(client, Peer))
        {
            writer.Append(new byte[MessageHeader.Size]);
            var e = Assert.Throws<InvalidOperationException>(() => writer.TryFlush());
            Assert.Contains("non-blocking", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Reader_on_a_non_blocking_socket_waits_for_frames_that_come_later_and_for_the_end_of_stream()
    {
        var (client, server) = Loopback.Pair();
        using (client)
        using (server)
        using (var reader = new FrameReader(server, Peer, 1 << 16, 1, 2, 0, 1) { Integrity = false })   // timely's frames, split by hand
        {
            server.Blocking = false;
            var sending = new Background<int>(() =>
            {
                for (int i = 0; i < 20; i++)
                {
                    var frame = new byte[MessageHeader.Size + 100];
                    new MessageHeader(0, 1, 0, 1, 100, i).WriteTo(frame);
                    // Header and payload in two writes: the reader sees a partial frame first.
                    client.Send(frame.AsSpan(0, 30));
                    Thread.Yield();
                    client.Send(frame.AsSpan(30));
                }

                return client.Send(new byte[MessageHeader.Size]);
            });

            for (int i = 0; i < 20; i++)
            {
                Assert.True(reader.Read(out var header, out var frame));
                Assert.Equal(i, header.Seqno);
                Assert.Equal(MessageHeader.Size + 100, frame.Length);
            }

            Assert.False(reader.Read(out _, out _));
            Assert.Equal(MessageHeader.Size, sending.Join());
        }
    }

    [Fact]
    public void Reader_on_a_non_blocking_socket_names_the_peer_when_it_closes_mid_frame()
    {
        var (client, server) = Loopback.Pair();
        using (server)
        using (var reader = new FrameReader(server, Peer, 1 << 16, 1, 2, 0, 1) { Integrity = false })
        {
            server.Blocking = false;
            var frame = new byte[MessageHeader.Size + 100];
            new MessageHeader(0, 1, 0, 1, 100, 0).WriteTo(frame);
            client.Send(frame.AsSpan(0, MessageHeader.Size + 10));
            client.Dispose();
            var e = Assert.Throws<TcpTransportException>(() => reader.Read(out _, out _));
            Assert.Contains(Peer, e.Message, StringComparison.Ordinal);
            Assert.Contains("mid-frame", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Reader_with_a_silence_bound_fails_naming_the_peer_when_nothing_arrives()
    {
        var (client, server) = Loopback.Pair();
        using (client)
        using (server)
        using (var reader = new FrameReader(server, Peer, 1 << 16, 1, 2, 0, 1) { SilenceBound = TimeSpan.FromMilliseconds(200) })
        {
            server.Blocking = false;
            var e = Assert.Throws<TcpTransportException>(() => reader.Read(out _, out _));
            Assert.Contains(Peer, e.Message, StringComparison.Ordinal);
            Assert.Contains("not even a heartbeat", e.Message, StringComparison.Ordinal);
        }
    }

    private static void Stamp(byte[] frame, long offset)
    {
        for (int i = 0; i < frame.Length; i++)
        {
            frame[i] = (byte)((offset + i) * 31 >> 3);
        }
    }
}
