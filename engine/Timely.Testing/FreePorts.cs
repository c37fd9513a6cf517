using System.Net;
using System.Net.Sockets;

namespace Timely.Testing;

/// <summary>Loopback addresses on ports the OS just handed out, so parallel tests and other jobs do not collide.</summary>
public static class FreePorts
{
    /// <summary><paramref name="count"/> distinct <c>127.0.0.1:port</c> addresses, free a moment ago.</summary>
    public static string[] Loopback(int count)
    {
        var sockets = new Socket[count];
        try
        {
            for (int i = 0; i < count; i++)
            {
                sockets[i] = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                sockets[i].Bind(new IPEndPoint(IPAddress.Loopback, 0));
            }

            return sockets.Select(s => $"127.0.0.1:{((IPEndPoint)s.LocalEndPoint!).Port}").ToArray();
        }
        finally
        {
            foreach (var s in sockets)
            {
                s?.Dispose();
            }
        }
    }
}
