using System.Net;
using System.Net.Sockets;
using Timely.Dataflow;
using Timely.Dataflow.Capture;
using Timely.Dataflow.Operators;

namespace Timely.Examples;

/// <summary>
/// The two examples of timely's capture module documentation: a stream of <c>0..10</c> captured in
/// one dataflow and replayed in another, which prints <c>replayed: 0</c> .. <c>replayed: 9</c>.
/// </summary>
public static class CaptureExamples
{
    private static readonly ulong[] ZeroToNine = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];

    /// <summary>
    /// Through an <see cref="EventLink{T, TData}"/> (a linked list in memory), on one worker;
    /// writes its lines to <paramref name="output"/>.
    /// </summary>
    public static void Link(Worker worker, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var handle1 = new EventLink<ulong, ulong>();
        var handle2 = handle1.Fork();
        worker.Dataflow<ulong>(scope1 => ZeroToNine.ToStream(scope1).CaptureInto(handle1));
        worker.Dataflow<ulong>(scope2 => new[] { handle2 }.ReplayInto(scope2).Inspect(x => output.WriteLine($"replayed: {x}")));
    }

    /// <summary>
    /// Through a loopback TCP connection (127.0.0.1, port chosen by the OS): an
    /// <see cref="EventWriter{T, TData}"/> into the socket, an <see cref="EventReader{T, TData}"/>
    /// from its non-blocking other end, on one worker; writes its lines to <paramref name="output"/>.
    /// </summary>
    public static void Tcp(Worker worker, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var send = new TcpClient();
        send.Connect((IPEndPoint)listener.LocalEndpoint);
        var recv = listener.AcceptSocket();
        var writer = new EventWriter<ulong, ulong>(send.GetStream());
        // NetworkStream refuses a socket that is already non-blocking; switch after wrapping it.
        using var reader = new EventReader<ulong, ulong>(new NetworkStream(recv, ownsSocket: true));
        recv.Blocking = false;
        worker.Dataflow<ulong>(scope1 => ZeroToNine.ToStream(scope1).CaptureInto(writer));
        worker.Dataflow<ulong>(scope2 => new[] { reader }.ReplayInto(scope2).Inspect(x => output.WriteLine($"replayed: {x}")));
        while (worker.Step())
        {
        }

        writer.Dispose();
    }
}
