using System.Buffers.Binary;
using Timely.Bytes;
using Timely.Communication.Binary;
using Timely.Communication.Diagnostics;
using Timely.Communication.Wakeup;
using Timely.Transport.Shm.Ring;

namespace Timely.Communication.Tests;

/// <summary>
/// A channel of <c>byte[]</c> whose codec is <see cref="ByteArrayCodec"/> is sent and received
/// through that codec's methods directly; one given any other codec of <c>byte[]</c> still sends
/// that codec's bytes and decodes with it. A pusher on worker 0's ring to worker 1 of a
/// ProcessBinary fabric, and an inbox, each built here with the codec under test.
/// </summary>
public sealed class ByteArrayChannelTests
{
    private const int Channel = 3;

    public static TheoryData<string> Codecs => ["built-in", "inverting"];

    [Theory]
    [MemberData(nameof(Codecs))]
    public void A_pushed_array_is_its_channels_codec_bytes(string name)
    {
        IWireCodec<byte[]> codec = CodecNamed(name);
        using var pair = new ProcessBinaryWorkers(2, 4096);
        using var bell = Doorbell.InProcess();
        var pusher = new BinaryPusher<byte[]>(codec, new RingWriter(pair.Fabric.RingOf(0, 1)), bell, new bool[2], new WorkerCounters(0), Channel, 0, 1, pair.All[0], compact: true);
        var reader = new SpscByteRing(pair.Fabric.RingOf(0, 1).Region);
        byte[][] messages = [[1, 2, 3], [], [.. Enumerable.Range(0, 64).Select(i => (byte)i)]];
        for (int seqno = 0; seqno < messages.Length; seqno++)
        {
            byte[]? message = messages[seqno];
            pusher.Push(ref message);
            Assert.Same(messages[seqno], message);   // the caller's array stays in its slot
            Assert.True(reader.TryRead(out int type, out var payload));
            Assert.Equal(CompactRecord.Type(Channel, seqno), type);
            Assert.Equal(Encode(codec, messages[seqno]), payload.ToArray());
            reader.ReleaseRead();
        }
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public void A_received_array_is_decoded_by_its_channels_codec_into_the_array_handed_back(string name)
    {
        IWireCodec<byte[]> codec = CodecNamed(name);
        var inbox = new BinaryInbox<byte[]>(codec, Channel, 2, new WorkerCounters(1), new InboxActivity());
        Deliver(inbox, codec, 0, [7, 8, 9]);
        byte[] first = inbox.Pull()!;
        Assert.Equal([7, 8, 9], first);
        Assert.Null(inbox.Pull());   // hands `first` back

        Deliver(inbox, codec, 1, [4, 5, 6]);
        byte[] second = inbox.Pull()!;
        Assert.Same(first, second);   // same length: decoded into the array handed back
        Assert.Equal([4, 5, 6], second);
        Assert.Null(inbox.Pull());

        Deliver(inbox, codec, 2, [1]);
        Assert.Equal([1], inbox.Pull());
    }

    [Fact]
    public void The_default_codec_of_byte_arrays_is_the_built_in_one()
    {
        WireCodec.PrepareArray<byte>();
        Assert.Same(ByteArrayCodec.Instance, WireCodec<byte[]>.Default);
    }

    private static void Deliver(BinaryInbox inbox, IWireCodec<byte[]> codec, long seqno, byte[] message) =>
        Assert.Equal(seqno, inbox.DeliverCompact(0, CompactRecord.SeqTag(seqno), Encode(codec, message), 0));

    private static IWireCodec<byte[]> CodecNamed(string name) => name == "built-in" ? ByteArrayCodec.Instance : new InvertingCodec();

    private static byte[] Encode(IWireCodec<byte[]> codec, byte[] message)
    {
        byte[] bytes = new byte[codec.Measure(message)];
        Assert.Equal(bytes.Length, codec.Write(bytes, message));
        return bytes;
    }

    /// <summary>
    /// Another codec of byte[]: a u32 count, then each byte inverted; a read reuses the array
    /// handed in when its length matches, as the built-in codec's does.
    /// </summary>
    private sealed class InvertingCodec : IWireCodec<byte[]>
    {
        public int Measure(in byte[] value) => sizeof(int) + value.Length;

        public int Write(Span<byte> destination, in byte[] value)
        {
            BinaryPrimitives.WriteInt32LittleEndian(destination, value.Length);
            for (int i = 0; i < value.Length; i++)
            {
                destination[sizeof(int) + i] = (byte)~value[i];
            }

            return sizeof(int) + value.Length;
        }

        public int Read(ReadOnlySpan<byte> source, ref byte[] value)
        {
            int count = BinaryPrimitives.ReadInt32LittleEndian(source);
            if (value is null || value.Length != count)
            {
                value = new byte[count];
            }

            for (int i = 0; i < count; i++)
            {
                value[i] = (byte)~source[sizeof(int) + i];
            }

            return sizeof(int) + count;
        }
    }
}
