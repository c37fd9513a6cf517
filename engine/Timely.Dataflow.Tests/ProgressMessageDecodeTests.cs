using System.Buffers.Binary;
using Timely.Bytes;
using Timely.Dataflow.Channels;
using Timely.Dataflow.Progress;

namespace Timely.Dataflow.Tests;

/// <summary>
/// A progress message that frames correctly but does not decode names the field and the byte at
/// which decoding stopped (a peer's garbage in any channel also names the peer and the channel:
/// Timely.Communication.Tests' TcpDecodeErrorTests).
/// </summary>
public sealed class ProgressMessageDecodeTests
{
    public static TheoryData<string, int, string> BadFields => new()
    {
        { "source", 0, "source worker" },
        { "count", 16, "updates (at byte 16) cannot fit" },
        { "node", 24, "update 0's node" },
        { "tag", 32, "update 0's port tag 7 at byte 32" },
        { "port", 36, "update 0's port" },
        { "time", 80, "update 1's time at byte 80" },
        { "diff", 88, "update 1's diff truncated at byte 88" },
    };

    [Theory]
    [MemberData(nameof(BadFields))]
    public void Each_bad_progress_field_is_named_with_its_byte_offset(string field, int offset, string expected)
    {
        DataflowCodecs.EnsureProgress<ulong>();
        var codec = WireCodec<ProgressMessage<ulong>>.Default;
        var message = new ProgressMessage<ulong>();
        message.Updates.Add((new Location(1, 2, true), 5UL, 1));
        message.Updates.Add((new Location(3, 4, false), 6UL, -1));   // update 1 at byte 60
        var bytes = new byte[codec.Measure(message)];
        codec.Write(bytes, message);
        switch (field)
        {
            case "count":
                BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(16), 1000);
                break;
            case "tag":
                BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(32), 7);
                break;
            case "time":
                bytes = bytes[..82];   // update 1's u64 time cut short
                break;
            case "diff":
                bytes = bytes[..90];
                break;
            default:
                bytes.AsSpan(offset, 8).Fill(0xFF);   // an index of 2^64 - 1
                break;
        }

        ProgressMessage<ulong> read = null!;
        var e = Assert.Throws<WireFormatException>(() => codec.Read(bytes, ref read));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.Contains($"at byte {offset}", e.Message, StringComparison.Ordinal);
    }
}
