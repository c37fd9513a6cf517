using System.Buffers.Binary;
using Timely.Bytes;
using Timely.Dataflow.Capture;

namespace Timely.Dataflow.Tests.Capture;

public class EventReaderTests
{
    private static byte[] Golden(string name) => File.ReadAllBytes(Path.Combine(GoldenFiles.Directory, name));

    private static WireFormatException ReadFails(byte[] bytes, int maxRecordLength = EventReader<ulong, ulong>.DefaultMaxRecordLength)
    {
        using var reader = new EventReader<ulong, ulong>(new MemoryStream(bytes), maxRecordLength);
        return Assert.Throws<WireFormatException>(() =>
        {
            while (reader.TryNext(out _))
            {
            }
        });
    }

    [Theory]
    [InlineData(TrickleStream.Stall.None)]
    [InlineData(TrickleStream.Stall.ZeroRead)]
    [InlineData(TrickleStream.Stall.WouldBlock)]
    public void Byte_at_a_time_source_with_stalls_yields_the_same_events(TrickleStream.Stall stall)
    {
        byte[] bytes = Golden("strings.w1.0.bin");
        var source = new TrickleStream(bytes, chunk: 1, stall);
        using var reader = new EventReader<ulong, string>(source, zeroReadIsEnd: false);
        var lines = new List<string>();
        int calls = 0;

        // Each call returns an event or "nothing now"; the loop ends once every byte was taken.
        while (source.Position < bytes.Length || reader.Buffered > 0)
        {
            Assert.True(++calls < 10 * bytes.Length, "reader made no progress");
            if (reader.TryNext(out var e))
            {
                lines.Add(e.ToString());
            }
        }

        Assert.Equal(GoldenFiles.ExpectedLines(Path.Combine(GoldenFiles.Directory, "strings.w1.0.bin")), lines);
        Assert.False(reader.TryNext(out _));
        Assert.Equal(bytes.Length, reader.Position);
    }

    [Fact]
    public void Stall_in_the_middle_of_a_record_returns_nothing_then_the_event()
    {
        byte[] bytes = Golden("empty.w1.0.bin");
        var source = new TrickleStream(bytes, chunk: 20, TrickleStream.Stall.WouldBlock);
        using var reader = new EventReader<ulong, ulong>(source);
        Assert.False(reader.TryNext(out _)); // would block before any byte
        Assert.False(reader.TryNext(out _)); // 20 of 36 bytes, then would block
        Assert.Equal(20, reader.Buffered);
        Assert.True(reader.TryNext(out var e));
        Assert.Equal("Progress([(0, -1)])", e.ToString());
    }

    [Fact]
    public void Clean_end_of_stream_returns_nothing_repeatedly()
    {
        using var reader = new EventReader<ulong, ulong>(new MemoryStream(Golden("empty.w1.0.bin")));
        Assert.True(reader.TryNext(out _));
        Assert.False(reader.TryNext(out _));
        Assert.False(reader.TryNext(out _));
        using var none = new EventReader<ulong, ulong>(new MemoryStream());
        Assert.False(none.TryNext(out _));
    }

    [Fact]
    public void Stream_ending_inside_a_record_names_the_offset()
    {
        byte[] bytes = Golden("u64s.w1.0.bin");
        for (int cut = 1; cut < bytes.Length; cut++)
        {
            if (cut == 108)
            {
                continue; // record boundary: a clean end after the first event
            }

            var e = ReadFails(bytes[..cut]);
            Assert.Contains("ended inside the record at stream offset " + (cut < 108 ? "0" : "108"), e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Unknown_tag_is_rejected_with_offset()
    {
        byte[] bytes = Golden("u64s.w1.0.bin");
        bytes[108 + 8] = 2; // second record's tag
        var e = ReadFails(bytes);
        Assert.Contains("stream offset 108", e.Message, StringComparison.Ordinal);
        Assert.Contains("tag 2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Length_longer_than_the_event_is_trailing_bytes()
    {
        // Progress([(0, -1)]) with a record length of 29 and one extra byte after it.
        byte[] bytes = [.. Golden("empty.w1.0.bin"), 0];
        bytes[0] = 29;
        var e = ReadFails(bytes);
        Assert.Contains("1 trailing byte(s)", e.Message, StringComparison.Ordinal);
        Assert.Contains("stream offset 0", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Length_shorter_than_the_event_is_truncation()
    {
        byte[] bytes = Golden("u64s.w1.0.bin");
        bytes[0] = 99; // the Messages record claims 99 of its 100 bytes
        var e = ReadFails(bytes);
        Assert.Contains("Corrupt capture record at stream offset 0", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Zero_length_record_is_rejected()
    {
        // A payload holds at least the u32 variant tag; 8 zero bytes are not an event.
        var e = ReadFails(new byte[8]);
        Assert.Contains("stream offset 0", e.Message, StringComparison.Ordinal);
        Assert.Contains("u32", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Length_above_the_maximum_is_rejected_before_allocating()
    {
        byte[] bytes = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 1UL << 62);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = ReadFails(bytes);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
        Assert.Contains("4611686018427387904 exceeds the maximum record length 268435456", e.Message, StringComparison.Ordinal);

        // The configurable bound: the golden 100-byte record is too long for a 64-byte limit.
        var small = ReadFails(Golden("u64s.w1.0.bin"), maxRecordLength: 64);
        Assert.Contains("length 100 exceeds the maximum record length 64", small.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Count_inside_a_record_larger_than_the_record_is_rejected()
    {
        byte[] bytes = Golden("u64s.w1.0.bin");
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(8 + 4 + 8), 1UL << 40); // Vec length
        var e = ReadFails(bytes);
        Assert.Contains("stream offset 0", e.Message, StringComparison.Ordinal);
        Assert.IsType<WireFormatException>(e.InnerException);
    }

    [Fact]
    public void Records_larger_than_the_initial_buffer_are_read()
    {
        var data = new List<ulong>();
        for (ulong i = 0; i < 50_000; i++)
        {
            data.Add(i);
        }

        var stream = new MemoryStream();
        using (var writer = new EventWriter<ulong, ulong>(stream, leaveOpen: true))
        {
            writer.Push(new Event<ulong, ulong>.Messages(7, data));
            writer.Push(new Event<ulong, ulong>.Progress([(7, -1)]));
        }

        stream.Position = 0;
        var events = CaptureFormatGoldenTests.ReadAll<ulong>(new TrickleStream(stream.ToArray(), 3000));
        Assert.Equal(2, events.Count);
        Assert.Equal(new Event<ulong, ulong>.Messages(7, data), events[0]);
    }

    [Fact]
    public void Writer_allocates_nothing_per_event_in_steady_state()
    {
        var stream = new MemoryStream(new byte[1 << 20]);
        using var writer = new EventWriter<ulong, ulong>(stream, leaveOpen: true);
        var e = new Event<ulong, ulong>.Messages(3, [1, 2, 3, 4, 5]);
        writer.Push(e);
        stream.Position = 0;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            writer.Push(e);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Equal(1000 * (8 + 4 + 8 + 8 + (5 * 8)), stream.Position);
    }
}
