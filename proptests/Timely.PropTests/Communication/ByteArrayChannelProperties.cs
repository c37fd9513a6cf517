using System.Buffers.Binary;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Bytes;
using Timely.Communication;
using Timely.Communication.Binary;
using Timely.Communication.Diagnostics;
using Timely.Communication.Wakeup;
using Timely.Transport.Shm.Ring;

namespace Timely.PropTests.Communication;

/// <summary>
/// A channel of <c>byte[]</c> over a ring, pusher to inbox, whichever codec it was given: with
/// <see cref="ByteArrayCodec"/> (which the pusher and inbox call directly) or another codec of
/// <c>byte[]</c> (called through the interface), each record is that codec's encoding of the
/// message and the inbox pulls every message, in order, as it was pushed. The arrays' lengths
/// vary, so a decode sometimes reuses the array handed back and sometimes replaces it.
/// </summary>
public sealed class ByteArrayChannelProperties
{
    private const int Channel = 5;

    private static Gen<byte[][]> Messages() =>
        Gen.Frequency(
                (3, Gen.Choose(0, 3)),
                (1, Gen.Choose(0, 200)))
            .SelectMany(n => ArbMap.Default.GeneratorFor<byte>().ArrayOf(n))
            .ArrayOf()
            .Select(ms => ms.Take(40).ToArray());

    [Property(MaxTest = 200, QuietOnSuccess = true)]
    public Property Each_record_is_the_channels_codec_bytes_and_each_message_is_pulled_as_pushed() =>
        Prop.ForAll(Messages().ToArbitrary(), ArbMap.Default.GeneratorFor<bool>().ToArbitrary(), (messages, builtIn) =>
        {
            IWireCodec<byte[]> codec = builtIn ? ByteArrayCodec.Instance : new ReversingCodec();
            using var ring = SpscByteRing.Allocate(1 << 16);
            using var bell = Doorbell.InProcess();
            using var owner = new ThreadAllocator();
            var pusher = new BinaryPusher<byte[]>(codec, new RingWriter(ring), bell, new bool[2], new WorkerCounters(0), Channel, 0, 1, owner, compact: true);
            var inbox = new BinaryInbox<byte[]>(codec, Channel, 1, new WorkerCounters(1), new InboxActivity());
            var reader = new SpscByteRing(ring.Region);
            var pulled = new List<byte[]>();
            for (int seqno = 0; seqno < messages.Length; seqno++)
            {
                byte[]? message = messages[seqno];
                pusher.Push(ref message);
                if (!reader.TryRead(out int type, out var payload))
                {
                    return false.Label($"message {seqno}: no record");
                }

                byte[] expected = new byte[codec.Measure(messages[seqno])];
                codec.Write(expected, messages[seqno]);
                if (type != CompactRecord.Type(Channel, seqno) || !payload.SequenceEqual(expected))
                {
                    return false.Label($"message {seqno}: record type {type}, {payload.Length} bytes, not the codec's {expected.Length}");
                }

                inbox.DeliverCompact(0, CompactRecord.SeqTag(seqno), payload, payload.Length);
                reader.ReleaseRead();
                pulled.Add([.. inbox.Pull()!]);   // a copy: the array is handed back at the next pull
            }

            return (inbox.Pull() is null && pulled.Count == messages.Length && pulled.Zip(messages).All(p => p.First.AsSpan().SequenceEqual(p.Second)))
                .Label("pulled as pushed");
        });

    /// <summary>Another codec of byte[]: a u16 count, then the bytes last to first.</summary>
    private sealed class ReversingCodec : IWireCodec<byte[]>
    {
        public int Measure(in byte[] value) => sizeof(ushort) + value.Length;

        public int Write(Span<byte> destination, in byte[] value)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(destination, (ushort)value.Length);
            value.CopyTo(destination[sizeof(ushort)..]);
            destination.Slice(sizeof(ushort), value.Length).Reverse();
            return sizeof(ushort) + value.Length;
        }

        public int Read(ReadOnlySpan<byte> source, ref byte[] value)
        {
            int count = BinaryPrimitives.ReadUInt16LittleEndian(source);
            if (value is null || value.Length != count)
            {
                value = new byte[count];
            }

            source.Slice(sizeof(ushort), count).CopyTo(value);
            value.AsSpan().Reverse();
            return sizeof(ushort) + count;
        }
    }
}
