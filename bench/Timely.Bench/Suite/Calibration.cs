using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Timely.Bench.Measurement;
using Timely.Bytes;

namespace Timely.Bench.Suite;

/// <summary>
/// The hardware floors the rows are shown against, measured in-process in the same run:
/// a cache-line ping-pong between two threads (what any cross-core hop costs at best) and a
/// socket round trip on 127.0.0.1 (what the tcp transport costs at best). Each is the best of
/// several batches, since a shared 2-core host descheduling a spinning thread only ever adds time.
/// </summary>
public static class Calibration
{
    /// <summary>
    /// Measures both floors with <paramref name="trips"/> round trips in all, split into many short
    /// batches: the best batch is the floor, and short batches give a loaded host more chances to
    /// leave both threads on their cores for a whole batch. Each floor stops taking batches after
    /// <paramref name="budget"/> (a host with a load of 20 on 2 cores can turn every round trip
    /// into a scheduler time slice).
    /// </summary>
    public static CalibrationResult Measure(int trips, TimeSpan budget, int batches = 20) => new()
    {
        CacheLineRoundTripNs = CacheLineRoundTrip(Math.Max(1, trips / batches), batches, budget),
        SocketRoundTripNs = SocketRoundTrip(Math.Max(1, trips / 10 / batches), batches, budget),
    };

    /// <summary>
    /// Best ns per round trip of thread A writing i to line "ping" and spinning until thread B
    /// has copied it to line "pong". The two counters sit two cache lines apart
    /// (<see cref="CacheLine.Size"/> already covers the adjacent-line prefetcher) in one array, so
    /// no unsafe code is needed for the padding. Past <paramref name="budget"/> no new batch starts
    /// and a running one is cut short (its completed trips still count), so the calibration cannot
    /// hang the suite on one core or under heavy load. With <paramref name="record"/>, each completed
    /// trip is also recorded there (two timestamps per trip: the best batch then includes them).
    /// </summary>
    public static double CacheLineRoundTrip(int trips, int batches, TimeSpan budget, LatencyHistogram? record = null)
    {
        // Design: index 0 (ping) is written only by the measuring thread, index Stride (pong) only
        // by the echo thread, index 2*Stride (stop) only by the measuring thread; all accesses are
        // Volatile so each spin re-reads memory, and each line has exactly one writer.
        const int Stride = CacheLine.Size / sizeof(long);
        double best = double.MaxValue;
        long deadline = Stopwatch.GetTimestamp() + (long)(budget.TotalSeconds * Stopwatch.Frequency);
        for (int b = 0; b < batches && (b == 0 || Stopwatch.GetTimestamp() < deadline); b++)
        {
            var lines = new long[3 * Stride];
            var echo = new Thread(() =>
            {
                long seen = 0;
                while (Volatile.Read(ref lines[2 * Stride]) == 0)
                {
                    long v = Volatile.Read(ref lines[0]);
                    if (v != seen)
                    {
                        seen = v;
                        Volatile.Write(ref lines[Stride], v);
                    }
                }
            })
            { IsBackground = true, Name = "calibration echo" };
            echo.Start();
            long start = Stopwatch.GetTimestamp();
            int done = 0;
            bool timedOut = false;
            for (long i = 1; i <= trips && !timedOut; i++)
            {
                long sent = record is null ? 0 : Stopwatch.GetTimestamp();
                Volatile.Write(ref lines[0], i);
                long spins = 0;
                while (Volatile.Read(ref lines[Stride]) != i)
                {
                    if ((++spins & 0xFFFF) == 0 && Stopwatch.GetTimestamp() > deadline)
                    {
                        timedOut = true;
                        break;
                    }
                }

                if (!timedOut)
                {
                    done++;
                    record?.RecordTicks(Stopwatch.GetTimestamp() - sent);
                }
            }

            long elapsed = Stopwatch.GetTimestamp() - start;
            Volatile.Write(ref lines[2 * Stride], 1);
            echo.Join();
            if (done > 0)
            {
                best = Math.Min(best, elapsed * 1e9 / Stopwatch.Frequency / done);
            }
        }

        return best == double.MaxValue ? double.NaN : best;
    }

    /// <summary>Best ns per 8-byte round trip over a loopback TCP connection with Nagle off.</summary>
    public static double SocketRoundTrip(int trips, int batches, TimeSpan budget)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.Connect((IPEndPoint)listener.LocalEndpoint);
        using var server = listener.AcceptSocket();
        server.NoDelay = true;
        listener.Stop();
        Exception? echoFailure = null;
        var echo = new Thread(() =>
        {
            // An exception on this thread would end the process: it ends the echo instead, and
            // the measuring side reports it (the suite then runs without the socket floor).
            try
            {
                var buffer = new byte[8];
                while (ReadExactly(server, buffer))
                {
                    server.Send(buffer);
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                echoFailure = e;
                server.Close();   // the measuring side's next read sees the end
            }
        })
        { IsBackground = true, Name = "calibration socket echo" };
        echo.Start();
        var message = new byte[8];
        double best = double.MaxValue;
        long deadline = Stopwatch.GetTimestamp() + (long)(budget.TotalSeconds * Stopwatch.Frequency);
        for (int b = 0; b < batches && (b == 0 || Stopwatch.GetTimestamp() < deadline); b++)
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < trips; i++)
            {
                client.Send(message);
                if (!ReadExactly(client, message))
                {
                    echo.Join();
                    throw new IOException($"calibration: the loopback echo closed early{(echoFailure is null ? "" : $" ({echoFailure.Message})")}.", echoFailure);
                }
            }

            best = Math.Min(best, (Stopwatch.GetTimestamp() - start) * 1e9 / Stopwatch.Frequency / trips);
        }

        client.Shutdown(SocketShutdown.Both);
        echo.Join();
        return best;
    }

    private static bool ReadExactly(Socket socket, byte[] buffer)
    {
        int read = 0;
        while (read < buffer.Length)
        {
            int n = socket.Receive(buffer, read, buffer.Length - read, SocketFlags.None);
            if (n == 0)
            {
                return false;
            }

            read += n;
        }

        return true;
    }
}
