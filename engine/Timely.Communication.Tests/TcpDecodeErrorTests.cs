using Timely.Bytes;
using Timely.Testing;

namespace Timely.Communication.Tests;

/// <summary>
/// Bytes from a TCP peer that frame correctly and pass the frame checks but do not decode: the worker's error says
/// which peer sent them, on which channel, and at which byte the decoding stopped, instead
/// of a bare "Arithmetic operation resulted in an overflow".
/// </summary>
public sealed class TcpDecodeErrorTests
{
    [Fact]
    public async Task A_garbage_payload_fails_the_worker_naming_the_peer_the_channel_and_the_offset()
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
            var (_, receiver) = allocator.Allocate<List<ulong>>(3);
            WorkerRun.ReceiveExactly(allocator, receiver, 1, _ => { });
            return 0;
        });
        Assert.True(fake.Join(WorkerRun.Deadline));
        using (var socket = peer ?? throw new InvalidOperationException("the fake peer did not connect"))
        {
            var garbage = new byte[40];
            garbage.AsSpan().Fill(0xFF);   // the list's length, a u64, is 2^64 - 1
            socket.Send(TcpPeerFailureTests.Frame(0, 3, 1, 0, 1, garbage));   // checked: the bytes arrive as sent, and only decoding fails
            var results = await Task.Run(guards.Join).WaitAsync(WorkerRun.Deadline);
            var error = Assert.Single(results).Error;
            Assert.NotNull(error);
            Assert.IsType<WireFormatException>(error);
            Assert.Contains("channel 3:", error.Message, StringComparison.Ordinal);
            Assert.Contains($"from worker 1 of process 1 at {config.Addresses[1]}", error.Message, StringComparison.Ordinal);
            Assert.Contains("does not decode: Corrupt length: List<UInt64> at offset 8 claims 18446744073709551615 element(s)", error.Message, StringComparison.Ordinal);
        }

        guards.Dispose();
    }
}
