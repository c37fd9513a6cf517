using System.Diagnostics;
using Timely.Testing;

namespace Timely.Communication.Tests;

/// <summary>
/// A TCP peer that is alive but sends nothing for longer than <see cref="Config.PeerTimeout"/>
/// is not mistaken for a stopped one: its send thread's heartbeats keep the connection trusted.
/// (The stopped case, SIGSTOP of a real process, is a child-process test in the TCP tests.)
/// </summary>
public sealed class TcpHeartbeatTests
{
    [Fact]
    public void A_peer_quiet_for_five_peer_timeouts_is_still_trusted_and_heard()
    {
        var peerTimeout = Config.MinimumPeerTimeout;
        var config = Config.Cluster(1, 0, FreePorts.Loopback(2), TransportKind.Tcp) with
        {
            ConnectTimeout = TimeSpan.FromSeconds(10),
            PeerTimeout = peerTimeout,
            JobName = "heartbeat-" + Guid.NewGuid().ToString("N"),
        };
        var results = WorkerRun.RunOk(config, allocator =>
        {
            var (senders, receiver) = allocator.Allocate<byte[]>(0);
            if (allocator.Index == 0)
            {
                // Quiet on purpose: no pushes and no allocator calls for 5 peer timeouts. The
                // quiet has to last in wall-clock time; nothing else can stand in for it.
                var quiet = Stopwatch.StartNew();
                while (quiet.Elapsed < peerTimeout * 5)
                {
                    Thread.Yield();
                }

                byte[]? message = [7];
                senders[1].Push(ref message);
                senders[1].Done();
                return 0;
            }

            byte got = 0;
            WorkerRun.ReceiveExactly(allocator, receiver, 1, m => got = m[0]);
            return got;
        });

        Assert.Equal([0, 7], results);
    }
}
