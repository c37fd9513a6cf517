using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;
using System.Text.Json;
using Timely.Bench.Commands;
using Timely.Bench.Measurement;
using Timely.Communication;
using Timely.Transport.Shm.Layout;
using Timely.Transport.Shm.Memory;
using Timely.Transport.Shm.Rendezvous;
using Timely.Transport.Shm.Ring;
using Timely.Transport.Shm.Wakeup;

namespace Timely.Bench.TransportBench;

/// <summary>
/// <c>timely shm-bench</c>: 64-byte messages between two processes (this one and a child it
/// starts): round trip and one-way throughput through SPSC rings in mapped files, beside
/// a cache-line ping-pong floor in a shared mapping, loopback TCP and a Unix domain socket,
/// all in the same run. Prints medians over batches and the allocated bytes per message
/// measured with <see cref="GC.GetAllocatedBytesForCurrentThread"/> around the timed part
/// in each process. Every timed round trip is also recorded into a preallocated HdrHistogram per
/// path (the floor's too), printed as percentiles beside the floor's. One way, the ring is measured
/// beside its own floor: consecutive 64-byte lines, each with its own sequence word, the least
/// any ring with a flag inside each record can move per message (see <see cref="LineStreamLeader"/>).
/// </summary>
/// <remarks>
/// Both sides busy-poll (no doorbell): this is the transport's floor, what a worker that
/// spins sees. Two more round trips add, one at a time, what the engine's hop adds around the
/// ring on each side: ringing the other side's doorbell after each publish (a plain read of the
/// word, then a full fence and a second read, as a push and its flush do), and then waiting as
/// the engine's idle worker does (<see cref="BackOff"/>: the engine's wait by default, or one of the
/// shapes it had before, to compare them in one run). Phases run in a fixed order on both sides; each ends with a value that
/// tells the partner to move on, so no extra synchronization is needed.
/// </remarks>
public static class ShmBenchCommand
{
    private const int MessageBytes = 64;
    private const int RingBytes = 1 << 16;
    private const long Stop = -1;

    // Record types between the two processes: an echo (plain, or with the doorbell rung after
    // the reply, or that and the back-off wait for the next), the stop, a one-way message.
    private const int EchoPlain = 0;
    private const int StopRing = 1;
    private const int OneWay = 2;
    private const int EchoRing = 3;
    private const int EchoRingBackOff = 4;
    private const int LineStream = 5;

    // The one-way floor's lines: as many as the ring has bytes / 64, then the consumer's count on
    // a line of its own, published every StreamPublishEvery lines.
    private const int StreamLines = RingBytes / 64;
    private const long StreamHeadOffset = RingBytes;
    private const int StreamPublishEvery = 64;

    // The doorbell words, in the shared lines file: the leader's (rung by the partner) and the
    // partner's, each on a line of its own with its park and wake counts beside it.
    private const long LeaderBellOffset = 1024;
    private const long PartnerBellOffset = 1536;

