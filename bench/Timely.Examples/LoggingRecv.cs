using System.Net;
using System.Net.Sockets;
using Timely.Dataflow;
using Timely.Dataflow.Capture;
using Timely.Dataflow.Logging;
using Timely.Dataflow.Operators;

namespace Timely.Examples;

/// <summary>
/// timely's <c>logging-recv</c>: listens on the ports <see cref="LoggingSend"/>'s workers connect
/// to, replays every log stream into one dataflow and prints each event
/// (<c>replayed: (time, TimelySetup { index }, event)</c>).
/// </summary>
public static class LoggingRecv
{
    /// <summary>
    /// One worker of the receiving job: it binds the ports of the source workers this worker owns (source i goes to
    /// worker i mod peers), tells <paramref name="listening"/>, accepts one connection on each, replays
    /// them and gives each replayed record's line to <paramref name="replayed"/>.
    /// </summary>
    public static void Run(Worker worker, int sources, int firstPort, Action<string> replayed, Action<string> listening)
    {
        var listeners = Enumerable.Range(0, sources).Where(i => i % worker.Peers == worker.Index)
            .Select(i => new TcpListener(IPAddress.Loopback, firstPort + i)).ToList();
        foreach (var listener in listeners)
        {
            listener.Start();
            lock (listening)
            {
                listening($"listening on {listener.LocalEndpoint}");
            }
        }

        var readers = new List<IEventIterator<ulong, LogRecord>>();
        foreach (var listener in listeners)
        {
            var socket = listener.AcceptSocket();
            listener.Stop();
            readers.Add(new EventReader<ulong, LogRecord>(new NetworkStream(socket, ownsSocket: true)));
            socket.Blocking = false;   // after wrapping: NetworkStream refuses a non-blocking socket
        }

        worker.Dataflow<ulong>(scope => readers.ReplayInto(scope).Inspect(record =>
        {
            lock (replayed)
            {
                replayed($"replayed: {record}");
            }
        }));
    }
}
