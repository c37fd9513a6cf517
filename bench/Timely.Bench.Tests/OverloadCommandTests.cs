using System.Text.Json;
using Timely.Bench.Commands;

namespace Timely.Bench.Tests;

/// <summary>
/// <c>timely overload</c>: its JSON line carries the memory figures and accounts for every record
/// the producer sent; its growth rate is the slope of the samples after the warm-up; the hard
/// overflow limit ends a run with one line naming the channel.
/// </summary>
public sealed class OverloadCommandTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Theory]
    [InlineData("--max-outstanding", "2")]
    [InlineData("--max-overflow-bytes", "4096")]
    [InlineData("--ratio", "10")]
    public void A_short_run_reports_its_memory_and_every_record_reaches_the_consumer(string option, string value)
    {
        var (exit, stdout, stderr) = TimelyChild.Run(["overload", "--seconds", "1", "--sample-ms", "100", "--cost-ns", "2000", option, value, "-w", "2", "--json"], Deadline);
        Assert.True(exit == 0, string.Join('\n', stderr));
        var line = Assert.Single(stdout, l => l.StartsWith('{'));
        using var json = JsonDocument.Parse(line);
        var root = json.RootElement;
        Assert.Equal("overload", root.GetProperty("workload").GetString());
        Assert.Equal(option != "--ratio", root.GetProperty("bounded").GetBoolean());
        long produced = root.GetProperty("produced").GetInt64();
        Assert.True(produced > 0);
        Assert.Equal(produced, root.GetProperty("consumed").GetInt64() + root.GetProperty("dropped").GetInt64());
        if (OperatingSystem.IsLinux())
        {
            Assert.True(root.GetProperty("peak_rss_mb").GetDouble() > 1);
            Assert.True(root.GetProperty("samples").GetArrayLength() >= 1);
        }

        Assert.True(root.TryGetProperty("overflow_peak_bytes", out _));
        Assert.True(root.TryGetProperty("held_back_s", out _));
    }

    [Fact]
    public void One_worker_is_a_usage_error_of_the_run_with_one_line()
    {
        var (exit, _, stderr) = TimelyChild.Run(["overload", "--seconds", "1", "-w", "1"], Deadline);
        Assert.Equal(1, exit);
        Assert.Contains(stderr, l => l.Contains("overload needs at least 2 workers", StringComparison.Ordinal));
    }

    [Fact]
    public void The_growth_rate_is_the_slope_after_the_warm_up()
    {
        // 100 MB for the first 5 s (left out), then 10 + 3 t MB.
        var samples = Enumerable.Range(1, 20).Select(t => new MemorySample(t, t < 5 ? 100 : 10 + (3.0 * t), 0, 0)).ToArray();
        Assert.Equal(3.0, OverloadCommand.GrowthPerSecond(samples), 9);
        Assert.True(double.IsNaN(OverloadCommand.GrowthPerSecond(samples[..5])));
    }

    [Fact]
    public void Resident_and_peak_memory_are_read_from_proc_status()
    {
        const string status = "Name:\ttimely\nVmPeak:\t  999 kB\nVmHWM:\t    2048 kB\nVmRSS:\t    1024 kB\n";
        Assert.Equal((1024L, 2048L), MemorySampler.ReadKb(status));
    }
}
