using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Timely.Bench.Measurement;
using Timely.Communication;

namespace Timely.Bench.TransportBench;

/// <summary>
/// netbench's baseline: what a hand-written loop gets from the same kernel, blocking
/// send/receive of exactly the payload bytes on one TCP_NODELAY socket, no framing, then the
/// same over the socket's async API. Its port is this process's cluster port + 1000.
/// </summary>
internal static class RawSocketPath
{
    /// <summary>
    /// The raw socket, first with blocking calls on dedicated threads (what the transport's
    /// network threads do), then with the async API (<see cref="Socket.ReceiveAsync(Memory{byte}, SocketFlags, CancellationToken)"/>,
    /// continuations on the thread pool): the measurement behind keeping threads. The async
    /// runs come last because the first async call ties the socket to .NET's epoll engine.
    /// </summary>
    // Optimized from the start, as TransportPath's worker is: the timed loop runs once, and tiering would run its first rounds unoptimized.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (Dictionary<int, NetBenchFigures> Sync, Dictionary<int, NetBenchFigures> Async) Run(Config config, int[] sizes, int rounds, long streamBytes, Dictionary<int, (LatencyHistogram Raw, LatencyHistogram RawAsync, LatencyHistogram Timely)> trips, TimeSpan warmup)
    {
        var own = Timely.Transport.Tcp.TcpMesh.ParseAddress(config.Addresses[config.ProcessIndex]);
        var other = Timely.Transport.Tcp.TcpMesh.ParseAddress(config.Addresses[1 - config.ProcessIndex]);
        using var socket = config.ProcessIndex == 0 ? AcceptOne(new IPEndPoint(own.Address, own.Port + 1000)) : ConnectOne(new IPEndPoint(other.Address, other.Port + 1000));
        socket.NoDelay = true;
        var figures = new Dictionary<int, NetBenchFigures>();
        foreach (int size in sizes)
        {
            var buffer = new byte[size];
            var rtts = new double[rounds];
            var record = trips[size].Raw;
            WarmUp(socket, config.ProcessIndex == 0, buffer, warmup);
            for (int i = 0; i < rounds; i++)
            {
                long start = Stopwatch.GetTimestamp();
                if (config.ProcessIndex == 0)
                {
                    socket.Send(buffer);
                    ReceiveExactly(socket, buffer);
                }
                else
                {
                    ReceiveExactly(socket, buffer);
                    socket.Send(buffer);
                }

                rtts[i] = NetBenchProtocol.Record(record, start);
            }

            int messages = NetBenchProtocol.MessagesFor(streamBytes, size);
            var clock = Stopwatch.StartNew();
            if (config.ProcessIndex == 0)
            {
                for (int i = 0; i < messages; i++)
                {
                    socket.Send(buffer);
                }

                ReceiveExactly(socket, buffer.AsSpan(0, 1));
            }
            else
            {
                var sink = new byte[1 << 20];
                long left = (long)messages * size;
                while (left > 0)
                {
                    left -= socket.Receive(sink.AsSpan(0, (int)Math.Min(sink.Length, left)));
                }

                socket.Send(buffer.AsSpan(0, 1));
            }

            double seconds = clock.Elapsed.TotalSeconds;
            figures[size] = new NetBenchFigures(Stats.Median(rtts), (double)messages * size / seconds / 1e6, messages / seconds, 0);
        }

        var asyncFigures = new Dictionary<int, NetBenchFigures>();
        foreach (int size in sizes)
        {
            asyncFigures[size] = RawAsync(socket, config.ProcessIndex == 0, size, rounds, NetBenchProtocol.MessagesFor(streamBytes, size), trips[size].RawAsync, warmup).GetAwaiter().GetResult();
        }

        return (figures, asyncFigures);
    }

