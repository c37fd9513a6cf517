using System.CommandLine;
using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using Timely.Bench.Commands;
using Timely.Bench.Measurement;
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
/// The baseline is <see cref="RawSocketPath"/> (what a hand-written loop gets from the same
/// kernel), the measured path <see cref="TransportPath"/>; this type reads the options and
/// prints the table. Medians are <see cref="Stats.Median"/>'s.
/// </remarks>
public static class NetBenchCommand
{
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

        var (raw, rawAsync) = RawSocketPath.Run(config, sizes, rounds, streamBytes, trips, warmup);
        var transport = TransportPath.Run(config, sizes, rounds, streamBytes, trips, warmup);
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
}
