using System.Globalization;
using System.Net.Sockets;

namespace Timely.Transport.Tcp.Tests;

/// <summary>
/// A connection the mesh hands out is not registered with .NET's socket engine (its epoll
/// instance): a registered socket wakes that engine's thread for every packet that arrives,
/// one more thread wake-up per message beside the receive thread. Checked in the kernel's own
/// record: the target descriptors (<c>tfd:</c>) that /proc/self/fdinfo lists for every epoll
/// descriptor of this process.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class EpollRegistrationTests
{
    [Fact]
    public void Neither_sides_connection_is_registered_with_the_runtimes_epoll_engine_after_the_handshake()
    {
        foreach (bool secret in new[] { false, true })
        {
            var addresses = Loopback.FreeAddresses(2);
            var options = new TcpOptions
            {
                JobId = 17,
                ConnectTimeout = Loopback.Deadline,
                HandshakeTimeout = Loopback.Deadline,
                Secret = secret ? ClusterSecret.FromBytes(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray()) : null,
            };
            var zero = new Background<PeerConnection?[]>(() => TcpMesh.Establish(addresses, 0, 1, options));
            var one = new Background<PeerConnection?[]>(() => TcpMesh.Establish(addresses, 1, 1, options));
            var zeros = zero.Join();
            var ones = one.Join();
            try
            {
                var registered = EpollTargets();
                var accepted = zeros[1]!.Socket;
                var connected = ones[0]!.Socket;
                Assert.DoesNotContain((int)accepted.Handle, registered);
                Assert.DoesNotContain((int)connected.Handle, registered);

                // And the fabric's way of using them (non-blocking, poll then receive) keeps it so.
                accepted.Blocking = false;
                connected.Blocking = false;
                connected.Send(new byte[] { 1, 2, 3 });
                Assert.True(accepted.Poll(5_000_000, SelectMode.SelectRead));
                var buffer = new byte[8];
                Assert.Equal(3, accepted.Receive(buffer, SocketFlags.None, out var error));
                Assert.Equal(SocketError.Success, error);
                accepted.Receive(buffer, SocketFlags.None, out error);
                Assert.Equal(SocketError.WouldBlock, error);
                registered = EpollTargets();
                Assert.DoesNotContain((int)accepted.Handle, registered);
                Assert.DoesNotContain((int)connected.Handle, registered);
            }
            finally
            {
                zeros[1]!.Dispose();
                ones[0]!.Dispose();
            }
        }
    }

    [Fact]
    public void The_check_sees_a_socket_that_is_registered()
    {
        // The instrument itself: a socket used once through the blocking emulation (a blocking
        // receive with a timeout on a descriptor that is non-blocking underneath) is listed.
        var (client, server) = Loopback.Pair();
        using (client)
        using (server)
        {
            server.Blocking = false;
            server.Blocking = true;
            server.ReceiveTimeout = 50;
            Assert.Throws<SocketException>(() => server.Receive(new byte[1]));
            Assert.Contains((int)server.Handle, EpollTargets());
        }
    }

    /// <summary>Every descriptor some epoll instance of this process watches.</summary>
    private static HashSet<int> EpollTargets()
    {
        var targets = new HashSet<int>();
        foreach (var fd in Directory.GetFiles("/proc/self/fd"))
        {
            string? link;
            try
            {
                link = new FileInfo(fd).LinkTarget;
            }
            catch (IOException)
            {
                continue;   // closed meanwhile
            }

            if (link != "anon_inode:[eventpoll]")
            {
                continue;
            }

            string info;
            try
            {
                info = File.ReadAllText($"/proc/self/fdinfo/{Path.GetFileName(fd)}");
            }
            catch (IOException)
            {
                continue;
            }

            foreach (var line in info.Split('\n'))
            {
                if (line.StartsWith("tfd:", StringComparison.Ordinal))
                {
                    var fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                    targets.Add(int.Parse(fields[1], CultureInfo.InvariantCulture));
                }
            }
        }

        return targets;
    }
}
