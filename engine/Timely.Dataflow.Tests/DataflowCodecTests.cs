using Timely.Bytes;
using Timely.Dataflow.Channels;
using Timely.Dataflow.Progress;

namespace Timely.Dataflow.Tests;

public sealed class DataflowCodecTests
{
    [Fact]
    public void Data_message_round_trips_into_a_recycled_message()
    {
        DataflowCodecs.EnsureMessage<ulong, string>();
        var codec = WireCodec<Message<ulong, string>>.Default;
        var message = new Message<ulong, string> { Time = 42 };
        message.Data.AddRange(["a", "bcd", ""]);
        var bytes = new byte[codec.Measure(message)];
        Assert.Equal(bytes.Length, codec.Write(bytes, message));

        // time u64, count u64, then three strings (u64 length + bytes).
        Assert.Equal(8 + 8 + (8 + 1) + (8 + 3) + 8, bytes.Length);
        var recycled = new Message<ulong, string> { Time = 7 };
        recycled.Data.AddRange(["stale", "stale", "stale", "stale"]);
        var keep = recycled;
        Assert.Equal(bytes.Length, codec.Read(bytes, ref recycled));
        Assert.Same(keep, recycled);
        Assert.Equal(42UL, recycled.Time);
        Assert.Equal(message.Data, recycled.Data);
    }

    [Fact]
    public void Progress_message_round_trips_and_rejects_lying_counts()
    {
        DataflowCodecs.EnsureProgress<ulong>();
        var codec = WireCodec<ProgressMessage<ulong>>.Default;
        var message = new ProgressMessage<ulong> { Source = 3, Sequence = 99 };
        message.Updates.Add((Location.Source(1, 0), 5, -1));
        message.Updates.Add((Location.Target(4, 2), 6, 3));
        var bytes = new byte[codec.Measure(message)];
        Assert.Equal(bytes.Length, codec.Write(bytes, message));
        Assert.Equal(24 + (2 * (28 + 8)), bytes.Length);

        ProgressMessage<ulong> read = null!;
        Assert.Equal(bytes.Length, codec.Read(bytes, ref read));
        Assert.Equal(3, read.Source);
        Assert.Equal(99, read.Sequence);
        Assert.Equal(message.Updates, read.Updates);

        bytes[16] = 200; // claims 200 updates in 96 bytes
        Assert.Throws<WireFormatException>(() => codec.Read(bytes, ref read));
        Assert.Throws<WireFormatException>(() => codec.Read(bytes.AsSpan(0, 10), ref read));
    }
}
