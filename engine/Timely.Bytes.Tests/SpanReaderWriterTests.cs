namespace Timely.Bytes.Tests;

public class SpanReaderWriterTests
{
    [Fact]
    public void Writes_little_endian_fixed_width_and_reads_back()
    {
        var buffer = new byte[64];
        var w = new SpanWriter(buffer);
        w.WriteU8(0xAB);
        w.WriteU16(0x0102);
        w.WriteU32(0x03040506);
        w.WriteU64(0x0708090A0B0C0D0E);
        w.WriteI32(-2);
        w.WriteI64(-3);
        w.WriteF64(1.5);
        w.WriteBool(true);
        w.WriteBytes([0xFE, 0xFF]);
        Assert.Equal(1 + 2 + 4 + 8 + 4 + 8 + 8 + 1 + 2, w.Position);
        Assert.Equal(
            "ab" + "0201" + "06050403" + "0e0d0c0b0a090807" + "feffffff" + "fdffffffffffffff" + "000000000000f83f" + "01" + "feff",
            Hex.Of(w.Written));

        var r = new SpanReader(buffer.AsSpan(0, w.Position));
        Assert.Equal(0xAB, r.ReadU8());
        Assert.Equal(0x0102, r.ReadU16());
        Assert.Equal(0x03040506u, r.ReadU32());
        Assert.Equal(0x0708090A0B0C0D0EUL, r.ReadU64());
        Assert.Equal(-2, r.ReadI32());
        Assert.Equal(-3L, r.ReadI64());
        Assert.Equal(1.5, r.ReadF64());
        Assert.True(r.ReadBool());
        Assert.Equal(new byte[] { 0xFE, 0xFF }, r.ReadBytes(2).ToArray());
        Assert.Equal(0, r.Remaining);
    }

    [Fact]
    public void Writes_the_narrow_signed_integers_single_floats_and_option_tags_generated_codecs_use()
    {
        var buffer = new byte[16];
        var w = new SpanWriter(buffer);
        w.WriteI8(-2);
        w.WriteI16(-3);
        w.WriteF32(1.5f);
        w.WriteU8(1);
        w.WriteU8(0);
        Assert.Equal("fe" + "fdff" + "0000c03f" + "01" + "00", Hex.Of(w.Written));

        var r = new SpanReader(buffer.AsSpan(0, w.Position));
        Assert.Equal(-2, r.ReadI8());
        Assert.Equal(-3, r.ReadI16());
        Assert.Equal(1.5f, r.ReadF32());
        Assert.True(r.ReadOptionTag());
        Assert.False(r.ReadOptionTag());
        Assert.Equal(0, r.Remaining);
    }

    [Fact]
    public void Reader_rejects_an_option_tag_other_than_0_or_1_naming_its_offset()
    {
        var e = Assert.Throws<WireFormatException>(() =>
        {
            var r = new SpanReader([0x01, 0x07]);
            r.ReadOptionTag();
            r.ReadOptionTag();
        });
        Assert.Equal("Invalid option tag 0x07 at offset 1 (expected 0 = None or 1 = Some).", e.Message);
    }

    [Fact]
    public void Reader_truncation_throws_wire_format_exception_with_offset()
    {
        var e = Assert.Throws<WireFormatException>(() =>
        {
            var r = new SpanReader(new byte[11]);
            r.ReadU64();
            r.ReadU32();
        });
        Assert.Contains("offset 8", e.Message, StringComparison.Ordinal);
        Assert.Contains("needs 4", e.Message, StringComparison.Ordinal);
        Assert.Contains("only 3", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reader_rejects_bool_other_than_0_or_1()
    {
        Assert.Throws<WireFormatException>(() => new SpanReader([2]).ReadBool());
    }

    [Fact]
    public void Reader_rejects_raw_bytes_past_end()
    {
        Assert.Throws<WireFormatException>(() => new SpanReader(new byte[3]).ReadBytes(4));
    }

    [Fact]
    public void Writer_overrun_throws_argument_exception()
    {
        Assert.Throws<ArgumentException>(() =>
        {
            var w = new SpanWriter(new byte[7]);
            w.WriteU64(1);
        });
    }

    [Fact]
    public void Writer_and_reader_compose_with_codecs()
    {
        var buffer = new byte[64];
        var w = new SpanWriter(buffer);
        w.WriteU32(1);
        w.Write(WireCodec<string>.Default, "hi");
        var r = new SpanReader(buffer.AsSpan(0, w.Position));
        Assert.Equal(1u, r.ReadU32());
        string s = "";
        r.Read(WireCodec<string>.Default, ref s);
        Assert.Equal("hi", s);
        Assert.Equal(4 + 8 + 2, r.Position);
    }
}
