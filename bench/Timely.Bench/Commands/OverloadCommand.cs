using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Timely.Communication;
using Timely.Dataflow;
using Timely.Dataflow.Operators;
using Timely.Examples;
using Timely.Transport.Shm.Ring;

namespace Timely.Bench.Commands;

/// <summary>
/// <c>timely overload</c>: a producer that offers records faster than its consumer can take them
/// (<see cref="Overload"/>), with this process's resident memory and overflow bytes sampled while
/// it runs, so a run says how fast memory grows without flow control and where it stays with it.
/// </summary>
public static class OverloadCommand
{
    /// <summary>Samples before this many seconds are left out of the growth rate (start-up, JIT, the first queues filling).</summary>
    private const double WarmUpSeconds = 5;

    /// <summary>The command.</summary>
    public static Command Create()
    {
        var seconds = new Option<double>("--seconds") { Description = "Seconds the producer offers records, the measured part (default 60).", HelpName = "S", DefaultValueFactory = _ => 60 };
        var cost = ExampleCommand.IntegerOption("--cost-ns", "Busy nanoseconds the consumer spends per record; its capacity is 1e9 / this records/s", 10_000, 1, 1_000_000_000);
        var ratio = new Option<double>("--ratio") { Description = "The producer offers this many times the consumer's capacity (default 10).", HelpName = "R", DefaultValueFactory = _ => 10 };
        var perTime = ExampleCommand.IntegerOption("--records-per-time", "Records at each time before the producer's input moves on", 1000, 1, 100_000_000);
        var outstanding = new Option<int?>("--max-outstanding") { Description = "Bound the producer's input: at most N times past the probe's frontier (default: no bound).", HelpName = "N" };
        var overflow = new Option<long?>("--max-overflow-bytes") { Description = "Bound the producer's input: at most BYTES in its worker's outbound overflow queues (default: no bound).", HelpName = "BYTES" };
        var budget = new Option<long?>("--overflow-budget") { Description = "Config.OverflowBudgetBytes: every source of the job waits while this process's overflow queues hold more (default: none).", HelpName = "BYTES" };
        var limit = new Option<long?>("--overflow-limit") { Description = "Config.OverflowLimitBytes: a worker fails, naming the channel, when this process's overflow queues would hold more (default: none).", HelpName = "BYTES" };
        var sample = ExampleCommand.IntegerOption("--sample-ms", "Milliseconds between samples of resident memory and overflow bytes", 1000, 10, 60_000);
        var json = new Option<bool>("--json") { Description = "Print one JSON summary line per process on stdout (peak and growth of resident memory, overflow bytes, records, throughput against the consumer's capacity, time held back, the samples) and nothing else there." };
        var options = new CommunicationOptions();
        var command = new Command("overload", "A producer offers records RATIO times faster than its consumer can take them (worker 0 -> worker 1 through an exchange) for SECONDS; resident memory and overflow bytes are sampled, with and without a bound on the producer's input.");
        foreach (var o in new Option[] { seconds, cost, ratio, perTime, outstanding, overflow, budget, limit, sample, json })
        {
            command.Options.Add(o);
        }

        options.AddTo(command);
        command.SetAction(result =>
        {
            double s = result.GetValue(seconds);
            double r = result.GetValue(ratio);
            if (!(s > 0 && s <= 86_400) || !(r > 0 && r <= 1_000_000))
            {
                throw new ConfigException($"--seconds {s} and --ratio {r}: seconds must be in (0, 86400], the ratio in (0, 1000000].");
            }

            var config = options.ToConfig(result) with { OverflowBudgetBytes = result.GetValue(budget), OverflowLimitBytes = result.GetValue(limit) };
            int? maxTimes = result.GetValue(outstanding);
            long? maxBytes = result.GetValue(overflow);
            if (maxTimes is < 0 || maxBytes is <= 0)
            {
                throw new ConfigException("--max-outstanding must be 0 or more and --max-overflow-bytes above 0.");
            }

            Func<ProbeHandle<ulong>, SourceBound<ulong>>? bound = (maxTimes, maxBytes) switch
            {
                (null, null) => null,
                (null, long b) => _ => new SourceBound<ulong>(b),
                (int t, var b) => probe => new SourceBound<ulong>(probe, t, b ?? long.MaxValue),
            };
            var settings = new OverloadSettings(s, result.GetValue(cost), r, (int)result.GetValue(perTime), bound);
            bool machine = result.GetValue(json);
            var human = machine ? Console.Error : Console.Out;
            var interval = TimeSpan.FromMilliseconds(result.GetValue(sample));
            return Cli.Run(() =>
            {
                using var sampler = MemorySampler.Start(interval, TimeSpan.FromSeconds(s));
                var results = Execute.Run(config, worker => Overload.Run(worker, settings));
                var samples = sampler.Stop();
                Report(config, settings, results, samples, human, machine ? Console.Out : null);
                return 0;
            });
        });
        return command;
    }

