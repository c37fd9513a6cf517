using System.Globalization;

namespace Timely.Communication.Tests;

public sealed class AffinityTests
{
    [Fact]
    public void Pinned_workers_run_on_the_core_they_were_given()
    {
        if (!Affinity.IsSupported)
        {
            var e = Assert.Throws<ConfigException>(() => Workers.Initialize(Config.Process(2) with { Pin = true }, _ => 0));
            Assert.Contains("Linux only", e.Message, StringComparison.Ordinal);
            return;
        }

        int cores = Environment.ProcessorCount;
        var seen = WorkerRun.RunOk(Config.Process(2) with { Pin = true }, a => Affinity.CurrentThreadCores());
        for (int i = 0; i < seen.Length; i++)
        {
            Assert.Equal([i % cores], seen[i]);
        }
    }

    [Theory]
    [InlineData(false, 1, 1, null, false)]          // not pinned: the scheduler moves it
    [InlineData(true, 1, 1, "3", true)]
    [InlineData(true, 2, 1, "0,1", true)]
    [InlineData(true, 2, 1, "1,1", false)]          // two workers pinned to core 1 take turns on it
    [InlineData(true, 1, 2, "0,1", true)]           // one worker in each of two processes over shm, distinct cores
    [InlineData(true, 2, 2, "0,1", false)]          // four workers on two cores: process 1's share process 0's
    [InlineData(true, 3, 1, "0,1,2,0", true)]       // the list is longer than the job: workers 0..2 distinct
    [InlineData(true, 4, 1, "0,1,2,0", false)]
    public void A_worker_owns_its_core_only_when_pinned_and_no_other_worker_of_the_job_is_pinned_there(bool pin, int threads, int processes, string? cores, bool owns)
    {
        var config = Config.Thread with { Threads = threads, Processes = processes, Pin = pin, Cores = cores?.Split(',').Select(int.Parse).ToArray(), Transport = TransportKind.Shm };
        Assert.Equal(owns, Affinity.EachWorkerOwnsCore(config));
    }

    [Theory]
    [InlineData(TransportKind.Shm, 2, true)]
    [InlineData(TransportKind.Tcp, 2, false)]       // the TCP threads run on the workers' cores
    [InlineData(TransportKind.Auto, 2, false)]      // TCP to processes on other hosts
    [InlineData(TransportKind.Tcp, 1, true)]        // one process: no TCP thread
    public void Where_TCP_threads_carry_messages_no_worker_owns_its_core(TransportKind transport, int processes, bool owns)
    {
        var config = Config.Thread with { Threads = 1, Processes = processes, Pin = true, Cores = [0, 1], Transport = transport };
        Assert.Equal(owns, Affinity.EachWorkerOwnsCore(config));
    }

    [Theory]
    [InlineData(true, "0,1")]
    [InlineData(true, "0,0")]
    [InlineData(false, null)]
    public void Each_allocator_is_told_whether_its_worker_owns_its_core(bool pin, string? cores)
    {
        if (pin && !Affinity.IsSupported)
        {
            return;
        }

        // Core 1 is core 0 on a one-core machine, where the two workers then share it.
        int[]? list = cores?.Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture) % Environment.ProcessorCount).ToArray();
        bool owns = pin && list is not null && list.Distinct().Count() == list.Length;
        var seen = WorkerRun.RunOk(Config.Process(2) with { Pin = pin, Cores = list }, a => a.OwnsCore);
        Assert.All(seen, o => Assert.Equal(owns, o));
    }

    [Fact]
    public void An_impossible_core_fails_the_worker_with_a_clear_error()
    {
        if (!Affinity.IsSupported)
        {
            return;
        }

        var results = WorkerRun.Run(Config.Thread with { Pin = true, Cores = [4000] }, _ => 0);
        var error = Assert.IsType<InvalidOperationException>(results[0].Error);
        Assert.Contains("sched_setaffinity(core 4000)", error.Message, StringComparison.Ordinal);
    }
}
