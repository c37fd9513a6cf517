using System.Net.Sockets;
using Timely.Testing;

namespace Timely.Transport.Tcp.Tests;

/// <summary>
/// Two real <c>timely</c> processes form their job while clients flood process 0's port with
/// connections that send nothing or a few bytes and hold on, with and without a cluster secret:
/// the job forms every time. Before, the acceptor dropped its oldest pending handshake to make
/// room, which could be the real peer's, and the peer took that reset as final.
/// </summary>
public sealed class SetupFloodTests
{
    private const int Held = 400;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_job_forms_while_idle_and_slow_clients_flood_the_port(bool secret)
    {
        var environment = secret ? new Dictionary<string, string> { ["TIMELY_SECRET"] = "flood-" + Guid.NewGuid().ToString("N") } : null;
        for (int trial = 0; trial < 2; trial++)
        {
            var addresses = Loopback.FreeAddresses(2);
            string hostfile = Path.Combine(Path.GetTempPath(), $"timely-hosts-{Guid.NewGuid():N}.txt");
            File.WriteAllLines(hostfile, addresses);
            using var stop = new CancellationTokenSource();
            long opened = 0;
            try
            {
                string args = $"barrier 500 -n 2 --transport tcp -h {hostfile} --connect-timeout 30";
                var zero = TimelyChild.Start($"{args} -p 0", environment);
                var floods = Enumerable.Range(0, 4).Select(i => new Thread(() => Flood(addresses[0], slow: i % 2 == 1, ref opened, stop.Token)) { IsBackground = true }).ToArray();
                Array.ForEach(floods, f => f.Start());
                SpinWait.SpinUntil(() => Interlocked.Read(ref opened) > 2 * Held || zero.Process.HasExited, Loopback.Deadline);
                var one = TimelyChild.Start($"{args} -p 1", environment);
                var (oneExit, _, oneErr) = one.Finish();
                var (zeroExit, _, zeroErr) = zero.Finish();
                stop.Cancel();
                Assert.All(floods, f => Assert.True(f.Join(Loopback.Deadline), "a flooding thread did not stop"));

                Assert.True(Interlocked.Read(ref opened) > Held, $"the flood opened only {opened} connections");
                Assert.True(zeroExit == 0, $"process 0 exited {zeroExit}: {zeroErr}");
                Assert.True(oneExit == 0, $"process 1 exited {oneExit}: {oneErr}");
            }
            finally
            {
                stop.Cancel();
                File.Delete(hostfile);
            }
        }
    }

    /// <summary>Opens connections as fast as it can, each sending nothing (or, <paramref name="slow"/>, part of a magic), holding the newest <see cref="Held"/>.</summary>
    private static void Flood(string address, bool slow, ref long opened, CancellationToken stop)
    {
        var endpoint = TcpMesh.ParseAddress(address);
        var held = new Queue<Socket>();
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    socket.Connect(endpoint);
                    if (slow)
                    {
                        socket.Send("TIMELY"u8);
                    }

                    held.Enqueue(socket);
                    Interlocked.Increment(ref opened);
                }
                catch (SocketException)
                {
                    socket.Dispose();   // not listening yet, or the backlog is full: try again
                    Thread.Sleep(1);
                }

                if (held.Count > Held / 4)
                {
                    held.Dequeue().Dispose();
                }
            }
        }
        finally
        {
            while (held.Count > 0)
            {
                held.Dequeue().Dispose();
            }
        }
    }
}
