namespace Timely.Bytes.Tests;

public class MessageHeaderTests
{
    // Hand-computed: six big-endian u64 in timely's order (networking.rs: channel, source,
    // target_lower, target_upper, length, seqno).
    private const string Golden =
        "0000000000000007" + // channel 7
        "0000000000000002" + // source 2
        "0000000000000003" + // target_lower 3
        "0000000000000004" + // target_upper 4 (exclusive)
        "0000000000000100" + // length 256
        "0000000102030405";  // seqno 0x0102030405

    [Fact]
    public void WriteTo_produces_timely_big_endian_bytes()
    {
        var header = new MessageHeader(7, 2, 3, 4, 256, 0x0102030405);
        var bytes = new byte[MessageHeader.Size];
        header.WriteTo(bytes);
        Assert.Equal(Golden.ToLowerInvariant(), Hex.Of(bytes));
        Assert.Equal(48, MessageHeader.Size);
        Assert.Equal(48 + 256, header.RequiredBytes);
        Assert.False(header.IsEndOfStream);
    }

    [Fact]
    public void TryRead_decodes_golden_bytes()
    {
        Assert.True(MessageHeader.TryRead(Hex.Parse(Golden), out var header));
        Assert.Equal(new MessageHeader(7, 2, 3, 4, 256, 0x0102030405), header);
        Assert.Equal(7, header.Channel);
        Assert.Equal(2, header.Source);
        Assert.Equal(3, header.TargetLower);
        Assert.Equal(4, header.TargetUpper);
        Assert.Equal(256, header.Length);
        Assert.Equal(0x0102030405, header.Seqno);
    }

    [Fact]
    public void TryRead_returns_false_below_48_bytes()
    {
        byte[] bytes = Hex.Parse(Golden);
        for (int n = 0; n < MessageHeader.Size; n++)
        {
            Assert.False(MessageHeader.TryRead(bytes.AsSpan(0, n), out _));
        }
    }

    [Fact]
    public void Zero_length_is_end_of_stream()
    {
        var header = new MessageHeader(0, 1, 0, 1, 0, 9);
        Assert.True(header.IsEndOfStream);
        Assert.Equal(MessageHeader.Size, header.RequiredBytes);
    }

    [Theory]
    [InlineData(0, "channel")]
    [InlineData(32, "length")]
    [InlineData(40, "seqno")]
    public void TryRead_rejects_out_of_range_fields(int fieldOffset, string name)
    {
        byte[] bytes = Hex.Parse(Golden);
        bytes[fieldOffset] = 0x80;
        var e = Assert.Throws<WireFormatException>(() => MessageHeader.TryRead(bytes, out _));
        Assert.Contains(name, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryRead_rejects_inverted_target_range()
    {
        var bytes = new byte[MessageHeader.Size];
        bytes[23] = 5; // target_lower 5, target_upper 0
        var e = Assert.Throws<WireFormatException>(() => MessageHeader.TryRead(bytes, out _));
        Assert.Contains("target_upper", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WriteTo_short_destination_throws()
    {
        var header = new MessageHeader(1, 0, 0, 1, 8, 0);
        Assert.Throws<ArgumentException>(() => header.WriteTo(new byte[47]));
    }
}
