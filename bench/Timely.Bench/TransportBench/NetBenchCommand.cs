using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Timely.Bench.Commands;
using Timely.Bench.Measurement;
using Timely.Bytes;
using Timely.Communication;

namespace Timely.Bench.TransportBench;

/// <summary>
/// <c>timely netbench</c>: two processes (<c>-n 2 -p 0</c> and <c>-p 1</c>, one worker each)
/// measure, in the same run, a raw <see cref="Socket"/> baseline and the cluster transport:
/// round trip (ping-pong, median of each iteration) and streaming throughput, for each
/// message size; process-wide bytes allocated per streamed message come from
/// <see cref="GC.GetTotalAllocatedBytes(bool)"/> (network threads included). Every round trip
/// is also recorded into a preallocated HdrHistogram per path and size (raw_SIZE is the floor),
/// printed as percentiles by process 0.
/// </summary>
/// <remarks>
/// The raw baseline is what a hand-written loop gets from the same kernel: blocking
/// send/receive of exactly the payload bytes on one TCP_NODELAY socket, no framing. Its port
/// is this process's cluster port + 1000.
/// </remarks>
public static class NetBenchCommand
{
    private const int Ping = 0;
    private const int Stream = 1;
    private const int Ack = 2;

    // First byte of a warm-up ping: another round follows, or this is the last untimed one.
    private const byte WarmUpMore = 1;
    private const byte WarmUpLast = 0;

    // Largest --sizes entry: 64 MiB, well inside the default --max-message-bytes.
    private const int MaxSize = 64 << 20;

    public static Command Create()
    {
        var options = new CommunicationOptions();
        var sizes = new Option<string>("--sizes") { Description = "Comma-separated message sizes in bytes.", DefaultValueFactory = _ => "64,65536" };
        var rounds = new Option<int>("--rounds") { Description = "Round trips per size, 1 or more.", DefaultValueFactory = _ => 20000, CustomParser = Cli.IntegerIn("--rounds", 1, int.MaxValue) };
        var warmup = new Option<int>("--warmup-ms") { Description = "Untimed round trips before each path's timed ones, for this many milliseconds (process 0 decides; 0 for one round). The JIT's tiered compilation promotes the hot methods about 100 ms after they are first called, so without it the first tens of thousands of timed round trips run unoptimized code.", DefaultValueFactory = _ => 500, CustomParser = Cli.IntegerIn("--warmup-ms", 0, 600_000) };
        var streamBytes = new Option<long>("--stream-bytes") { Description = "Bytes streamed per size (at least 1000 messages), 1 or more.", DefaultValueFactory = _ => 256L << 20, CustomParser = Cli.IntegerIn("--stream-bytes", 1L, long.MaxValue) };
        var command = new Command("netbench", "Two processes: round trip and streaming for raw sockets and the cluster transport, in one run (-n 2 -p 0|1 --transport tcp).");
        options.AddTo(command);
        command.Options.Add(sizes);
        command.Options.Add(rounds);
        command.Options.Add(streamBytes);
        command.Options.Add(warmup);
        var latency = new LatencyOptions();
        latency.AddTo(command);
        command.SetAction(result =>
        {
            var config = options.ToConfig(result);
            CheckShape(config);
            int[] sizeList = ParseSizes(result.GetValue(sizes)!);
            var (json, histOut, plot) = latency.Get(result);
            return Cli.Run(() =>
            {
                var report = new LatencyReport($"netbench, {config.Transport}, 2 processes");
                int code = Run(config, sizeList, result.GetValue(rounds), result.GetValue(streamBytes), json ? Console.Error : Console.Out, report, json ? Console.Out : null, TimeSpan.FromMilliseconds(result.GetValue(warmup)));
                if (config.ProcessIndex == 0)
                {
                    report.WriteFiles(histOut, plot);
                }

                return code;
            });
        });
        return command;
    }

    /// <summary>
    /// Runs both processes' part; process 0 prints the table and <paramref name="latency"/>'s
    /// percentiles to <paramref name="output"/> and, given <paramref name="json"/>, one JSON line there.
    /// Each path's timed round trips follow untimed ones for <paramref name="warmup"/> (default none:
    /// one untimed round).
    /// </summary>
    public static int Run(Config config, int[] sizes, int rounds, long streamBytes, TextWriter output, LatencyReport? latency = null, TextWriter? json = null, TimeSpan warmup = default)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(sizes);
        ArgumentNullException.ThrowIfNull(output);
        CheckShape(config);

