using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Timely.Bench.Launch;

/// <summary>127.0.0.1 addresses on ports the OS handed out a moment ago, for clusters this program starts itself.</summary>
internal static class LoopbackPorts
{
    /// <summary>
    /// <paramref name="count"/> distinct <c>127.0.0.1:port</c> addresses, each bound (so all are
    /// distinct) and released before returning. Another program may take one in between, which
    /// the cluster then reports at set-up; a fixed port (timely's default 2101 + i) collides
    /// whenever two clusters run at once on one host.
    /// </summary>
    public static string[] Free(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToArray();
        try
        {
            foreach (var l in listeners)
            {
                l.Start();
            }

            return listeners.Select(l => $"127.0.0.1:{((IPEndPoint)l.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture)}").ToArray();
        }
        finally
        {
            foreach (var l in listeners)
            {
                l.Stop();
            }
        }
    }
}
