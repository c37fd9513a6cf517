using Timely.Bytes;
using Timely.Communication.Binary;
using Timely.Communication.Startup;
using Timely.Transport.Shm.Ring;

namespace Timely.Communication.Tests;

/// <summary>
/// A worker that reads its connection itself (<see cref="IDirectReceive"/>) takes the receive
/// thread's ring before the socket: a receive looks whether it holds the connection before it
/// drains its rings, so frames the thread wrote just before it gave the connection back are
/// delivered before any frame the worker then reads from the socket. Here the give-back happens
/// exactly inside that look, which is the interleaving that reordered messages when the look came
/// after the drain.
/// </summary>
public sealed class DirectReceiveOrderTests
{
    [Fact]
    public void Frames_the_thread_wrote_before_giving_the_socket_back_come_before_the_sockets()
    {
        using var self = SpscByteRing.Allocate(65536);
        using var toPeer = SpscByteRing.Allocate(65536);
        using var fromThread = SpscByteRing.Allocate(65536);
        using var group = new WorkerGroup(2);
        using var threadWriter = new RingWriter(fromThread);
        var direct = new GivesBackWhenAsked(threadWriter, [Frame(0), Frame(1), Frame(2)], [Frame(3), Frame(4), Frame(5)]);
        var links = new BinaryLinks
        {
            WriterByTarget = [new RingWriter(self), new RingWriter(toPeer)],
            CompactByTarget = [true, false],
            BellByTarget = [group.Doorbells[0], group.Doorbells[1]],
            Readers = [new InboundRing(new RingReader(self), 0), new InboundRing(new RingReader(fromThread), InboundRing.Relayed)],
            OwnBell = group.Doorbells[0],
            Status = group,
            Direct = direct,
        };
        using var allocator = new BinaryAllocator(0, 2, links, 0);
        var (_, receiver) = allocator.Allocate<string>(0);

        allocator.Receive();
        var got = new List<string>();
        ref string? slot = ref receiver.Pull();
        for (; slot is not null; slot = ref receiver.Pull())
        {
            got.Add(slot);
            slot = null;
        }

        Assert.Equal(["m0", "m1", "m2", "m3", "m4", "m5"], got);
        Assert.Equal(3, allocator.DirectFrames);
    }

    /// <summary>timely's frame <paramref name="seqno"/> on channel 0 from worker 1 (the peer) to worker 0, carrying "m{seqno}".</summary>
    private static byte[] Frame(int seqno)
    {
        var codec = WireCodec<string>.Default;
        string text = "m" + seqno;
        var frame = new byte[MessageHeader.Size + codec.Measure(text)];
        new MessageHeader(0, 1, 0, 1, frame.Length - MessageHeader.Size, seqno).WriteTo(frame);
        codec.Write(frame.AsSpan(MessageHeader.Size), text);
        return frame;
    }

    /// <summary>
    /// A connection whose receive thread, at the worker's first look, writes its last frames into
    /// the worker's ring and gives the connection back in the same instant; the socket then holds
    /// the frames that follow.
    /// </summary>
    private sealed class GivesBackWhenAsked(RingWriter threadRing, byte[][] ringFrames, byte[][] socketFrames) : IDirectReceive
    {
        private bool _given;
        private int _taken;

        public bool Holding => _given;

        public bool Request()
        {
            if (!_given)
            {
                foreach (var frame in ringFrames)
                {
                    threadRing.Send(0, frame);
                }

                _given = true;
            }

            return true;
        }

        public bool TryTake(ref bool received, out ReadOnlySpan<byte> frame)
        {
            frame = default;
            if (!_given || _taken == socketFrames.Length)
            {
                return false;
            }

            frame = socketFrames[_taken++];
            return true;
        }

        public bool Poll() => _given && _taken < socketFrames.Length;

        public void BeforePark()
        {
        }

        public void Surrender()
        {
        }
    }
}