        bool leader = config.ProcessIndex == 0;
        latency ??= new LatencyReport("netbench");
        var trips = new Dictionary<int, (LatencyHistogram Raw, LatencyHistogram RawAsync, LatencyHistogram Timely)>();
        foreach (int size in sizes)
        {
            var floor = latency.AddFloor($"raw_{size}", $"raw socket, {size} B, round trip");
            trips[size] = (floor, latency.Add($"raw_async_{size}", $"raw async socket, {size} B, round trip", floor), latency.Add($"timely_{size}", $"timely {config.Transport}, {size} B, round trip", floor));
        }

        var (raw, rawAsync) = RawBaseline(config, sizes, rounds, streamBytes, trips, warmup);
        var transport = TransportRun(config, sizes, rounds, streamBytes, trips, warmup);
        if (leader)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"netbench: {config.Transport}, 2 processes on {string.Join(" ", config.Addresses)}, {rounds} round trips (after {warmup.TotalMilliseconds:0} ms of untimed ones) and {streamBytes >> 20} MiB streamed per size"));
            output.WriteLine("size      | rtt raw µs | rtt raw async µs | rtt timely µs | ratio | stream raw MB/s | stream raw async MB/s | stream timely MB/s | ratio | timely msgs/s | alloc B/msg stream | alloc B/round trip");
            foreach (int size in sizes)
            {
                var r = raw[size];
                var a = rawAsync[size];
                var t = transport[size];
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{size,9} | {r.RttMedianUs,10:F2} | {a.RttMedianUs,16:F2} | {t.RttMedianUs,13:F2} | {t.RttMedianUs / r.RttMedianUs,5:F2} | {r.StreamMBps,15:F1} | {a.StreamMBps,21:F1} | {t.StreamMBps,18:F1} | {t.StreamMBps / r.StreamMBps,5:F2} | {t.MessagesPerSecond,13:F0} | {t.AllocPerMessage,17:F2} | {t.AllocPerRoundTrip,18:F2}"));
            }

            latency.WriteTable(output);
            if (json is not null)
            {
                var summary = new Dictionary<string, object> { ["bench"] = "netbench", ["transport"] = config.Transport.ToString(), ["rounds"] = rounds, ["warmup_ms"] = warmup.TotalMilliseconds, ["stream_bytes"] = streamBytes };
                foreach (int size in sizes)
                {
                    summary[$"raw_{size}_rtt_median_us"] = raw[size].RttMedianUs;
                    summary[$"timely_{size}_rtt_median_us"] = transport[size].RttMedianUs;
                    summary[$"timely_{size}_stream_mb_per_s"] = transport[size].StreamMBps;
                    summary[$"timely_{size}_alloc_bytes_per_msg"] = transport[size].AllocPerMessage;
                    summary[$"timely_{size}_alloc_bytes_per_round_trip"] = transport[size].AllocPerRoundTrip;
                }

                latency.AddTo(summary);
                json.WriteLine(JsonSerializer.Serialize(summary, SummaryJson.Default.DictionaryStringObject));
            }
        }
        else
        {
            foreach (int size in sizes)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"receiver size {size}: alloc B/msg stream {transport[size].AllocPerMessage:F2}, B/round trip {transport[size].AllocPerRoundTrip:F2}"));
            }
        }

        return 0;
    }

    private readonly record struct Figures(double RttMedianUs, double StreamMBps, double MessagesPerSecond, double AllocPerMessage, double AllocPerRoundTrip = 0);

    private static void CheckShape(Config config)
    {
        if (config.Kind != CommunicationKind.Cluster || config.Processes != 2 || config.Threads != 1)
        {
            throw new ConfigException("netbench: run two processes of one worker: -n 2 -p 0|1 (-w 1).");
        }
    }

    /// <summary>The <c>--sizes</c> list: comma-separated message sizes, each 1..<see cref="MaxSize"/> bytes.</summary>
    private static int[] ParseSizes(string text)
    {
        var sizes = new List<int>();
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int size) || size < 1 || size > MaxSize)
            {
                throw new ConfigException($"--sizes: '{part}' is not a message size in 1..{MaxSize} bytes.");
            }

            sizes.Add(size);
        }

        return sizes.Count > 0 ? [.. sizes] : throw new ConfigException($"--sizes: the list is empty; give sizes in 1..{MaxSize} bytes, comma-separated.");
    }

    private static int MessagesFor(long streamBytes, int size) => (int)Math.Max(1000, streamBytes / size);

    /// <summary>
    /// The raw socket, first with blocking calls on dedicated threads (what the transport's
    /// network threads do), then with the async API (<see cref="Socket.ReceiveAsync(Memory{byte}, SocketFlags, CancellationToken)"/>,
    /// continuations on the thread pool): the measurement behind keeping threads. The async
    /// runs come last because the first async call ties the socket to .NET's epoll engine.
    /// </summary>
    private static (Dictionary<int, Figures> Sync, Dictionary<int, Figures> Async) RawBaseline(Config config, int[] sizes, int rounds, long streamBytes, Dictionary<int, (LatencyHistogram Raw, LatencyHistogram RawAsync, LatencyHistogram Timely)> trips, TimeSpan warmup)
    {
        var own = Timely.Transport.Tcp.TcpMesh.ParseAddress(config.Addresses[config.ProcessIndex]);
        var other = Timely.Transport.Tcp.TcpMesh.ParseAddress(config.Addresses[1 - config.ProcessIndex]);
        using var socket = config.ProcessIndex == 0 ? AcceptOne(new IPEndPoint(own.Address, own.Port + 1000)) : ConnectOne(new IPEndPoint(other.Address, other.Port + 1000));
        socket.NoDelay = true;
        var figures = new Dictionary<int, Figures>();
        foreach (int size in sizes)
        {
            var buffer = new byte[size];
            var rtts = new double[rounds];
            var record = trips[size].Raw;
            WarmUpRaw(socket, config.ProcessIndex == 0, buffer, warmup);
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

                rtts[i] = Record(record, start);
            }

            int messages = MessagesFor(streamBytes, size);
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
            figures[size] = new Figures(Median(rtts), (double)messages * size / seconds / 1e6, messages / seconds, 0);
        }

        var asyncFigures = new Dictionary<int, Figures>();
        foreach (int size in sizes)
        {
            asyncFigures[size] = RawAsync(socket, config.ProcessIndex == 0, size, rounds, MessagesFor(streamBytes, size), trips[size].RawAsync, warmup).GetAwaiter().GetResult();
        }

        return (figures, asyncFigures);
    }

    private static async Task<Figures> RawAsync(Socket socket, bool leader, int size, int rounds, int messages, LatencyHistogram record, TimeSpan warmup)
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
                buffer[0] = more ? WarmUpMore : WarmUpLast;
                await SendAllAsync(socket, buffer).ConfigureAwait(false);
                await ReceiveExactlyAsync(socket, buffer).ConfigureAwait(false);
            }
            else
            {
                await ReceiveExactlyAsync(socket, buffer).ConfigureAwait(false);
                more = buffer[0] == WarmUpMore;
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

            rtts[i] = Record(record, start);
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
        return new Figures(Median(rtts), (double)messages * size / seconds / 1e6, messages / seconds, 0);
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
    private static void WarmUpRaw(Socket socket, bool leader, byte[] buffer, TimeSpan warmup)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            bool more;
            if (leader)
            {
                more = clock.Elapsed < warmup;
                buffer[0] = more ? WarmUpMore : WarmUpLast;
                socket.Send(buffer);
                ReceiveExactly(socket, buffer);
            }
            else
            {
                ReceiveExactly(socket, buffer);
                more = buffer[0] == WarmUpMore;
                socket.Send(buffer);
            }

            if (!more)
            {
                return;
            }
        }
    }

    /// <summary>The transport's untimed round trips, as <see cref="WarmUpRaw"/> does them.</summary>
    private static void WarmUpTransport(Allocator allocator, IPush<byte[]> pingOut, IPull<byte[]> pingIn, byte[] payload, bool leader, TimeSpan warmup)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            bool more;
            byte[]? message;
            if (leader)
            {
                more = clock.Elapsed < warmup;
                payload[0] = more ? WarmUpMore : WarmUpLast;
                message = payload;
                pingOut.Push(ref message);
                pingOut.Done();
                _ = Await(allocator, pingIn);
            }
            else
            {
                message = Await(allocator, pingIn);
                more = message![0] == WarmUpMore;
                pingOut.Push(ref message);
                pingOut.Done();
            }

            if (!more)
            {
                payload[0] = WarmUpLast;
                return;
            }
        }
    }

    private static Dictionary<int, Figures> TransportRun(Config config, int[] sizes, int rounds, long streamBytes, Dictionary<int, (LatencyHistogram Raw, LatencyHistogram RawAsync, LatencyHistogram Timely)> trips, TimeSpan warmup)
    {
        var figures = new Dictionary<int, Figures>();
        using var guards = Workers.Initialize(config, allocator =>
        {
            int me = allocator.Index;
            int peer = 1 - me;
            WireCodec.PrepareArray<byte>();   // the payload's codec, without reflection (Native AOT)
            var (pingOut, pingIn) = allocator.Allocate<byte[]>(Ping);
            var (streamOut, streamIn) = allocator.Allocate<byte[]>(Stream);
            var (ackOut, ackIn) = allocator.Allocate<byte[]>(Ack);
            foreach (int size in sizes)
            {
                var rtts = new double[rounds];
                var record = trips[size].Timely;
                var payload = new byte[size];
                WarmUpTransport(allocator, pingOut[peer], pingIn, payload, me == 0, warmup);
                byte[]? message = payload;
                long rttAllocated = 0;
                for (int i = 0; i < rounds; i++)
                {
                    long start = Stopwatch.GetTimestamp();
                    if (me == 0)
                    {
                        pingOut[peer].Push(ref message);
                        pingOut[peer].Done();
                        message = Await(allocator, pingIn);
                    }
                    else
                    {
                        message = Await(allocator, pingIn);
                        pingOut[peer].Push(ref message);
                        pingOut[peer].Done();
                    }

                    message = payload;   // the pusher does not hand a buffer back: reuse ours, allocate nothing
                    rtts[i] = Record(record, start);
                    if (i == rounds / 2)
                    {
                        rttAllocated = GC.GetTotalAllocatedBytes(precise: true);   // second half: steady state
                    }
                }

                double perRoundTrip = (double)(GC.GetTotalAllocatedBytes(precise: true) - rttAllocated) / (rounds - (rounds / 2) - 1);

                int messages = MessagesFor(streamBytes, size);
                long allocated = 0;
                var clock = Stopwatch.StartNew();
                if (me == 0)
                {
                    for (int i = 0; i < messages; i++)
                    {
                        if (i == messages / 2)
                        {
                            allocated = GC.GetTotalAllocatedBytes(precise: true);   // second half: steady state
                        }

                        message = payload;
                        streamOut[peer].Push(ref message);
                        if ((i & 63) == 63)
                        {
                            allocator.Release();
                        }
                    }

                    streamOut[peer].Done();
                    _ = Await(allocator, ackIn);
                }
                else
                {
                    for (int received = 0; received < messages;)
                    {
                        if (allocated == 0 && received >= messages / 2)
                        {
                            allocated = GC.GetTotalAllocatedBytes(precise: true);   // second half: steady state
                        }

                        allocator.Receive();
                        while (true)
                        {
                            ref byte[]? slot = ref streamIn.Pull();
                            if (slot is null)
                            {
                                break;
                            }

                            received++;
                        }

                        allocator.Release();
                        if (received < messages)
                        {
                            allocator.AwaitEvents(TimeSpan.FromMilliseconds(10));
                        }
                    }

                    byte[]? ack = [1];
                    ackOut[peer].Push(ref ack);
                    ackOut[peer].Done();
                }

                double seconds = clock.Elapsed.TotalSeconds;
                double alloc = (double)(GC.GetTotalAllocatedBytes(precise: true) - allocated) / (messages - (messages / 2));
                lock (figures)
                {
                    figures[size] = new Figures(Median(rtts), (double)messages * size / seconds / 1e6, messages / seconds, alloc, perRoundTrip);
                }
            }

            return 0;
        });

        foreach (var result in guards.Join())
        {
            if (!result.IsOk)
            {
                throw new InvalidOperationException($"netbench: worker {result.Worker} failed", result.Error);
            }
        }

        return figures;
    }

    /// <summary>
    /// Polls (spinning, then parking) until one message arrives on <paramref name="receiver"/>.
    /// The array stays in the pull slot too, so the inbox decodes the next message into it
    /// (timely's hand-back): the caller may push it (pushes copy) but must not keep it.
    /// </summary>
    private static byte[]? Await(Allocator allocator, IPull<byte[]> receiver)
    {
        while (true)
        {
            allocator.Receive();
            ref byte[]? slot = ref receiver.Pull();
            if (slot is not null)
            {
                allocator.Release();
                return slot;
            }

            allocator.AwaitEvents(TimeSpan.FromMilliseconds(10));
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

    /// <summary>Records the round trip that started at <paramref name="start"/> (a Stopwatch timestamp); returns it in µs.</summary>
    private static double Record(LatencyHistogram record, long start)
    {
        long ticks = Stopwatch.GetTimestamp() - start;
        record.RecordTicks(ticks);
        return ticks * 1e6 / Stopwatch.Frequency;
    }

    private static double Median(double[] values)
    {
        Array.Sort(values);
        return values[values.Length / 2];
    }
}
