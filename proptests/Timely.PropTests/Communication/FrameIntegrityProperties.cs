using System.Net.Sockets;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Bytes;
using Timely.Testing;
using Timely.Transport.Tcp;

namespace Timely.PropTests.Communication;

/// <summary>
/// Frames written with the integrity extension (sequence number and CRC-32C checks) and read
/// back after one accident in transit: a flipped byte anywhere, a frame dropped or repeated, a
/// forged end-of-stream header (timely's 48 zero bytes) inserted, or the stream cut short. The
/// reader delivers only frames identical to those written, in order, and then fails naming the
/// peer; it never delivers a changed frame and never ends the stream cleanly. Untouched, every
/// frame arrives and the stream ends cleanly. Both ways of reading hold it: <c>Read</c> alone,
/// and <c>HasBufferedFrame</c> before each <c>Read</c> (the receive path's way, where the
/// header's checksum verdict is kept between the two).
/// </summary>
public sealed class FrameIntegrityProperties
{
    private const string Peer = "process 1 at 127.0.0.1:9";

    /// <summary>What happens to the wire: Kind 0 none, 1 flip, 2 drop, 3 repeat, 4 forged end, 5 cut; LooksFirst: the reader is asked HasBufferedFrame before each Read.</summary>
    public readonly record struct Accident(int Kind, int Where, byte Mask, bool LooksFirst);

    private static Gen<(byte[][] Frames, Accident Accident)> Cases() =>
        from count in Gen.Choose(0, 12)
        from lengths in Gen.ArrayOf(Gen.Frequency((4, Gen.Choose(1, 16)), (1, Gen.Choose(17, 600))), count)
        from channels in Gen.ArrayOf(Gen.Choose(0, 5), count)
        from seed in Gen.Choose(0, int.MaxValue)
        from kind in Gen.Choose(0, 5)
        from at in Gen.Choose(0, int.MaxValue)
        from mask in Gen.Choose(1, 255)
        from look in Gen.Elements(false, true)
        select (Frames(lengths, channels, seed), new Accident(kind == 3 && count == 0 ? 2 : kind, at, (byte)mask, look));   // a repeated end of stream alone is harmless: nothing follows it

    [Property(MaxTest = 300, QuietOnSuccess = true)]
    public Property An_accident_in_transit_is_a_named_error_after_only_true_frames() =>
        Prop.ForAll(Cases().ToArbitrary(), c =>
        {
            byte[] wire = Written(c.Frames);
            var boundaries = Boundaries(wire, c.Frames);
            byte[] damaged = Damage(wire, boundaries, c.Accident);
            var (delivered, ended, error) = ReadAll(damaged, c.Accident.LooksFirst);

            bool trueFrames = delivered.Count <= c.Frames.Length && delivered.Select((f, i) => f.AsSpan().SequenceEqual(c.Frames[i])).All(x => x);
            return c.Accident.Kind == 0
                ? (trueFrames && ended && error is null && delivered.Count == c.Frames.Length).Label("untouched: all frames, clean end")
                : (trueFrames && !ended && error is not null && error.Contains(Peer, StringComparison.Ordinal)).Label($"accident {c.Accident}: true frames then a named error, got {delivered.Count} frames, ended {ended}, error {error}");
        });

    private static byte[][] Frames(int[] lengths, int[] channels, int seed)
    {
        var random = new Random(seed);
        return lengths.Select((length, i) =>
        {
            var frame = new byte[MessageHeader.Size + length];
            new MessageHeader(channels[i], 1, 0, 1, length, i).WriteTo(frame);
            random.NextBytes(frame.AsSpan(MessageHeader.Size));
            return frame;
        }).ToArray();
    }

    /// <summary>The bytes a <see cref="FrameWriter"/> puts on the wire for <paramref name="frames"/> and its end of stream.</summary>
    private static byte[] Written(byte[][] frames)
    {
        var (client, server) = Pair();
        using (client)
        using (server)
        {
            using (var writer = new FrameWriter(client, "process 0 at 127.0.0.1:8"))
            {
                foreach (var frame in frames)
                {
                    writer.Append(frame);
                }

                writer.End();
            }

            client.Shutdown(SocketShutdown.Send);
            return Drain(server);
        }
    }

    /// <summary>Where each frame starts on the wire, the end of stream last, then the wire's length.</summary>
    private static int[] Boundaries(byte[] wire, byte[][] frames)
    {
        var starts = new List<int> { 0 };
        foreach (var frame in frames)
        {
            starts.Add(starts[^1] + frame.Length + FrameIntegrity.Bytes);
        }

        starts.Add(starts[^1] + FrameIntegrity.Prefix);
        Assert.Equal(wire.Length, starts[^1]);   // the writer's layout is what this property assumes
        return starts.ToArray();
    }

    private static byte[] Damage(byte[] wire, int[] boundaries, Accident accident)
    {
        int frames = boundaries.Length - 1;   // the end of stream counts as a frame here
        int k = accident.Where % frames;
        var copy = wire.ToList();
        switch (accident.Kind)
        {
            case 1:
                copy[accident.Where % wire.Length] ^= accident.Mask;
                break;
            case 2:
                copy.RemoveRange(boundaries[k], boundaries[k + 1] - boundaries[k]);
                break;
            case 3:
                k %= frames - 1;   // a data frame: one repeated after the end of stream is never read
                copy.InsertRange(boundaries[k + 1], wire.AsSpan(boundaries[k], boundaries[k + 1] - boundaries[k]).ToArray());
                break;
            case 4:
                copy.InsertRange(boundaries[k], new byte[MessageHeader.Size]);
                break;
            case 5:
                copy.RemoveRange(accident.Where % wire.Length, wire.Length - (accident.Where % wire.Length));
                break;
            default:
                break;
        }

        return copy.ToArray();
    }

    private static (List<byte[]> Delivered, bool Ended, string? Error) ReadAll(byte[] wire, bool looksFirst)
    {
        var delivered = new List<byte[]>();
        var (client, server) = Pair();
        using (client)
        using (server)
        using (var reader = new FrameReader(server, Peer, 1 << 16, 1, 2, 0, 1))
        {
            client.Send(wire);
            client.Shutdown(SocketShutdown.Send);
            try
            {
                while (true)
                {
                    if (looksFirst)
                    {
                        _ = reader.HasBufferedFrame;   // as the receive path asks before each Read
                    }

                    if (!reader.Read(out _, out var frame))
                    {
                        break;
                    }

                    delivered.Add(frame.ToArray());
                }

                return (delivered, true, null);
            }
            catch (TcpTransportException e)
            {
                return (delivered, false, e.Message);
            }
        }
    }

    private static (Socket Client, Socket Server) Pair() => LoopbackPair.Connect(TimeSpan.FromSeconds(10));   // a broken property fails, never hangs

    private static byte[] Drain(Socket socket)
    {
        var all = new List<byte>();
        var chunk = new byte[8192];
        int n;
        while ((n = socket.Receive(chunk)) > 0)
        {
            all.AddRange(chunk.AsSpan(0, n));
        }

        return all.ToArray();
    }
}
