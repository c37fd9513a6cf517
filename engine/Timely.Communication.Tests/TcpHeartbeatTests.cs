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

    [Fact]
    public void A_quiet_peer_with_a_longer_peer_timeout_heartbeats_for_the_shorter_one()
    {
        // Process 0 would heartbeat every quarter of its own 20 s; process 1 gives up after the
        // smallest peer timeout a configuration accepts. The timeouts travel in the handshake, so
        // process 0 heartbeats for the smaller one and its quiet is not taken for death.
        var shortTimeout = Config.MinimumPeerTimeout;
        var config = Config.Cluster(1, 0, FreePorts.Loopback(2), TransportKind.Tcp) with
        {
            ConnectTimeout = TimeSpan.FromSeconds(10),
            JobName = "heartbeat-agreed-" + Guid.NewGuid().ToString("N"),
        };
        var timeouts = new[] { TimeSpan.FromSeconds(20), shortTimeout };
        var results = new int[2][];
        var errors = new Exception?[2];
        var processes = Enumerable.Range(0, 2).Select(p => new Thread(() =>
        {
            try
            {
                using var guards = Workers.Initialize(config with { ProcessIndex = p, PeerTimeout = timeouts[p] }, allocator =>
                {
                    var (senders, receiver) = allocator.Allocate<byte[]>(0);
                    if (allocator.Index == 0)
                    {
                        var quiet = Stopwatch.StartNew();
                        while (quiet.Elapsed < shortTimeout * 5)
                        {
                            Thread.Yield();
                        }

                        byte[]? message = [9];
                        senders[1].Push(ref message);
                        senders[1].Done();
                        return 0;
                    }

                    byte got = 0;
                    WorkerRun.ReceiveExactly(allocator, receiver, 1, m => got = m[0]);
                    return (int)got;
                });
                results[p] = WorkerRun.Ok(guards.Join());
            }
#pragma warning disable CA1031 // reported below with the process it came from
            catch (Exception e)
#pragma warning restore CA1031
            {
                errors[p] = e;
            }
        })).ToArray();
        Array.ForEach(processes, t => t.Start());

        Assert.All(processes, t => Assert.True(t.Join(WorkerRun.Deadline), "a process did not finish"));
        Assert.All(errors, e => Assert.Null(e));
        Assert.Equal([0], results[0]);
        Assert.Equal([9], results[1]);
    }
}
