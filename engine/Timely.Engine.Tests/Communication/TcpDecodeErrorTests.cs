using System.Buffers.Binary;
using Timely.Bytes;
using Timely.Communication;
using Timely.Dataflow;

namespace Timely.Engine.Tests.Communication;

/// <summary>
/// Bytes from a TCP peer that frame correctly but do not decode: the worker's error says
/// which peer sent them, on which channel, and at which byte the decoding stopped, instead
/// of a bare "Arithmetic operation resulted in an overflow".
/// </summary>
public sealed class TcpDecodeErrorTests
{
    [Fact]
    public async Task A_garbage_progress_payload_fails_the_worker_naming_the_peer_the_channel_and_the_offset()
    {
        var config = Config.Cluster(1, 0, FreePorts.Loopback(2), TransportKind.Tcp) with
        {
            ConnectTimeout = TimeSpan.FromSeconds(10),
            JobName = "garbage-progress-" + Guid.NewGuid().ToString("N"),
        };
        System.Net.Sockets.Socket? peer = null;
        var fake = new Thread(() => peer = TcpPeerFailureTests.FakeProcessOne(config));
        fake.Start();
        var guards = Workers.Initialize(config, allocator =>
        {
            DataflowCodecs.EnsureProgress<ulong>();
            var (_, receiver) = allocator.Allocate<ProgressMessage<ulong>>(3);
            WorkerRun.ReceiveExactly(allocator, receiver, 1, _ => { });
            return 0;
        });
        Assert.True(fake.Join(WorkerRun.Deadline));
        using (var socket = peer ?? throw new InvalidOperationException("the fake peer did not connect"))
        {
            var garbage = new byte[40];
            garbage.AsSpan().Fill(0xFF);   // the source worker, a u64, is 2^64 - 1
            socket.Send(TcpPeerFailureTests.Frame(3, 1, 0, 1, garbage));
            var results = await Task.Run(guards.Join).WaitAsync(WorkerRun.Deadline);
            var error = Assert.Single(results).Error;
            Assert.NotNull(error);
            Assert.IsType<WireFormatException>(error);
            Assert.Contains("channel 3:", error.Message, StringComparison.Ordinal);
            Assert.Contains($"from worker 1 of process 1 at {config.Addresses[1]}", error.Message, StringComparison.Ordinal);
            Assert.Contains("source worker 18446744073709551615 at byte 0 is not an index", error.Message, StringComparison.Ordinal);
        }

        guards.Dispose();
    }

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
        message.Updates.Add((new Timely.Dataflow.Progress.Location(1, 2, true), 5UL, 1));
        message.Updates.Add((new Timely.Dataflow.Progress.Location(3, 4, false), 6UL, -1));   // update 1 at byte 60
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
