using Timely.Communication.Fabrics;

namespace Timely.Communication.Tests;

/// <summary>
/// Ring memory stays bounded as workers grow: without <c>--ring-bytes</c> the ring size is
/// derived from the job's worker count (<see cref="Config.DerivedRingBytes"/>), so a job's
/// rings (one per ordered pair of workers) stay within <see cref="Config.DefaultRingBudgetBytes"/>
/// up to 128 workers. Before, every ring took 1 MiB: <c>hello -w 64 -z</c> held 4 GiB.
/// </summary>
public sealed class RingSizingTests
{
    private const long SixtyFourMiB = 64L << 20;

    [Theory]
    [InlineData(1, 1 << 20)]
    [InlineData(2, 1 << 20)]
    [InlineData(8, 1 << 20)]
    [InlineData(9, 512 << 10)]
    [InlineData(16, 256 << 10)]
    [InlineData(64, 16 << 10)]
    [InlineData(100, 4 << 10)]
    [InlineData(128, 4 << 10)]
    [InlineData(4096, 4 << 10)]
    public void Default_ring_size_shrinks_with_the_square_of_the_workers(int workers, int expected)
    {
        int ring = Config.DerivedRingBytes(workers);
        Assert.Equal(expected, ring);
        Assert.Equal(0, ring & (ring - 1));
        if (workers <= 128)
        {
            Assert.True((long)workers * workers * ring <= Config.DefaultRingBudgetBytes, $"{workers} workers: {workers}² x {ring} exceeds the budget");
        }
    }

    [Fact]
    public void Zerocopy_with_64_workers_allocates_at_most_64_MiB_of_rings()
    {
        var config = Config.FromArgs(["-w", "64", "-z"], out _);
        Assert.Equal(16 << 10, config.RingBytes);
        using var fabric = new ProcessBinaryFabric(config.Threads, config.RingBytes);
        Assert.True(fabric.RingCapacityBytes <= SixtyFourMiB, $"rings of 64 workers hold {fabric.RingCapacityBytes} bytes");

        // Each ring's counters add a few cache lines (384 bytes): 64² of them, 1.5 MiB.
        Assert.True(fabric.RingRegionBytes <= SixtyFourMiB + (2L << 20), $"ring regions of 64 workers take {fabric.RingRegionBytes} bytes");
    }

    [Fact]
    public void An_explicit_ring_size_is_kept_whatever_the_workers()
    {
        var config = Config.FromArgs(["-w", "64", "-z", "--ring-bytes", "65536"], out _);
        Assert.Equal(65536, config.RingBytes);
        Assert.Equal(8192, (Config.ProcessBinary(64) with { RingBytes = 8192 }).RingBytes);
    }

    [Fact]
    public void Every_process_of_a_cluster_derives_the_same_ring_size_from_the_job_size()
    {
        // 2 processes x 32 workers: a 64-worker job, whichever process asks and whatever transport.
        var sizes = new List<int>();
        foreach (string transport in new[] { "shm", "auto", "tcp" })
        {
            for (int p = 0; p < 2; p++)
            {
                sizes.Add(Config.FromArgs(["-n", "2", "-p", p.ToString(System.Globalization.CultureInfo.InvariantCulture), "-w", "32", "--transport", transport], out _).RingBytes);
            }
        }

        Assert.All(sizes, s => Assert.Equal(Config.DerivedRingBytes(64), s));
        Assert.Equal(1 << 20, Config.FromArgs(["-n", "2", "-p", "1", "-w", "2"], out _).RingBytes);
    }

    [Fact]
    public void Sixty_four_zerocopy_workers_greet_each_other_with_the_derived_rings()
    {
        const int workers = 64;
        var greetings = WorkerRun.RunOk(Config.ProcessBinary(workers), allocator =>
        {
            var (senders, receiver) = allocator.Allocate<string>(0);
            for (int t = 0; t < senders.Length; t++)
            {
                string? message = $"hello {t} from {allocator.Index}";
                senders[t].Push(ref message);
                senders[t].Done();
            }

            var heard = new List<string>();
            WorkerRun.ReceiveExactly(allocator, receiver, workers, heard.Add);
            return heard.Order(StringComparer.Ordinal).ToArray();
        });

        for (int w = 0; w < workers; w++)
        {
            Assert.Equal(Enumerable.Range(0, workers).Select(s => $"hello {w} from {s}").Order(StringComparer.Ordinal), greetings[w]);
        }
    }
}
