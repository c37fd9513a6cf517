using System.Buffers.Binary;

namespace Timely.Bytes.Tests;

public class CodecErrorTests
{
    private static T Read<T>(byte[] bytes, T initial = default!)
    {
        T value = initial;
        WireCodec<T>.Default.Read(bytes, ref value);
        return value;
    }

    [Fact]
    public void Every_truncated_prefix_of_a_nested_value_throws_wire_format_exception()
    {
        var value = new List<(ulong, string)> { (1, "hello"), (2, "wörld") };
        byte[] bytes = CodecGoldenTests.Encode(value);
        for (int n = 0; n < bytes.Length; n++)
        {
            byte[] prefix = bytes[..n];
            Assert.Throws<WireFormatException>(() => Read<List<(ulong, string)>>(prefix));
        }
    }

    [Fact]
    public void Huge_claimed_count_is_rejected_before_allocating()
    {
        byte[] bytes = new byte[16];
        BitConverter.TryWriteBytes(bytes, 1UL << 60);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<WireFormatException>(() => Read<List<ulong>>(bytes));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("1152921504606846976", e.Message, StringComparison.Ordinal);
        Assert.Contains("8 byte(s) remain", e.Message, StringComparison.Ordinal);
        Assert.True(allocated < 64 * 1024, $"allocated {allocated} bytes");

        Assert.Throws<WireFormatException>(() => Read<string>(bytes));
        Assert.Throws<WireFormatException>(() => Read<string[]>(bytes));
        Assert.Throws<WireFormatException>(() => Read<List<List<ulong>>>(bytes));
    }

    [Fact]
    public void Count_that_fits_bytes_but_not_elements_is_rejected()
    {
        // Claims 2 strings but only 15 bytes follow: each string needs at least 8.
        byte[] bytes = new byte[8 + 15];
        bytes[0] = 2;
        Assert.Throws<WireFormatException>(() => Read<List<string>>(bytes));
    }

    [Fact]
    public void Invalid_utf8_is_a_wire_format_exception()
    {
        byte[] bytes = [2, 0, 0, 0, 0, 0, 0, 0, 0xC3, 0x28];
        var e = Assert.Throws<WireFormatException>(() => Read<string>(bytes));
        Assert.Contains("UTF-8", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_bool_is_a_wire_format_exception() =>
        Assert.Throws<WireFormatException>(() => Read<bool>([3]));

    [Fact]
    public void Lone_surrogate_cannot_be_written()
    {
        string bad = "\ud800";
        Assert.ThrowsAny<ArgumentException>(() => WireCodec<string>.Default.Measure(bad));
    }

    [Fact]
    public void Write_into_short_destination_throws_argument_exception()
    {
        var list = new List<ulong> { 1, 2 };
        Assert.Throws<ArgumentException>(() => WireCodec<List<ulong>>.Default.Write(new byte[23], list));
        Assert.Throws<ArgumentException>(() => WireCodec<string>.Default.Write(new byte[9], "ab"));
    }

    [Fact]
    public void Read_reuses_recycled_list_and_its_elements()
    {
        var inner = new List<ulong>(8) { 9, 9, 9 };
        var outer = new List<List<ulong>> { inner, new() { 7 }, new() };
        byte[] bytes = CodecGoldenTests.Encode(new List<List<ulong>> { new() { 1, 2 } });
        WireCodec<List<List<ulong>>>.Default.Read(bytes, ref outer);
        Assert.Single(outer);
        Assert.Same(inner, outer[0]);
        Assert.Equal([1UL, 2UL], inner);
    }

    [Fact]
    public void Read_reuses_array_of_same_length()
    {
        var array = new ulong[3];
        byte[] bytes = CodecGoldenTests.Encode(new ulong[] { 4, 5, 6 });
        ulong[] value = array;
        WireCodec<ulong[]>.Default.Read(bytes, ref value);
        Assert.Same(array, value);
        Assert.Equal([4UL, 5UL, 6UL], array);
    }

    // The array codecs' count checks (TryReadCount, ThrowBadCount): each error says what it said
    // when the count was read with its name passed in, and a count that exactly fits is read.
    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    public void An_array_shorter_than_its_count_is_a_truncated_input_naming_the_type(int length)
    {
        var e = Assert.Throws<WireFormatException>(() => Read<byte[]>(new byte[length]));
        Assert.Equal($"Truncated input: reading Byte[] length at offset 0 needs 8 byte(s) but only {length} remain.", e.Message);
        e = Assert.Throws<WireFormatException>(() => Read<List<long>>(new byte[length]));
        Assert.StartsWith("Truncated input: reading List<Int64> length at offset 0", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(3, 2)]
    [InlineData(1, 0)]
    [InlineData(ulong.MaxValue, 5)]
    public void A_count_of_more_elements_than_bytes_left_is_a_corrupt_length_naming_the_type(ulong count, int remaining)
    {
        byte[] bytes = new byte[8 + remaining];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, count);
        var e = Assert.Throws<WireFormatException>(() => Read<byte[]>(bytes));
        Assert.Equal($"Corrupt length: Byte[] at offset 8 claims {count} element(s) of at least 1 byte(s) each, but only {remaining} byte(s) remain.", e.Message);

        byte[] longs = new byte[8 + (8 * remaining) + 7];
        BinaryPrimitives.WriteUInt64LittleEndian(longs, count);
        e = Assert.Throws<WireFormatException>(() => Read<long[]>(longs));
        Assert.StartsWith($"Corrupt length: Int64[] at offset 8 claims {count} element(s) of at least 8 byte(s) each", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(64)]
    public void A_count_that_exactly_fits_is_read_and_an_array_that_exactly_fits_is_written(int count)
    {
        byte[] message = [.. Enumerable.Range(0, count).Select(i => (byte)(i + 1))];
        byte[] bytes = new byte[8 + count];
        Assert.Equal(bytes.Length, WireCodec<byte[]>.Default.Write(bytes, message));
        Assert.Equal((ulong)count, BinaryPrimitives.ReadUInt64LittleEndian(bytes));
        Assert.Equal(message, Read<byte[]>(bytes));
        Assert.Throws<ArgumentException>(() => WireCodec<byte[]>.Default.Write(new byte[7 + count], message));

        var list = new List<long>(Enumerable.Range(0, count).Select(i => (long)i));
        byte[] listBytes = new byte[8 + (8 * count)];
        WireCodec<List<long>>.Default.Write(listBytes, list);
        Assert.Equal(list, Read<List<long>>(listBytes));
    }
}
