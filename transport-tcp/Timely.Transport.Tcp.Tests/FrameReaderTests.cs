using System.Net.Sockets;
using Timely.Bytes;

namespace Timely.Transport.Tcp.Tests;

/// <summary>
/// Frames from a peer (process 1, worker 1) to this process (worker 0), cut and checked by
/// <see cref="FrameReader"/>: good frames arrive intact, and every malformed or broken stream
/// fails with a <see cref="TcpTransportException"/> that names the peer and says what was wrong.
/// </summary>
public sealed class FrameReaderTests
{
    private const string Peer = "process 1 at 127.0.0.1:9";
    private const int Max = 1024;

    // timely's frames exactly (as Rust timely sends them): the integrity extension has its own tests.
    private static FrameReader ReaderOn(Socket server, int max = Max) => new(server, Peer, max, 1, 2, 0, 1) { Integrity = false };

    [Fact]
    public void Frames_arrive_intact_in_order_and_the_stream_ends_at_a_zero_length_header()
    {
        var (client, server) = Loopback.Pair();
        using (client)
        using (server)
        using (var reader = ReaderOn(server))
        {
            var wire = new List<byte>();
            for (int i = 0; i < 100; i++)
            {
                var frame = new byte[MessageHeader.Size + 1 + i];
                new MessageHeader(i % 3, 1, 0, 1, 1 + i, i).WriteTo(frame);
                frame.AsSpan(MessageHeader.Size).Fill((byte)i);
                wire.AddRange(frame);
            }

            wire.AddRange(new byte[MessageHeader.Size]);
            client.Send(wire.ToArray());

            for (int i = 0; i < 100; i++)
            {
                Assert.True(reader.Read(out var header, out var frame));
                Assert.Equal(new MessageHeader(i % 3, 1, 0, 1, 1 + i, i), header);
                Assert.Equal(MessageHeader.Size + 1 + i, frame.Length);
                Assert.True(frame[MessageHeader.Size..].IndexOfAnyExcept((byte)i) < 0);
            }

            Assert.False(reader.Read(out _, out _));
            Assert.Equal(100, reader.Frames);
        }
    }

    [Fact]
    public void A_frame_larger_than_the_buffer_but_within_the_limit_is_delivered_whole()
    {
        var (client, server) = Loopback.Pair();
        using (client)
        using (server)
        using (var reader = ReaderOn(server, 1 << 20))
        {
            int length = FrameReader.InitialBufferBytes * 2 + 5;
            var frame = new byte[MessageHeader.Size + length];
            new MessageHeader(0, 1, 0, 1, length, 0).WriteTo(frame);
            new Random(3).NextBytes(frame.AsSpan(MessageHeader.Size));
            var send = new Background<int>(() => client.Send(frame));
            Assert.True(reader.Read(out var header, out var got));
            Assert.Equal(length, header.Length);
            Assert.True(got.SequenceEqual(frame));
            Assert.Equal(frame.Length, send.Join());
        }
    }

    public static TheoryData<string, string> Malformed => new()
    {
        { "length above the limit", "above the limit of 1024" },
        { "length 2^63", "bad header" },
        { "channel above int", "bad header" },
        { "lower above upper", "bad header" },
        { "foreign source", "claims source worker 5" },
        { "foreign target", "targets workers 3..3" },
        { "empty target range", "targets workers 0..-1" },
        { "garbage", "bad header" },
        { "truncated header", "closed mid-frame: 20 of 48 bytes" },
        { "truncated payload", "closed mid-frame: 58 of 148 bytes" },
        { "closed without end of stream", "without an end-of-stream header" },
        { "reset mid-frame", Peer },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void A_malformed_or_broken_stream_fails_naming_the_peer(string kind, string expected)
    {
        var (client, server) = Loopback.Pair();
        using (server)
        using (var reader = ReaderOn(server))
        {
            var good = new byte[MessageHeader.Size + 4];
            new MessageHeader(0, 1, 0, 1, 4, 0).WriteTo(good);
            client.Send(good);   // one good frame first: errors after progress still name the peer
            client.Send(Bytes(kind));
            if (kind == "reset mid-frame")
            {
                client.LingerState = new LingerOption(true, 0);
            }

            client.Dispose();

            Assert.True(reader.Read(out _, out _));
            var e = Assert.Throws<TcpTransportException>(() => reader.Read(out _, out _));
            Assert.Contains(expected, e.Message, StringComparison.Ordinal);
            Assert.Contains("(frame at stream byte 52)", e.Message, StringComparison.Ordinal);   // after the good 52-byte frame
            Assert.StartsWith(Peer, e.Message, StringComparison.Ordinal);
            Assert.Equal(Peer, e.Peer);
        }
    }

    private static byte[] Bytes(string kind) => kind switch
    {
        "length above the limit" => Loopback.Header(0, 1, 0, 1, Max + 1, 1),
        "length 2^63" => Loopback.Header(0, 1, 0, 1, 1UL << 63, 1),
        "channel above int" => Loopback.Header(1UL << 40, 1, 0, 1, 4, 1),
        "lower above upper" => Loopback.Header(0, 1, 1, 0, 4, 1),
        "foreign source" => Loopback.Header(0, 5, 0, 1, 4, 1),
        "foreign target" => Loopback.Header(0, 1, 3, 4, 4, 1),
        "empty target range" => Loopback.Header(0, 1, 0, 0, 4, 1),
        "garbage" => Enumerable.Repeat((byte)0xFF, 64).ToArray(),
        "truncated header" => Loopback.Header(0, 1, 0, 1, 4, 1)[..20],
        "truncated payload" => [.. Loopback.Header(0, 1, 0, 1, 100, 1), .. new byte[10]],
        "closed without end of stream" => [],
        "reset mid-frame" => [.. Loopback.Header(0, 1, 0, 1, 1000, 1), .. new byte[10]],
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown case"),
    };
}
