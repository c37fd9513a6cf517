using System.Net;
using System.Net.Sockets;
using Timely.Communication;
using Timely.Dataflow.Capture;
using Timely.Dataflow.Operators;

namespace Timely.Dataflow.Tests.Capture;

/// <summary>The two examples of timely's capture module documentation, as in the seed.</summary>
public class SeedExampleTests
{
    private static readonly ulong[] ZeroToNine = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];

    [Fact]
    public void EventLink_example_replays_zero_to_nine()
    {
        var replayed = new List<ulong>();
        Execute.Run(Config.Thread, worker =>
        {
            var handle1 = new EventLink<ulong, ulong>();
            var handle2 = handle1.Fork();
            worker.Dataflow<ulong>(scope1 => ZeroToNine.ToStream(scope1).CaptureInto(handle1));
            worker.Dataflow<ulong>(scope2 => new[] { handle2 }.ReplayInto(scope2).Inspect(replayed.Add));
        });

        Assert.Equal(ZeroToNine, replayed);
    }

    [Fact]
    public void Tcp_example_replays_zero_to_nine_through_a_non_blocking_socket()
    {
        var replayed = new List<ulong>();
        Execute.Run(Config.Thread, worker =>
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var send = new TcpClient();
            send.Connect((IPEndPoint)listener.LocalEndpoint);
            var recv = listener.AcceptSocket();
            var writer = new EventWriter<ulong, ulong>(send.GetStream());
            // NetworkStream refuses a socket that is already non-blocking; switch after wrapping it.
            var reader = new EventReader<ulong, ulong>(new NetworkStream(recv, ownsSocket: true));
            recv.Blocking = false;
            worker.Dataflow<ulong>(scope1 => ZeroToNine.ToStream(scope1).CaptureInto(writer));
            worker.Dataflow<ulong>(scope2 => new[] { reader }.ReplayInto(scope2).Inspect(replayed.Add));
            while (worker.Step())
            {
            }

            writer.Dispose();
            send.Dispose();
            reader.Dispose();
        });

        Assert.Equal(ZeroToNine, replayed);
    }
}
