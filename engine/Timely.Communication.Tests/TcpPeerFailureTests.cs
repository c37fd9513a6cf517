using System.Net.Sockets;
using Timely.Bytes;
using Timely.Communication.Fabrics;
using Timely.Testing;
using Timely.Transport.Tcp;

namespace Timely.Communication.Tests;

/// <summary>
/// Process 0 of a two-process TCP job runs real workers; process 1 is played by hand over a
/// raw socket, so it can die at exactly the wrong moment. The workers waiting on it must fail
/// with a <see cref="PeerFailedException"/> that names process 1, not hang.
/// </summary>
public sealed class TcpPeerFailureTests
{
    public static TheoryData<string, string> Deaths => new()
    {
        { "reset", "process 1 at 127.0.0.1:" },
        { "close without end of stream", "without an end-of-stream header" },
        { "die mid-frame", "closed mid-frame" },
        { "oversized frame", "above the limit of 4096" },
        { "frame for a worker elsewhere", "targets workers 5..5" },
    };

    [Theory]
    [MemberData(nameof(Deaths))]
    public async Task A_peer_that_dies_fails_the_waiting_workers_naming_it(string death, string expected)
    {
        var config = Config.Cluster(1, 0, FreePorts.Loopback(2), TransportKind.Tcp) with
        {
            ConnectTimeout = TimeSpan.FromSeconds(10),
            MaxMessageBytes = 4096,
            JobName = "peer-death-" + Guid.NewGuid().ToString("N"),
        };
        var started = new ManualResetEventSlim();
        Socket? peer = null;
        var fake = new Thread(() => peer = FakeProcessOne(config));
        fake.Start();
        var guards = Workers.Initialize(config, allocator =>
        {
            var (_, receiver) = allocator.Allocate<string>(0);
            started.Set();
            WorkerRun.ReceiveExactly(allocator, receiver, 2, _ => { });   // one arrives, the second never does
            return 0;
        });
        Assert.True(fake.Join(WorkerRun.Deadline));
        Assert.True(started.Wait(WorkerRun.Deadline));

        using (var socket = peer ?? throw new InvalidOperationException("the fake peer did not connect"))
        {
            var one = Frame(0, 0, 1, 0, 1, WireBytes("first"));
            socket.Send(one);
            Die(socket, death, 1);

            await JoinFailedNamingPeerOne(guards, expected);
        }

        guards.Dispose();
    }

    [Fact]
    public void A_message_above_the_peers_limit_fails_both_processes_with_the_reason()
    {
        var config = Config.Cluster(1, 0, FreePorts.Loopback(2), TransportKind.Tcp) with
        {
            ConnectTimeout = TimeSpan.FromSeconds(10),
            MaxMessageBytes = 4096,
            JobName = "oversize-" + Guid.NewGuid().ToString("N"),
        };
        var results = WorkerRun.Run(config, allocator =>
        {
            var (senders, receiver) = allocator.Allocate<byte[]>(0);
            if (allocator.Index == 0)
            {
                byte[]? big = new byte[10_000];
                senders[1].Push(ref big);
                senders[1].Done();
            }

            WorkerRun.ReceiveExactly(allocator, receiver, 1, _ => { });
            return 0;
        });

        Assert.Equal(2, results.Count);
        Assert.All(results, r => Assert.Contains("above the limit of 4096", Assert.IsType<PeerFailedException>(r.Error).Message, StringComparison.Ordinal));
    }

    /// <summary>Joins the one worker of process 0 (a hang fails with a TimeoutException) and checks that it failed naming process 1 with <paramref name="expected"/> in its one line.</summary>
    internal static async Task JoinFailedNamingPeerOne(WorkerGuards<int> guards, string expected)
    {
        var results = await Task.Run(guards.Join).WaitAsync(WorkerRun.Deadline);
        var result = Assert.Single(results);
        var error = Assert.IsType<PeerFailedException>(result.Error);
        Assert.Contains("process 1 at 127.0.0.1:", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.IsType<TcpTransportException>(error.InnerException);
    }

    /// <summary>Process 1's death <paramref name="death"/> (one of <see cref="Deaths"/>) on its connection to process 0, whose next frame is number <paramref name="sequence"/>.</summary>
    internal static void Die(Socket socket, string death, uint sequence)
    {
        switch (death)
        {
            case "reset":
                socket.LingerState = new LingerOption(true, 0);
                socket.Close();
                break;
            case "close without end of stream":
                socket.Shutdown(SocketShutdown.Send);
                break;
            case "die mid-frame":
                socket.Send(Frame(sequence, 0, 1, 0, 1, new byte[100])[..(FrameIntegrity.Prefix + 10)]);   // a whole, checked prefix, then the payload stops
                socket.Shutdown(SocketShutdown.Send);
                break;
            case "oversized frame":
                socket.Send(Frame(sequence, 0, 1, 0, 1, new byte[5000]));
                break;
            case "frame for a worker elsewhere":
                socket.Send(Frame(sequence, 0, 1, 5, 6, WireBytes("lost")));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(death), death, "unknown case");
        }
    }

    /// <summary>Connects to process 0 as process 1 with the job's handshake and reads the reply.</summary>
    internal static Socket FakeProcessOne(Config config)
    {
        var options = TcpFabric.OptionsOf(config);
        var hello = new byte[Handshake.Size];
        new Handshake(1, 2, 1, options.JobId, options.HostId).WriteTo(hello);
        var until = DateTime.UtcNow + WorkerRun.Deadline;
        while (true)
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.Connect(TcpMesh.ParseAddress(config.Addresses[0]));
                socket.Send(hello);
                var reply = new byte[Handshake.Size];
                int have = 0;
                while (have < reply.Length)
                {
                    int n = socket.Receive(reply, have, reply.Length - have, SocketFlags.None);
                    Assert.NotEqual(0, n);
                    have += n;
                }

                Handshake.ReadAndCheck(reply, new Handshake(1, 2, 1, options.JobId, 0), "process 0");
                return socket;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused && DateTime.UtcNow < until)
            {
                socket.Dispose();
                Thread.Yield();
            }
        }
    }

    internal static byte[] WireBytes(string text)
    {
        var codec = WireCodec<string>.Default;
        var bytes = new byte[codec.Measure(text)];
        codec.Write(bytes, text);
        return bytes;
    }

    /// <summary>
    /// Frame <paramref name="sequence"/> of the connection as a Timely.Native peer puts it on the
    /// wire: timely's header, the sequence number and both checksums, then the payload. Every
    /// check passes, so what the reader reports is the fault the test made, never the checks.
    /// </summary>
    internal static byte[] Frame(uint sequence, int channel, int source, int lower, int upper, byte[] payload)
    {
        var header = new byte[MessageHeader.Size];
        new MessageHeader(channel, source, lower, upper, payload.Length, 0).WriteTo(header);
        var frame = new byte[FrameIntegrity.Prefix + payload.Length];
        FrameIntegrity.WritePrefix(header, sequence, payload.Length == 0 ? 0 : FrameIntegrity.Crc(payload), frame);
        payload.CopyTo(frame, FrameIntegrity.Prefix);
        return frame;
    }
}
