using System.Buffers.Binary;
using Timely.Bytes;
using Timely.Communication.Binary;
using Timely.Communication.Fabrics;
using Timely.Communication.Logging;
using Timely.Transport.Shm.Ring;

namespace Timely.Communication.Tests;

/// <summary>
/// The compact record of a ring that joins two workers (ring layout version 3): where it goes,
/// what it costs, what is logged for it, and how a garbled or hostile one is refused. Two
/// workers of a ProcessBinary fabric on the test thread: worker 0's ring to worker 1 is
/// written either by worker 0's allocator or, for hostile records, by the test itself.
/// </summary>
public sealed class CompactRecordTests : IDisposable
{
    private const int Channel = 3;
    private readonly ProcessBinaryWorkers _pair = new(2, 4096);
    private readonly ProcessBinaryFabric _fabric;
    private readonly BinaryAllocator[] _workers;

    public CompactRecordTests()
    {
        _fabric = _pair.Fabric;
        _workers = _pair.All;
    }

    public void Dispose() => _pair.Dispose();

    [Fact]
    public void A_message_between_two_workers_is_the_codec_bytes_with_channel_and_tag_in_the_type_word()
    {
        var (senders, _) = _workers[0].Allocate<string>(Channel);
        var reader = new SpscByteRing(_fabric.RingOf(0, 1).Region);
        for (long seqno = 0; seqno < 130; seqno++)
        {
            string? m = $"m{seqno}";
            senders[1].Push(ref m);
            Assert.True(reader.TryRead(out int type, out var payload));
            Assert.Equal(CompactRecord.Type(Channel, seqno), type);
            Assert.Equal((int)(seqno % 128), CompactRecord.SeqTagOf(type));
            Assert.Equal(Encode($"m{seqno}"), payload.ToArray());   // no MessageHeader before it
            reader.ReleaseRead();
        }

        // What the sender counts is what the ring carried, not 48 bytes more.
        Assert.Equal(Enumerable.Range(0, 130).Sum(i => Encode($"m{i}").Length), _workers[0].Counters.BytesSent);
    }

    [Fact]
    public void An_id_that_does_not_fit_the_type_word_travels_as_the_payload_prefix()
    {
        var (senders, _) = _workers[0].Allocate<string>(Allocator.MaxChannelId);
        string? m = "big";
        senders[1].Push(ref m);
        var reader = new SpscByteRing(_fabric.RingOf(0, 1).Region);
        Assert.True(reader.TryRead(out int type, out var payload));
        Assert.Equal(CompactRecord.EscapedChannel, type);   // tag 0, channel field all ones
        Assert.Equal(Allocator.MaxChannelId, BinaryPrimitives.ReadInt32LittleEndian(payload));
        Assert.Equal(Encode("big"), payload[4..].ToArray());
    }

    [Fact]
    public void Each_record_is_dispatched_to_the_channel_its_type_word_names()
    {
        var a = _workers[1].Allocate<string>(Channel).Receiver;
        var b = _workers[1].Allocate<string>(Channel + 1).Receiver;
        var writer = new RingWriter(_fabric.RingOf(0, 1));
        writer.Send(CompactRecord.Type(Channel + 1, 0), Encode("to b"));
        writer.Send(CompactRecord.Type(Channel, 0), Encode("to a"));
        writer.Send(CompactRecord.Type(Channel + 1, 1), Encode("to b again"));
        _workers[1].Receive();
        Assert.Equal(["to a"], Drain(a));
        Assert.Equal(["to b", "to b again"], Drain(b));
    }

    [Fact]
    public void Logged_sends_and_receives_carry_the_headers_timely_would_have_sent()
    {
        var sent = new List<MessageHeader>();
        var received = new List<MessageHeader>();
        _workers[0].CommunicationLogger = Collect(sent);
        _workers[1].CommunicationLogger = Collect(received);
        var (senders, _) = _workers[0].Allocate<string>(Channel);
        var (_, receiver) = _workers[1].Allocate<string>(Channel);
        for (int i = 0; i < 5; i++)
        {
            string? m = new('x', i);
            senders[1].Push(ref m);
        }

        _workers[1].Receive();
        Assert.Equal(5, Drain(receiver).Count);
        _workers[0].CommunicationLogger!.Flush();
        _workers[1].CommunicationLogger!.Flush();
        var expected = Enumerable.Range(0, 5).Select(i => new MessageHeader(Channel, 0, 1, 2, Encode(new string('x', i)).Length, i)).ToList();
        Assert.Equal(expected, sent);
        Assert.Equal(expected, received);
    }

