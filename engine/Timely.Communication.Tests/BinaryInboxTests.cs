using System.Buffers.Binary;
using Timely.Bytes;
using Timely.Communication.Binary;
using Timely.Communication.Diagnostics;

namespace Timely.Communication.Tests;

/// <summary>
/// One channel's receiving side of the bytes allocator, driven directly: messages are pulled in
/// the order they were decoded however decodes and pulls interleave, an instance handed back
/// through the pull slot is the one the next message decodes into, and every decoded message
/// that can carry its sender is stamped with it, whether its channel's type says so or only the
/// instance the codec made does.
/// </summary>
public sealed class BinaryInboxTests
{
    private const int Source = 1;

    [Fact]
    public void Messages_are_pulled_in_the_order_decoded_however_decodes_and_pulls_interleave()
    {
        var (inbox, activity) = NewInbox(new BoxCodec());
        long seqno = 0;
        var pulled = new List<long>();

        // One at a time (the common hop), then bursts with pulls in between, then one again.
        int[][] plan = [[1, 1], [1, 1], [3, 1], [2, 2], [0, 5], [1, 0], [0, 1], [4, 0], [1, 2], [0, 9]];
        foreach (int[] step in plan)
        {
            for (int i = 0; i < step[0]; i++)
            {
                Deliver(inbox, seqno++);
            }

            for (int i = 0; i < step[1]; i++)
            {
                ref Box? slot = ref inbox.Pull();
                if (slot is null)
                {
                    break;
                }

                pulled.Add(slot.Value);
            }

            Assert.Equal(seqno - pulled.Count, activity.Queued);
        }

        Assert.Equal(Enumerable.Range(0, (int)seqno).Select(i => (long)i), pulled);
        Assert.Null(inbox.Pull());
    }

    [Fact]
    public void An_instance_handed_back_through_the_pull_slot_is_the_one_the_next_message_decodes_into()
    {
        var (inbox, _) = NewInbox(new BoxCodec());
        Deliver(inbox, 0);
        Box first = inbox.Pull()!;
        Assert.Null(inbox.Pull());   // hands `first` back
        Deliver(inbox, 1);
        Box second = inbox.Pull()!;
        Assert.Same(first, second);
        Assert.Equal(1, second.Value);
    }

    [Fact]
    public void A_decoded_message_of_a_sealed_type_that_carries_its_sender_is_stamped_with_it()
    {
        var (inbox, _) = NewInbox(new StampedBoxCodec());
        Deliver(inbox, 0);
        Deliver(inbox, 1);
        var stamps = new List<(int, long)>();
        while (inbox.Pull() is { } message)
        {
            stamps.Add((message.Source, message.Seqno));
        }

        Assert.Equal([(Source, 0L), (Source, 1L)], stamps);
    }

    [Fact]
    public void A_decoded_message_whose_instance_carries_its_sender_is_stamped_though_its_channels_type_does_not()
    {
        var (inbox, _) = NewInbox(new DerivedStampedCodec());
        Deliver(inbox, 0);
        var message = Assert.IsType<StampedBox>(inbox.Pull());
        Assert.Equal((Source, 0L), (message.Source, message.Seqno));
    }

    private static (BinaryInbox<T> Inbox, InboxActivity Activity) NewInbox<T>(IWireCodec<T> codec)
        where T : class
    {
        var activity = new InboxActivity();
        return (new BinaryInbox<T>(codec, 5, 2, new WorkerCounters(0), activity), activity);
    }

    private static void Deliver(BinaryInbox inbox, long seqno)
    {
        byte[] payload = new byte[sizeof(long)];
        BinaryPrimitives.WriteInt64LittleEndian(payload, seqno);
        Assert.Equal(seqno, inbox.DeliverCompact(Source, CompactRecord.SeqTag(seqno), payload, payload.Length));
    }

    /// <summary>A message type that is not sealed and does not carry its sender.</summary>
    public class Box
    {
        public long Value { get; set; }
    }

    /// <summary>A sealed message type that carries its sender.</summary>
    public sealed class StampedBox : Box, ISenderStamped
    {
        public int Source { get; private set; } = -1;

        public long Seqno { get; private set; } = -1;

        public void StampSender(int source, long seqno) => (Source, Seqno) = (source, seqno);
    }

    /// <summary>Boxes as 8 bytes, decoding into the instance handed in when there is one.</summary>
    private class BoxCodec : IWireCodec<Box>
    {
        public int Measure(in Box value) => sizeof(long);

        public int Write(Span<byte> destination, in Box value)
        {
            BinaryPrimitives.WriteInt64LittleEndian(destination, value.Value);
            return sizeof(long);
        }

        public virtual int Read(ReadOnlySpan<byte> source, ref Box value)
        {
            value ??= new Box();
            value.Value = BinaryPrimitives.ReadInt64LittleEndian(source);
            return sizeof(long);
        }
    }

    /// <summary>A channel of <see cref="Box"/> whose codec makes <see cref="StampedBox"/>es.</summary>
    private sealed class DerivedStampedCodec : BoxCodec
    {
        public override int Read(ReadOnlySpan<byte> source, ref Box value)
        {
            value = new StampedBox { Value = BinaryPrimitives.ReadInt64LittleEndian(source) };
            return sizeof(long);
        }
    }

    private sealed class StampedBoxCodec : IWireCodec<StampedBox>
    {
        public int Measure(in StampedBox value) => sizeof(long);

        public int Write(Span<byte> destination, in StampedBox value)
        {
            BinaryPrimitives.WriteInt64LittleEndian(destination, value.Value);
            return sizeof(long);
        }

        public int Read(ReadOnlySpan<byte> source, ref StampedBox value)
        {
            value ??= new StampedBox();
            value.Value = BinaryPrimitives.ReadInt64LittleEndian(source);
            return sizeof(long);
        }
    }
}