    private static async Task<NetBenchFigures> RawAsync(Socket socket, bool leader, int size, int rounds, int messages, LatencyHistogram record, TimeSpan warmup)
    {
        var buffer = new byte[size];
        var rtts = new double[rounds];
        var warming = Stopwatch.StartNew();
        while (true)
        {
            bool more;
            if (leader)
            {
                more = warming.Elapsed < warmup;
                buffer[0] = more ? NetBenchProtocol.WarmUpMore : NetBenchProtocol.WarmUpLast;
                await SendAllAsync(socket, buffer).ConfigureAwait(false);
                await ReceiveExactlyAsync(socket, buffer).ConfigureAwait(false);
            }
            else
            {
                await ReceiveExactlyAsync(socket, buffer).ConfigureAwait(false);
                more = buffer[0] == NetBenchProtocol.WarmUpMore;
                await SendAllAsync(socket, buffer).ConfigureAwait(false);
            }

            if (!more)
            {
                break;
            }
        }

        for (int i = 0; i < rounds; i++)
        {
            long start = Stopwatch.GetTimestamp();
            if (leader)
            {
                await SendAllAsync(socket, buffer).ConfigureAwait(false);
                await ReceiveExactlyAsync(socket, buffer).ConfigureAwait(false);
            }
            else
            {
                await ReceiveExactlyAsync(socket, buffer).ConfigureAwait(false);
                await SendAllAsync(socket, buffer).ConfigureAwait(false);
            }

            rtts[i] = NetBenchProtocol.Record(record, start);
        }

        var clock = Stopwatch.StartNew();
        if (leader)
        {
            for (int i = 0; i < messages; i++)
            {
                await SendAllAsync(socket, buffer).ConfigureAwait(false);
            }

            await ReceiveExactlyAsync(socket, buffer.AsMemory(0, 1)).ConfigureAwait(false);
        }
        else
        {
            var sink = new byte[1 << 20];
            long left = (long)messages * size;
            while (left > 0)
            {
                int n = await socket.ReceiveAsync(sink.AsMemory(0, (int)Math.Min(sink.Length, left)), SocketFlags.None).ConfigureAwait(false);
                if (n == 0)
                {
                    throw new IOException("netbench: the raw baseline's peer closed early.");
                }

                left -= n;
            }

            await SendAllAsync(socket, buffer.AsMemory(0, 1)).ConfigureAwait(false);
        }

        double seconds = clock.Elapsed.TotalSeconds;
        return new NetBenchFigures(Stats.Median(rtts), (double)messages * size / seconds / 1e6, messages / seconds, 0);
    }

    private static async ValueTask SendAllAsync(Socket socket, ReadOnlyMemory<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            bytes = bytes[await socket.SendAsync(bytes, SocketFlags.None).ConfigureAwait(false)..];
        }
    }

    private static async ValueTask ReceiveExactlyAsync(Socket socket, Memory<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            int n = await socket.ReceiveAsync(buffer, SocketFlags.None).ConfigureAwait(false);
            if (n == 0)
            {
                throw new IOException("netbench: the raw baseline's peer closed early.");
            }

            buffer = buffer[n..];
        }
    }

    /// <summary>
    /// Untimed round trips on the raw socket for <paramref name="warmup"/>: the leader marks
    /// each ping's first byte <see cref="WarmUpMore"/> or, for the last one, <see cref="WarmUpLast"/>,
    /// so both sides stop after the same round.
    /// </summary>
    internal static void WarmUp(Socket socket, bool leader, byte[] buffer, TimeSpan warmup)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            bool more;
            if (leader)
            {
                more = clock.Elapsed < warmup;
                buffer[0] = more ? NetBenchProtocol.WarmUpMore : NetBenchProtocol.WarmUpLast;
                socket.Send(buffer);
                ReceiveExactly(socket, buffer);
            }
            else
            {
                ReceiveExactly(socket, buffer);
                more = buffer[0] == NetBenchProtocol.WarmUpMore;
                socket.Send(buffer);
            }

            if (!more)
            {
                return;
            }
        }
    }

    private static Socket AcceptOne(IPEndPoint at)
    {
        using var listener = new Socket(at.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Bind(at);
        listener.Listen(1);
        return listener.Accept();
    }

    private static Socket ConnectOne(IPEndPoint to)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var socket = new Socket(to.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.Connect(to);
                return socket;
            }
            catch (SocketException) when (DateTime.UtcNow < until)
            {
                socket.Dispose();
                Thread.Sleep(5);
            }
        }
    }

    private static void ReceiveExactly(Socket socket, Span<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            int n = socket.Receive(buffer);
            if (n == 0)
            {
                throw new IOException("netbench: the raw baseline's peer closed early.");
            }

            buffer = buffer[n..];
        }
    }
}