    [Fact]
    public void A_lost_record_is_reported_by_its_sequence_tag()
    {
        _workers[1].Allocate<string>(Channel);
        var writer = new RingWriter(_fabric.RingOf(0, 1));
        writer.Send(CompactRecord.Type(Channel, 0), Encode("first"));
        writer.Send(CompactRecord.Type(Channel, 2), Encode("third"));   // message 1 never came
        var error = Assert.Throws<WireFormatException>(_workers[1].Receive);
        Assert.Equal(
            "channel 3: a compact record with sequence tag 2 from worker 0 arrived where message 1 (tag 1) was expected (a message was lost, repeated or reordered, or the record's type word is garbled).",
            error.Message);
    }

    [Fact]
    public void A_type_word_garbled_into_another_allocated_channel_is_reported_not_delivered()
    {
        var a = _workers[1].Allocate<string>(Channel).Receiver;
        var b = _workers[1].Allocate<long[]>(Channel + 8).Receiver;
        var writer = new RingWriter(_fabric.RingOf(0, 1));
        writer.Send(CompactRecord.Type(Channel, 0), Encode("zero"));
        writer.Send(CompactRecord.Type(Channel, 1), Encode("one"));
        // Message 2 of channel 3 with bit 3 of the type word flipped: channel 11, tag 2, where
        // channel 11 expects message 0.
        writer.Send(CompactRecord.Type(Channel, 2) ^ 8, Encode("two"));
        var error = Assert.Throws<WireFormatException>(_workers[1].Receive);
        Assert.StartsWith("channel 11: a compact record with sequence tag 2 from worker 0 arrived where message 0 (tag 0)", error.Message, StringComparison.Ordinal);
        Assert.Equal(["zero", "one"], Drain(a));
        Assert.Null(b.Pull());
    }

    [Theory]
    [InlineData(new byte[] { 0x01, 0x02 }, "escapes its channel id but holds only 2 bytes")]
    [InlineData(new byte[] { 0x07, 0x00, 0x00, 0x00 }, "escapes channel id 7, which is not in 16777215..2147483645")]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0x7F }, "escapes channel id 2147483647, which is not in 16777215..2147483645")]
    [InlineData(new byte[] { 0x00, 0x00, 0x00, 0x80 }, "escapes channel id -2147483648, which is not in 16777215..2147483645")]
    public void A_hostile_escape_is_refused_in_one_line_naming_both_workers(byte[] payload, string expected)
    {
        _workers[1].Allocate<string>(Channel);
        new RingWriter(_fabric.RingOf(0, 1)).Send(CompactRecord.EscapedChannel, payload);
        var error = Assert.Throws<WireFormatException>(_workers[1].Receive);
        Assert.StartsWith("worker 1: a compact record from worker 0 ", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void A_payload_that_does_not_decode_is_reported_with_channel_sender_and_seqno()
    {
        _workers[1].Allocate<string>(Channel);
        byte[] bytes = Encode("truncated");
        new RingWriter(_fabric.RingOf(0, 1)).Send(CompactRecord.Type(Channel, 0), bytes.AsSpan(0, bytes.Length - 2));
        var error = Assert.Throws<WireFormatException>(_workers[1].Receive);
        Assert.StartsWith($"channel 3: the {bytes.Length - 2}-byte String (message 0) from worker 0 does not decode", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_record_for_a_channel_not_allocated_yet_is_checked_when_it_is()
    {
        var writer = new RingWriter(_fabric.RingOf(0, 1));
        writer.Send(CompactRecord.Type(Channel, 0), Encode("early"));
        writer.Send(CompactRecord.Type(Channel, 5), Encode("garbled"));
        _workers[1].Receive();   // both wait for the channel
        var error = Assert.Throws<WireFormatException>(() => _workers[1].Allocate<string>(Channel));
        Assert.StartsWith("channel 3: a compact record with sequence tag 5 from worker 0 arrived where message 1 (tag 1)", error.Message, StringComparison.Ordinal);
    }

    private static byte[] Encode(string value)
    {
        var codec = WireCodec<string>.Default;
        byte[] bytes = new byte[codec.Measure(value)];
        codec.Write(bytes, value);
        return bytes;
    }

    private static List<string> Drain(IPull<string> receiver)
    {
        var got = new List<string>();
        while (receiver.Pull() is { } m)
        {
            got.Add(m);
        }

        return got;
    }

    private static Timely.Logging.Logger<CommunicationEvent> Collect(List<MessageHeader> into) =>
        new((_, batch) =>
        {
            foreach (var (_, e) in batch)
            {
                if (e.Kind == CommunicationEventKind.Message)
                {
                    into.Add(e.Message.Header);
                }
            }
        });
}
