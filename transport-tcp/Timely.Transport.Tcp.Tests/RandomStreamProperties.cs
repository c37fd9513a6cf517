using FsCheck;
using FsCheck.Fluent;
using Microsoft.FSharp.Core;
using Timely.Bytes;

namespace Timely.Transport.Tcp.Tests;

/// <summary>
/// Random byte streams at a listener's frame reader and handshake check: each ends in a clean
/// end of stream or a <see cref="TcpTransportException"/>, never another exception, a hang or
/// an allocation beyond the configured bound.
/// </summary>
public sealed class RandomStreamProperties
{
    private const int Max = 4096;

    // Streams are mostly garbage; a third start with a plausible header (source 1, target 0,
    // random length) so the payload and truncation paths are reached too.
    private static readonly Gen<byte[]> Streams =
        Gen.OneOf(
            Gen.Choose(0, 300).SelectMany(n => Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>(), n)),
            Gen.Zip(Gen.Choose(0, 2 * Max), Gen.Choose(0, 300)).SelectMany(t =>
                Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>(), t.Item2).Select(tail =>
                    (byte[])[.. Loopback.Header(0, 1, 0, 1, (ulong)t.Item1, 0), .. tail])));

    private static Config Seeded(int maxTest, ulong seed) =>
        Config.QuickThrowOnFailure.WithMaxTest(maxTest)
            .WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(seed), FSharpOption<int>.None)));

    [Fact]
    public void Every_random_stream_ends_in_a_clean_close_or_a_named_error()
    {
        Check.One(Seeded(100, 0x5EED), Prop.ForAll(Streams.ToArbitrary(), bytes =>
        {
            var (client, server) = Loopback.Pair();
            using (server)
            using (var reader = new FrameReader(server, "process 1 at test", Max, 1, 2, 0, 1))
            {
                client.Send(bytes);
                client.Dispose();
                try
                {
                    for (int frames = 0; ; frames++)
                    {
                        Assert.True(frames <= bytes.Length / MessageHeader.Size, "more frames than the bytes can hold");
                        if (!reader.Read(out var header, out var frame))
                        {
                            return;   // clean end of stream
                        }

                        Assert.InRange(header.Length, 1, Max);
                        Assert.Equal(header.RequiredBytes, frame.Length);
                    }
                }
                catch (TcpTransportException e)
                {
                    Assert.StartsWith("process 1 at test: ", e.Message, StringComparison.Ordinal);
                }
            }
        }));
    }

    [Fact]
    public void Every_random_handshake_is_accepted_only_if_it_matches()
    {
        var expected = new Handshake(0, 2, 1, 9, 0);
        Check.One(Seeded(300, 0xBEEF), Prop.ForAll(Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>(), Handshake.Size).ToArbitrary(), bytes =>
        {
            try
            {
                var h = Handshake.ReadAndCheck(bytes, expected, "a client at test");
                Assert.Equal(expected.Job, h.Job);
                Assert.Equal(expected.Processes, h.Processes);
            }
            catch (TcpTransportException e)
            {
                Assert.StartsWith("handshake from a client at test refused: ", e.Message, StringComparison.Ordinal);
            }
        }));
    }
}