    public static Command Create()
    {
        var rounds = new Option<int>("--rounds") { Description = "Round trips per batch.", DefaultValueFactory = _ => 20_000, CustomParser = Cli.IntegerIn("--rounds", 1, int.MaxValue) };
        var messages = new Option<int>("--messages") { Description = "Messages per one-way throughput batch.", DefaultValueFactory = _ => 2_000_000, CustomParser = Cli.IntegerIn("--messages", 1, int.MaxValue) };
        var batches = new Option<int>("--batches") { Description = "Batches per measurement (the median is reported).", DefaultValueFactory = _ => 7, CustomParser = Cli.IntegerIn("--batches", 1, int.MaxValue) };
        var pin = new Option<bool>("--pin") { Description = "Pin this process to core 0 and the partner to core 1 (Linux)." };
        var backOff = new Option<BackOff>("--backoff") { Description = "How the back-off layer waits: fast (the engine's idle wait: looks a PAUSE apart for its first 16 units, one unit apart for the rest of SpinOnce's pausing, then SpinOnce's yields), units (one unit apart throughout, the engine's wait before the fast looks) or spinonce (SpinOnce from the first look).", DefaultValueFactory = _ => BackOff.Fast };
        var partner = new Option<string?>("--partner") { Description = "Internal: run as the partner process over this directory.", Hidden = true };
        var command = new Command("shm-bench", "Round trip and one-way throughput of 64-byte messages between two processes: shm rings vs a cache-line ping-pong floor (one way: vs a stream of lines each with its own sequence word), loopback TCP and a Unix domain socket.");
        foreach (var o in new Option[] { rounds, messages, batches, pin, backOff, partner })
        {
            command.Options.Add(o);
        }

        var latency = new LatencyOptions();
        latency.AddTo(command);
        command.SetAction(result =>
        {
            var settings = new Settings(result.GetValue(rounds), result.GetValue(messages), result.GetValue(batches), result.GetValue(pin), result.GetValue(backOff));
            if (result.GetValue(partner) is { } directory)
            {
                return Cli.Run(() => RunPartner(directory, settings));
            }

            var (json, histOut, plot) = latency.Get(result);
            return Cli.Run(() =>
            {
                var report = new LatencyReport("shm-bench, 64-byte messages between two processes");
                int code = RunLeader(settings, report, json ? Console.Error : Console.Out, json ? Console.Out : null);
                if (code == 0)
                {
                    report.WriteFiles(histOut, plot);
                }

                return code;
            });
        });
        return command;
    }

    /// <summary>
    /// The run's own directory under <paramref name="root"/> (the shared-memory root, writable by
    /// every user): a name nobody can guess before the run (the pid and 64 random bits), made
    /// 0700 where nothing stood. A name from the pid alone could be made first by another user,
    /// and the run would then have put its files in that user's directory and removed it, with
    /// whatever was in it, at the end.
    /// </summary>
    internal static string CreatePrivateDirectory(string root)
    {
        for (int attempt = 0; attempt < 4; attempt++)
        {
            string path = Path.Combine(root, $"timely-shm-bench-{Environment.ProcessId}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}");
            if (Path.Exists(path) || new FileInfo(path).LinkTarget is not null)
            {
                continue;
            }

            return OperatingSystem.IsWindows()
                ? Directory.CreateDirectory(path).FullName
                : Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute).FullName;
        }

