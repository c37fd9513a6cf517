using Timely.Bytes.Codecs;

namespace Timely.Bytes.Tests;

/// <summary>
/// Tuples of copied-as-memory fields (the records timely's examples exchange) take a faster codec
/// than one call per field, and must write exactly the bytes the field-by-field codec writes.
/// </summary>
public class RecordCodecTests
{
    [Fact]
    public void A_pair_laid_out_as_its_fields_is_copied_as_memory()
    {
        Assert.IsType<UnmanagedCodec<(ulong, ulong)>>(WireCodec<(ulong, ulong)>.Default);
        Assert.IsType<UnmanagedCodec<(uint, uint)>>(WireCodec<(uint, uint)>.Default);
        Assert.IsType<UnmanagedListCodec<(ulong, ulong)>>(WireCodec<List<(ulong, ulong)>>.Default);
    }

    [Fact]
    public void A_nested_pair_of_copied_fields_is_written_at_fixed_offsets()
    {
        // The inner pair is copied as memory; the outer one is laid out long first by the runtime.
        Assert.IsType<UnmanagedCodec<(int, int)>>(WireCodec<(int, int)>.Default);
        Assert.IsType<PackedPairListCodec<(int, int), long>>(WireCodec<List<((int, int), long)>>.Default);
    }

    [Fact]
    public void A_padded_pair_is_written_at_fixed_offsets()
    {
        Assert.IsType<PackedPairCodec<int, long>>(WireCodec<(int, long)>.Default);
        Assert.IsType<PackedPairListCodec<int, long>>(WireCodec<List<(int, long)>>.Default);
    }

    [Fact]
    public void A_pair_with_a_field_of_its_own_codec_stays_field_by_field()
    {
        Assert.IsType<TupleCodec<ulong, string>>(WireCodec<(ulong, string)>.Default);
        Assert.IsType<TupleCodec<bool, ulong>>(WireCodec<(bool, ulong)>.Default);
    }

    [Fact]
    public void Copied_pairs_keep_bincode_bytes() =>
        Assert.Equal(
            "0200000000000000" + "0100000000000000" + "0200000000000000" + "ffffffffffffffff" + "0300000000000000",
            Hex.Of(CodecGoldenTests.Encode(new List<(ulong, ulong)> { (1, 2), (ulong.MaxValue, 3) })));

    [Fact]
    public void Padded_pairs_keep_bincode_bytes()
    {
        // 12 bytes a pair on the wire, where the tuple takes 16 in memory.
        var value = new List<(int, long)> { (1, -1), (-2, 0x0102030405060708) };
        byte[] bytes = CodecGoldenTests.Encode(value);
        Assert.Equal(
            "0200000000000000" + "01000000" + "ffffffffffffffff" + "feffffff" + "0807060504030201",
            Hex.Of(bytes));
        Assert.Equal(value, CodecGoldenTests.Decode<List<(int, long)>>(bytes));
        Assert.Equal("feffffff" + "0807060504030201", Hex.Of(CodecGoldenTests.Encode((-2, 0x0102030405060708L))));
    }

    [Fact]
    public void Nested_copied_pairs_keep_bincode_bytes() =>
        Assert.Equal(
            "0100000000000000" + "07000000" + "09000000" + "fbffffffffffffff",
            Hex.Of(CodecGoldenTests.Encode(new List<((int, int), long)> { ((7, 9), -5) })));

    [Fact]
    public void A_truncated_padded_list_is_refused_before_allocating()
    {
        // A count of 2 needs 24 bytes after the prefix; 23 are there.
        byte[] bytes = Hex.Parse("02 00 00 00 00 00 00 00" + string.Concat(Enumerable.Repeat(" 00", 23)));
        List<(int, long)> value = null!;
        Assert.Throws<WireFormatException>(() => WireCodec<List<(int, long)>>.Default.Read(bytes, ref value));
        Assert.Null(value);
    }

    [Fact]
    public void Writing_a_padded_list_into_too_small_a_span_throws()
    {
        var codec = WireCodec<List<(int, long)>>.Default;
        var value = new List<(int, long)> { (1, 2) };
        Assert.Throws<ArgumentException>(() => codec.Write(new byte[codec.Measure(value) - 1], value));
    }

    [Fact]
    public void Decoding_a_padded_list_reuses_a_recycled_list()
    {
        var codec = WireCodec<List<(int, long)>>.Default;
        byte[] bytes = CodecGoldenTests.Encode(new List<(int, long)> { (1, 2), (3, 4) });
        var recycled = new List<(int, long)>(16) { (9, 9), (9, 9), (9, 9) };
        codec.Read(bytes, ref recycled);
        long before = GC.GetAllocatedBytesForCurrentThread();
        codec.Read(bytes, ref recycled);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(new List<(int, long)> { (1, 2), (3, 4) }, recycled);
    }
}
