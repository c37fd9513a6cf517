using System.Diagnostics;
using System.Net.Sockets;
using Timely.Communication.Fabrics;
using Timely.Testing;
using Timely.Transport.Tcp;

namespace Timely.Communication.Tests;

/// <summary>
/// A TCP process of one worker with one peer: the worker reads its socket itself while it is
/// awake, and the receive thread reads while it parks (<see cref="SocketTurn"/>). Each path
/// keeps the transport's promises: the same messages in the same order as the thread's path, a
/// peer's death reported with its one-line error, and a parked worker woken by data.
/// </summary>
public sealed class TcpWorkerReadsTests
{
    private static readonly int[] Sizes = [0, 1, 64, 1000, 300_000, 7, 65_536, 2];

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_ping_pong_of_mixed_sizes_arrives_whole_and_in_order_on_either_path(bool workerReads)
    {
        const int rounds = 40;
        var config = Config.Cluster(1, 0, FreePorts.Loopback(2), TransportKind.Tcp) with
        {
            ConnectTimeout = TimeSpan.FromSeconds(10),
            JobName = "worker-reads-" + Guid.NewGuid().ToString("N"),
            SpinIterations = int.MaxValue,   // never parks: once given its socket, a worker keeps it
            TcpWorkerReads = workerReads,
        };
        var results = WorkerRun.RunOk(config, allocator =>
        {
            var binary = (BinaryAllocator)allocator;
            var (senders, receiver) = allocator.Allocate<byte[]>(0);
            int peer = 1 - allocator.Index;
            var got = new List<byte[]>();
            for (int i = 0; i < rounds; i++)
            {
                if (allocator.Index == 0)
                {
                    Send(senders[peer], Payload(i));
                    WorkerRun.ReceiveExactly(allocator, receiver, 1, got.Add);
                }
                else
                {
                    WorkerRun.ReceiveExactly(allocator, receiver, 1, got.Add);
                    Send(senders[peer], got[^1]);
                }
            }

            return (Got: got, binary.DirectFrames, Direct: binary.Direct is not null);
        });

        foreach (var (got, directFrames, direct) in results)
        {
            Assert.Equal(rounds, got.Count);
            for (int i = 0; i < rounds; i++)
            {
                Assert.True(Payload(i).AsSpan().SequenceEqual(got[i]), $"message {i} differs");
            }

            Assert.Equal(workerReads, direct);
            if (workerReads)
            {
                // The thread gives the socket back at the first frame after the worker asked, and
                // a worker that never parks never hands it over again: every later frame is its own.
                Assert.InRange(directFrames, rounds - 2, rounds);
            }
            else
            {
                Assert.Equal(0, directFrames);
            }
        }
    }

    [Theory]
    [MemberData(nameof(TcpPeerFailureTests.Deaths), MemberType = typeof(TcpPeerFailureTests))]
    public async Task A_peer_that_dies_while_the_worker_holds_its_socket_is_reported_as_on_the_threads_path(string death, string expected)
    {
        var config = Config.Cluster(1, 0, FreePorts.Loopback(2), TransportKind.Tcp) with
        {
            ConnectTimeout = TimeSpan.FromSeconds(10),
            MaxMessageBytes = 4096,
            JobName = "worker-reads-death-" + Guid.NewGuid().ToString("N"),
            SpinIterations = int.MaxValue,
        };
        Socket? peer = null;
        var fake = new Thread(() => peer = TcpPeerFailureTests.FakeProcessOne(config));
        fake.Start();
        BinaryAllocator? worker = null;
        int received = 0;
        var guards = Workers.Initialize(config, allocator =>
        {
            var (_, receiver) = allocator.Allocate<string>(0);
            Volatile.Write(ref worker, (BinaryAllocator)allocator);
            WorkerRun.ReceiveExactly(allocator, receiver, int.MaxValue, _ => Interlocked.Increment(ref received));   // until the peer dies
            return 0;
        });
        Assert.True(fake.Join(WorkerRun.Deadline));

        using (var socket = peer ?? throw new InvalidOperationException("the fake peer did not connect"))
        {
            // One frame at a time until the worker holds its socket: the thread gives it back at
            // the first frame after the worker's first receive asked for it.
            uint sent = 0;
            var clock = Stopwatch.StartNew();
            while (Volatile.Read(ref worker)?.Direct?.Holding != true)
            {
                Assert.True(clock.Elapsed < WorkerRun.Deadline, $"the worker never took its socket ({sent} frames sent)");
                socket.Send(TcpPeerFailureTests.Frame(sent, 0, 1, 0, 1, TcpPeerFailureTests.WireBytes("ping " + sent)));
                sent++;
                while (Volatile.Read(ref received) < sent)
                {
                    Assert.True(clock.Elapsed < WorkerRun.Deadline, $"frame {sent - 1} never arrived");
                    Thread.Yield();
                }
            }

            TcpPeerFailureTests.Die(socket, death, sent);

            await TcpPeerFailureTests.JoinFailedNamingPeerOne(guards, expected);

            // The worker never parked, so it never handed the socket to the thread: the death was
            // met on the worker's path.
            Assert.Equal(0, TurnOf(worker!).HandOvers);
        }

        guards.Dispose();
    }