    /// <summary>The least-squares slope of <paramref name="samples"/>' resident memory after the warm-up, in MB/s (NaN with fewer than two).</summary>
    public static double GrowthPerSecond(IReadOnlyList<MemorySample> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var points = samples.Where(p => p.Seconds >= WarmUpSeconds).ToArray();
        if (points.Length < 2)
        {
            return double.NaN;
        }

        double meanT = points.Average(p => p.Seconds), meanR = points.Average(p => p.RssMegabytes);
        double cov = points.Sum(p => (p.Seconds - meanT) * (p.RssMegabytes - meanR));
        double spread = points.Sum(p => (p.Seconds - meanT) * (p.Seconds - meanT));
        return spread == 0 ? double.NaN : cov / spread;
    }

    private static void Report(Config config, OverloadSettings settings, IReadOnlyList<OverloadResult> results, IReadOnlyList<MemorySample> samples, TextWriter human, TextWriter? json)
    {
        var inv = CultureInfo.InvariantCulture;
        foreach (var p in samples)
        {
            human.WriteLine(string.Create(inv, $"t={p.Seconds:0.0}s\trss {p.RssMegabytes:0.0} MB\tpeak {p.PeakMegabytes:0.0} MB\toverflow {p.OverflowBytes / 1e6:0.00} MB"));
        }

        long produced = results.Sum(x => x.Produced);
        long consumed = results.Sum(x => x.Consumed);
        double capacity = 1e9 / settings.CostNanoseconds;
        double throughput = consumed / settings.Seconds;
        double peak = samples.Count == 0 ? double.NaN : samples.Max(p => p.PeakMegabytes);
        double growth = GrowthPerSecond(samples);
        double held = results.Max(x => x.HeldBack.TotalSeconds);
        bool consumes = results.Any(x => x.Worker == 1);
        string consumer = consumes
            ? string.Create(inv, $"consumed {consumed} ({throughput:0} records/s, {100 * throughput / capacity:0.0}% of the consumer's {capacity:0})")
            : "no consumer here";
        human.WriteLine(string.Create(inv, $"process {config.ProcessIndex}: peak rss {peak:0.0} MB, growth {growth:0.00} MB/s, overflow peak {OverflowAccount.PeakBytes / 1e6:0.00} MB; produced {produced}, {consumer}, held back {held:0.0} s"));
        if (json is null)
        {
            return;
        }

        var summary = new JsonObject
        {
            ["workload"] = "overload",
            ["workers"] = config.Peers,
            ["process"] = config.ProcessIndex,
            ["seconds"] = settings.Seconds,
            ["cost_ns"] = settings.CostNanoseconds,
            ["ratio"] = settings.Ratio,
            ["bounded"] = settings.Bound is not null,
            ["produced"] = produced,
            ["consumed"] = consumed,
            ["dropped"] = results.Sum(x => x.Dropped),
            ["records"] = produced,
            ["capacity_per_s"] = capacity,
            ["throughput_per_s"] = consumes ? throughput : 0,
            ["peak_rss_mb"] = peak,
            ["rss_growth_mb_per_s"] = double.IsNaN(growth) ? 0 : growth,
            ["overflow_peak_bytes"] = OverflowAccount.PeakBytes,
            ["held_back_s"] = held,
            ["samples"] = new JsonArray(samples.Select(p => (JsonNode)new JsonArray(p.Seconds, p.RssMegabytes, p.OverflowBytes)).ToArray()),
        };
        json.WriteLine(summary.ToJsonString());
    }
}
