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