    [Fact]
    public void A_worker_that_parks_holding_its_socket_hands_it_over_and_is_woken_by_the_next_message()
    {
        var config = Config.Cluster(1, 0, FreePorts.Loopback(2), TransportKind.Tcp) with
        {
            ConnectTimeout = TimeSpan.FromSeconds(10),
            JobName = "worker-reads-park-" + Guid.NewGuid().ToString("N"),
        };
        var workers = new BinaryAllocator?[2];
        int pings = 0;
        var holding = new ManualResetEventSlim();
        long parksBefore = -1;
        var results = WorkerRun.RunOk(config, allocator =>
        {
            var binary = (BinaryAllocator)allocator;
            Volatile.Write(ref workers[allocator.Index], binary);
            var (senders, receiver) = allocator.Allocate<byte[]>(0);
            var clock = Stopwatch.StartNew();
            if (allocator.Index == 1)
            {
                // Pings, one at a time, until worker 0 holds its socket.
                while (!holding.IsSet)
                {
                    int sent = Volatile.Read(ref pings);
                    Send(senders[0], [1]);
                    while (Volatile.Read(ref pings) == sent && !holding.IsSet)
                    {
                        Assert.True(clock.Elapsed < WorkerRun.Deadline, "worker 0 never took its socket");
                        allocator.Receive();
                        Thread.Yield();
                    }
                }

                // Then one message, once worker 0 is asleep.
                var other = Volatile.Read(ref workers[0])!;
                while (other.Parks <= Volatile.Read(ref parksBefore))
                {
                    Assert.True(clock.Elapsed < WorkerRun.Deadline, "worker 0 never parked");
                    Thread.Yield();
                }

                Send(senders[0], [2]);
                return (HandOvers: 0L, Parked: false, Woken: false);
            }

            // Worker 0 takes its socket: awake, receiving, until the thread gives it back.
            while (binary.Direct!.Holding is false)
            {
                Assert.True(clock.Elapsed < WorkerRun.Deadline, "the thread never gave the socket back");
                allocator.Receive();
                ref byte[]? ping = ref receiver.Pull();
                for (; ping is not null; ping = ref receiver.Pull())
                {
                    ping = null;
                    Interlocked.Increment(ref pings);
                }
            }

            long parks = binary.Parks;
            long wakes = binary.Wakes;
            Volatile.Write(ref parksBefore, parks);
            holding.Set();

            // Parks with no timeout: a lost wake-up would sleep until the test's deadline.
            bool last = false;
            while (!last)
            {
                allocator.Receive();
                ref byte[]? slot = ref receiver.Pull();
                for (; slot is not null; slot = ref receiver.Pull())
                {
                    last |= slot[0] == 2;
                    slot = null;
                }

                if (!last)
                {
                    allocator.AwaitEvents(null);
                }
            }

            // Woken means rung: the thread that read the message rang the sleeping worker (the
            // word stays Sleeping between the park's bounded slices, so a ring after the park's
            // count rose always finds it asleep).
            return (TurnOf(binary).HandOvers, Parked: binary.Parks > parks, Woken: binary.Wakes > wakes);
        });

        var zero = results[0];
        Assert.True(zero.HandOvers >= 1, "worker 0 never handed its socket to the thread");
        Assert.True(zero.Parked);
        Assert.True(zero.Woken, "worker 0 found the message at a deadline of its park, not by a ring");
    }

    private static SocketTurn TurnOf(BinaryAllocator worker) => ((TcpReceivePath)worker.Direct!).Turn!;

    private static void Send(IPush<byte[]> to, byte[] payload)
    {
        byte[]? message = payload;
        to.Push(ref message);
        to.Done();
    }

    private static byte[] Payload(int round)
    {
        var bytes = new byte[Sizes[round % Sizes.Length]];
        for (int i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)((round * 37) + i);
        }

        return bytes;
    }
}
