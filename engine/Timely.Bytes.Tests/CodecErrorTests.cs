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
}