        throw new IOException($"shm-bench: four random names under '{root}' were all taken; is something filling that directory?");
    }

    private static int RunLeader(Settings settings, LatencyReport latency, TextWriter output, TextWriter? json)
    {
        string directory = CreatePrivateDirectory(JobDirectory.DefaultRoot);
        try
        {
            using var shared = MappedFile.Create(Path.Combine(directory, "lines"), 4096);
            using var toPartner = CreateRing(Path.Combine(directory, "ring-ab"));
            using var fromPartner = CreateRing(Path.Combine(directory, "ring-ba"));
            using var lineStream = MappedFile.Create(Path.Combine(directory, "line-stream"), RingBytes + 128);
            using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            tcp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            tcp.Listen(1);
            string udsPath = Path.Combine(directory, "uds");
            using var uds = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            uds.Bind(new UnixDomainSocketEndPoint(udsPath));
            uds.Listen(1);
            File.WriteAllText(Path.Combine(directory, "tcp-port"), ((IPEndPoint)tcp.LocalEndPoint!).Port.ToString(CultureInfo.InvariantCulture));

            using var child = StartPartner(directory, settings);
            if (settings.Pin)
            {
                Affinity.PinCurrentThread(0);
            }

            // Histograms allocated before any timed loop; the warm-up batch records nothing.
            var floorTrips = latency.AddFloor("floor", "cache-line ping-pong floor, round trip");
            var ringTrips = latency.Add("shm_ring", "shm ring, round trip");
            var bellTrips = latency.Add("shm_ring_bell", "shm ring + doorbell, round trip");
            var backOffTrips = latency.Add("shm_ring_bell_backoff", "ring + doorbell + back-off, round trip");
            var tcpTrips = latency.Add("tcp", "loopback TCP, round trip");
            var udsTrips = latency.Add("uds", "Unix domain socket, round trip");
            var report = new List<Row>();
            var lines = shared.Region;
            report.Add(Measure("floor", "cache-line ping-pong floor, round trip", settings, settings.Rounds, "ns", floorTrips, r => FloorLeader(lines, settings.Rounds, r)));
            using (var a = new SpscByteRing(toPartner.Region))
            using (var b = new SpscByteRing(fromPartner.Region))
            {
                var partnerBell = Bell(lines, PartnerBellOffset);
                report.Add(Measure("shm_ring", "shm ring, round trip", settings, settings.Rounds, "ns", ringTrips, r => RingRoundTripLeader(a, b, settings.Rounds, r, EchoPlain, null, settings.BackOff)));
                report.Add(Measure("shm_ring_bell", "shm ring + doorbell, round trip", settings, settings.Rounds, "ns", bellTrips, r => RingRoundTripLeader(a, b, settings.Rounds, r, EchoRing, partnerBell, settings.BackOff)));
                report.Add(Measure("shm_ring_bell_backoff", "ring + doorbell + back-off, round trip", settings, settings.Rounds, "ns", backOffTrips, r => RingRoundTripLeader(a, b, settings.Rounds, r, EchoRingBackOff, partnerBell, settings.BackOff)));
                report.Add(Measure("shm_ring_one_way", "shm ring, one way", settings, settings.Messages, "ns/msg", null, _ => RingThroughputLeader(a, b, settings.Messages)));
                Span<byte> stop = stackalloc byte[MessageBytes];
                while (!a.TryWrite(LineStream, stop))
                {
                    Thread.SpinWait(1);
                }

                long[] written = [0];
                report.Add(Measure("line_stream_one_way", "line stream floor, one way", settings, settings.Messages, "ns/msg", null, _ => LineStreamLeader(lineStream.Region, b, settings.Messages, written)));
                while (!a.TryWrite(StopRing, stop))
                {
                    Thread.SpinWait(1);
                }
            }

            using (var t = tcp.Accept())
            {
                t.NoDelay = true;
                report.Add(Measure("tcp", "loopback TCP, round trip", settings, settings.Rounds / 10, "ns", tcpTrips, r => SocketRoundTripLeader(t, settings.Rounds / 10, r)));
            }

            using (var u = uds.Accept())
            {
                report.Add(Measure("uds", "Unix domain socket, round trip", settings, settings.Rounds / 10, "ns", udsTrips, r => SocketRoundTripLeader(u, settings.Rounds / 10, r)));
            }

            string partnerOutput = child.StandardOutput.ReadToEnd();
            child.WaitForExit();
            if (child.ExitCode != 0)
            {
                output.WriteLine(partnerOutput + child.StandardError.ReadToEnd());
                return child.ExitCode;
            }

            double floor = report[0].Median;
            output.WriteLine($"64-byte messages between two processes, {settings.Batches} batches each, median per batch{(settings.Pin ? ", pinned to cores 0 and 1" : ", not pinned")}:");
            output.WriteLine($"  the back-off layer waits {settings.BackOff.ToString().ToLowerInvariant()}: {(settings.BackOff == BackOff.SpinOnce ? "SpinOnce from the first look" : $"{FastLooks(settings.BackOff)} looks a PAUSE apart, then {UnitLooks(settings.BackOff)} one unit apart, then SpinOnce's yields")}");
            var summary = new Dictionary<string, object> { ["bench"] = "shm-bench", ["rounds"] = settings.Rounds, ["messages"] = settings.Messages, ["batches"] = settings.Batches, ["pinned"] = settings.Pin,
                ["backoff"] = settings.BackOff.ToString().ToLowerInvariant(), ["backoff_fast_looks"] = FastLooks(settings.BackOff), ["backoff_unit_looks"] = UnitLooks(settings.BackOff) };
            foreach (var (key, name, median, unit, allocated, operations) in report)
            {
                string ratio = unit == "ns" ? $"  {median / floor:0.00}x floor" : $"  {1e3 / median:0.0} M msg/s";
                double perMessage = (double)allocated / operations;
                output.WriteLine($"  {name,-40} {median,10:0.0} {unit,-7}{ratio}  leader alloc {perMessage:0.###} B/msg");
                summary[$"{key}_median_{(unit == "ns" ? "ns" : "ns_per_msg")}"] = median;
                summary[$"{key}_leader_alloc_bytes_per_msg"] = perMessage;
            }

            foreach (string line in partnerOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                output.WriteLine("  partner: " + line);
            }

            latency.WriteTable(output);
            latency.AddTo(summary);
            summary["partner"] = partnerOutput.Trim();
            json?.WriteLine(JsonSerializer.Serialize(summary, SummaryJson.Default.DictionaryStringObject));
            return 0;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private readonly record struct Row(string Key, string Name, double Median, string Unit, long Allocated, long Operations);

    /// <summary>The median of the batches; <paramref name="record"/> gets every timed round trip (not the warm-up's).</summary>
    private static Row Measure(string key, string name, Settings settings, int operations, string unit, LatencyHistogram? record, Func<LatencyHistogram?, long> batch)
    {
        batch(null);   // warm-up: JIT tiers, page faults
        var perOperation = new double[settings.Batches];
        long allocated = 0;
        for (int i = 0; i < settings.Batches; i++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            long ticks = batch(record);
            allocated += GC.GetAllocatedBytesForCurrentThread() - before;
            perOperation[i] = ticks * (1e9 / Stopwatch.Frequency) / operations;
        }

        return new Row(key, name, Stats.Median(perOperation), unit, allocated, (long)operations * settings.Batches);
    }

    private static long FloorLeader(MemoryRegion lines, int rounds, LatencyHistogram? record)
    {
        ref long ping = ref lines.Int64At(0);
        ref long pong = ref lines.Int64At(256);
        long start = Stopwatch.GetTimestamp();
        long first = Volatile.Read(ref pong) + 1;
        for (long i = first; i < first + rounds; i++)
        {
            long sent = Stopwatch.GetTimestamp();
            Volatile.Write(ref ping, i);
            while (Volatile.Read(ref pong) != i)
            {
                Thread.SpinWait(1);
            }

            record?.RecordTicks(Stopwatch.GetTimestamp() - sent);
        }

        return Stopwatch.GetTimestamp() - start;
    }

    /// <summary>
    /// Round trips of records of <paramref name="type"/>: with a <paramref name="bell"/>, each
    /// publish rings the partner's doorbell as the engine's push and flush do; with
    /// <see cref="EchoRingBackOff"/>, each wait for the reply backs off as the engine's idle
    /// worker does.
    /// </summary>
    private static long RingRoundTripLeader(SpscByteRing toPartner, SpscByteRing fromPartner, int rounds, LatencyHistogram? record, int type, SharedDoorbell? bell, BackOff backOff)
    {
        Span<byte> message = stackalloc byte[MessageBytes];
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < rounds; i++)
        {
            long sent = Stopwatch.GetTimestamp();
            while (!toPartner.TryWrite(type, message))
            {
                Thread.SpinWait(1);
            }

            if (bell is not null)
            {
                RingAfterPublish(bell);
            }

            if (type == EchoRingBackOff)
            {
                ReadOneBackingOff(fromPartner, backOff);
            }
            else
            {
                ReadOne(fromPartner);
            }

            record?.RecordTicks(Stopwatch.GetTimestamp() - sent);
        }

        return Stopwatch.GetTimestamp() - start;
    }

    /// <summary>What a push and its flush do to the target's doorbell after the publish: a plain read of the word, a full fence, a second read (nobody sleeps here, so neither wakes).</summary>
    private static void RingAfterPublish(SharedDoorbell bell)
    {
        bell.RingIfSleeping();
        bell.RingFenced();
    }

    // The looks of ReadOneBackingOff before SpinOnce's yields: a PAUSE apart, then one unit apart.
    private static int FastLooks(BackOff backOff) => backOff == BackOff.Fast ? BackOffShape.FastLooks : 0;

    private static int UnitLooks(BackOff backOff) => backOff == BackOff.SpinOnce ? 0 : BackOffShape.PausedUnits - (FastLooks(backOff) > 0 ? BackOffShape.FastUnits : 0);

    private static SharedDoorbell Bell(MemoryRegion lines, long offset) => new(lines, offset, offset + 8, offset + 16);

    private static long RingThroughputLeader(SpscByteRing toPartner, SpscByteRing fromPartner, int messages)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < messages; i++)
        {
            Span<byte> payload;
            while (!toPartner.TryClaim(MessageBytes, out payload))
            {
                Thread.SpinWait(1);
            }

            payload[0] = (byte)i;
            toPartner.Commit(OneWay);
        }

        ReadOne(fromPartner);   // the partner's ack after the last message
        return Stopwatch.GetTimestamp() - start;
    }

    /// <summary>
    /// The one-way floor of any ring whose records carry their own flag: <paramref name="messages"/>
    /// consecutive 64-byte lines, each a payload word and then (a release store) its own sequence
    /// word, which the consumer spins on line by line; the producer reads the consumer's count only
    /// when it would lap it (<see cref="StreamLines"/> lines), and the consumer publishes it every
    /// <see cref="StreamPublishEvery"/> lines. So each message moves one line and nothing else is
    /// shared on its way, where the ring moves a 72-byte record (two lines at every offset) and
    /// clears the next record's header word. <paramref name="written"/> carries the count across
    /// batches, so a line's sequence word never repeats a value from an earlier lap.
    /// </summary>
    private static long LineStreamLeader(MemoryRegion stream, SpscByteRing fromPartner, int messages, long[] written)
    {
        ref long head = ref stream.Int64At(StreamHeadOffset);
        long first = written[0], end = first + messages;
        long start = Stopwatch.GetTimestamp();
        long cachedHead = Volatile.Read(ref head);
        for (long i = first; i < end; i++)
        {
            while (i - cachedHead >= StreamLines)
            {
                Thread.SpinWait(1);
                cachedHead = Volatile.Read(ref head);
            }

            long offset = (i & (StreamLines - 1)) * 64;
            stream.Int64At(offset + 8) = i;
            Volatile.Write(ref stream.Int64At(offset), i + 1);
        }

        written[0] = end;
        ReadOne(fromPartner);   // the partner's ack after the last line
        return Stopwatch.GetTimestamp() - start;
    }

    /// <summary>
    /// The consumer of <see cref="LineStreamLeader"/>: <paramref name="total"/> lines, each
    /// payload checked against its index (a line read before its payload, or overwritten by a
    /// producer that lapped, fails the run), an ack through the ring after every
    /// <paramref name="perAck"/>.
    /// </summary>
    private static void LineStreamPartner(MemoryRegion stream, long total, int perAck, SpscByteRing toLeader)
    {
        ref long head = ref stream.Int64At(StreamHeadOffset);
        Span<byte> ack = stackalloc byte[MessageBytes];
        int untilAck = perAck;   // a count down, not i % perAck: a 64-bit division a line costs more than the line
        for (long i = 0; i < total; i++)
        {
            long offset = (i & (StreamLines - 1)) * 64;
            ref long sequence = ref stream.Int64At(offset);
            long seen;
            while ((seen = Volatile.Read(ref sequence)) != i + 1)
            {
                if (seen > i + 1)
                {
                    throw new InvalidDataException($"line stream: line {i} was overwritten by line {seen - 1} before it was read");
                }

                Thread.SpinWait(1);
            }

            if (stream.Int64At(offset + 8) != i)
            {
                throw new InvalidDataException($"line stream: line {i} carries payload {stream.Int64At(offset + 8)}");
            }

            if ((i + 1) % StreamPublishEvery == 0)
            {
                Volatile.Write(ref head, i + 1);
            }

            if (--untilAck == 0)
            {
                untilAck = perAck;
                while (!toLeader.TryWrite(0, ack))
                {
                    Thread.SpinWait(1);
                }
            }
        }
    }

    private static void ReadOne(SpscByteRing ring)
    {
        while (!ring.TryRead(out _, out _))
        {
            Thread.SpinWait(1);
        }

        ring.ReleaseRead();
    }

    /// <summary>
    /// Waits for a record as the engine's idle worker waits before it parks (the engine's
    /// <c>SpinThenPark.Await</c>, internal to it, restated here in the shape <paramref name="backOff"/>
    /// names), then goes on as SpinOnce does, never parking: nobody here rings a sleeper.
    /// </summary>
    private static int ReadOneBackingOff(SpscByteRing ring, BackOff backOff)
    {
        int type;
        var spinner = default(SpinWait);
        if (backOff != BackOff.SpinOnce)
        {
            int fastLooks = FastLooks(backOff);
            for (int f = 0; f < fastLooks; f++)
            {
                if (ring.TryRead(out type, out _))
                {
                    ring.ReleaseRead();
                    return type;
                }

                X86Base.Pause();
            }

            int units = UnitLooks(backOff);
            for (int u = 0; u < units; u++)
            {
                if (ring.TryRead(out type, out _))
                {
                    ring.ReleaseRead();
                    return type;
                }

                Thread.SpinWait(1);
            }

            spinner = BackOffShape.AfterPauses;
        }

        while (!ring.TryRead(out type, out _))
        {
            spinner.SpinOnce(sleep1Threshold: -1);
        }

        ring.ReleaseRead();
        return type;
    }

    private static long SocketRoundTripLeader(Socket socket, int rounds, LatencyHistogram? record)
    {
        Span<byte> message = stackalloc byte[MessageBytes];
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < rounds; i++)
        {
            long sent = Stopwatch.GetTimestamp();
            socket.Send(message);
            ReceiveExactly(socket, message);
            record?.RecordTicks(Stopwatch.GetTimestamp() - sent);
        }

        return Stopwatch.GetTimestamp() - start;
    }

    private static void ReceiveExactly(Socket socket, Span<byte> buffer)
    {
        int got = 0;
        while (got < buffer.Length)
        {
            int n = socket.Receive(buffer[got..]);
            if (n == 0)
            {
                throw new IOException("the partner closed the socket");
            }

            got += n;
        }
    }

    private static int RunPartner(string directory, Settings settings)
    {
        if (settings.Pin)
        {
            Affinity.PinCurrentThread(1);
        }

        using var shared = MappedFile.Open(Path.Combine(directory, "lines"));
        using var fromLeaderFile = MappedFile.Open(Path.Combine(directory, "ring-ab"));
        using var toLeaderFile = MappedFile.Open(Path.Combine(directory, "ring-ba"));
        using var lineStream = MappedFile.Open(Path.Combine(directory, "line-stream"));
        var lines = shared.Region;
        using var fromLeader = new SpscByteRing(fromLeaderFile.Region);
        using var toLeader = new SpscByteRing(toLeaderFile.Region);
        long allocated = 0, operations = 0;
        long before = GC.GetAllocatedBytesForCurrentThread();

        // Floor: echo ping into pong until the leader sends Stop (the leader runs warm-up + batches).
        ref long ping = ref lines.Int64At(0);
        ref long pong = ref lines.Int64At(256);
        int floorBatches = settings.Batches + 1;
        for (long i = 1; i <= (long)floorBatches * settings.Rounds; i++)
        {
            while (Volatile.Read(ref ping) != i)
            {
                Thread.SpinWait(1);
            }

            Volatile.Write(ref pong, i);
            operations++;
        }

        {
            Span<byte> reply = stackalloc byte[MessageBytes];
            var leaderBell = Bell(lines, LeaderBellOffset);
            long received = 0;
            bool backOff = false;   // the last echo asked for the back-off wait: wait so for the next
            while (true)
            {
                int type;
                if (backOff)
                {
                    type = ReadOneBackingOff(fromLeader, settings.BackOff);
                }
                else
                {
                    if (!fromLeader.TryRead(out type, out _))
                    {
                        Thread.SpinWait(1);
                        continue;
                    }

                    fromLeader.ReleaseRead();
                }

                operations++;
                backOff = type == EchoRingBackOff;
                if (type == StopRing)
                {
                    break;
                }

                if (type == LineStream)
                {
                    long streamed = (long)(settings.Batches + 1) * settings.Messages;
                    LineStreamPartner(lineStream.Region, streamed, settings.Messages, toLeader);
                    operations += streamed;
                    continue;
                }

                if (type is EchoPlain or EchoRing or EchoRingBackOff)
                {
                    while (!toLeader.TryWrite(type, reply))
                    {
                        Thread.SpinWait(1);
                    }

                    if (type != EchoPlain)
                    {
                        RingAfterPublish(leaderBell);
                    }
                }
                else if (++received == settings.Messages)
                {
                    received = 0;
                    while (!toLeader.TryWrite(0, reply))
                    {
                        Thread.SpinWait(1);
                    }
                }
            }
        }

        allocated += GC.GetAllocatedBytesForCurrentThread() - before;
        int port = int.Parse(File.ReadAllText(Path.Combine(directory, "tcp-port")), CultureInfo.InvariantCulture);
        int socketRounds = (settings.Batches + 1) * (settings.Rounds / 10);
        using (var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true })
        {
            tcp.Connect(new IPEndPoint(IPAddress.Loopback, port));
            before = GC.GetAllocatedBytesForCurrentThread();
            Echo(tcp, socketRounds);
            allocated += GC.GetAllocatedBytesForCurrentThread() - before;
            operations += socketRounds;
        }

        using (var uds = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            uds.Connect(new UnixDomainSocketEndPoint(Path.Combine(directory, "uds")));
            before = GC.GetAllocatedBytesForCurrentThread();
            Echo(uds, socketRounds);
            allocated += GC.GetAllocatedBytesForCurrentThread() - before;
            operations += socketRounds;
        }

        Console.WriteLine($"allocated {allocated} B over {operations} messages in its timed loops ({(double)allocated / operations:0.###} B/msg)");
        return 0;
    }

    private static void Echo(Socket socket, int rounds)
    {
        Span<byte> message = stackalloc byte[MessageBytes];
        for (int i = 0; i < rounds; i++)
        {
            ReceiveExactly(socket, message);
            socket.Send(message);
        }
    }

    private static MappedFile CreateRing(string path)
    {
        var file = MappedFile.Create(path, RingDescriptor.RequiredRegionBytes(RingBytes));
        RingDescriptor.Initialize(file.Region, RingBytes, Environment.ProcessId);
        return file;
    }

    private static Process StartPartner(string directory, Settings settings)
    {
        string host = Environment.ProcessPath ?? throw new InvalidOperationException("The path of this executable is unknown.");
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            start.ArgumentList.Add(Suite.TimelyExecutable.OwnDll);
        }

        foreach (string a in new[]
        {
            "shm-bench", "--partner", directory,
            "--rounds", settings.Rounds.ToString(CultureInfo.InvariantCulture),
            "--messages", settings.Messages.ToString(CultureInfo.InvariantCulture),
            "--batches", settings.Batches.ToString(CultureInfo.InvariantCulture),
            "--backoff", settings.BackOff.ToString(),
        })
        {
            start.ArgumentList.Add(a);
        }

        if (settings.Pin)
        {
            start.ArgumentList.Add("--pin");
        }

        return Process.Start(start) ?? throw new InvalidOperationException("could not start the partner process");
    }

    private sealed record Settings(int Rounds, int Messages, int Batches, bool Pin, BackOff BackOff);
}
