namespace Timely.Communication.Tests;

/// <summary>
/// <see cref="Workers.Run{T}"/> (timely's <c>execute</c>: initialize, then join): every local
/// worker's result in worker order, the first local worker on the calling thread and each other
/// on a thread of its own, a failure as that worker's result, and a pinned config never pinning
/// the caller's thread.
/// </summary>
public sealed class WorkersRunTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void The_first_worker_runs_on_the_calling_thread_and_the_others_each_on_their_own(int threads)
    {
        var (results, caller) = RunUnderDeadline(() => Workers.Run(threads == 1 ? Config.Thread : Config.Process(threads), a =>
        {
            // The workers meet once, so all of them run at the same time (none waits for another to end).
            if (a.Peers > 1)
            {
                var (senders, receiver) = a.Allocate<string>(0);
                foreach (var sender in senders)
                {
                    string? item = $"from {a.Index}";
                    sender.Push(ref item);
                    sender.Done();
                }

                int heard = 0;
                while (heard < a.Peers)
                {
                    a.Receive();
                    while (receiver.Pull() is not null)
                    {
                        heard++;
                    }

                    a.Release();
                }
            }

            return (a.Index, Thread: Environment.CurrentManagedThreadId);
        }));

        Assert.Equal(Enumerable.Range(0, threads), results.Select(r => r.Value.Index));
        Assert.Equal(caller, results[0].Value.Thread);
        Assert.Equal(threads, results.Select(r => r.Value.Thread).Distinct().Count());
    }

    [Fact]
    public void A_worker_that_throws_ends_with_its_exception_and_the_others_still_report()
    {
        var (results, _) = RunUnderDeadline(() => Workers.Run(Config.Process(2), a => a.Index == 0 ? throw new InvalidOperationException("worker 0 broke") : a.Index));

        Assert.False(results[0].IsOk);
        Assert.Equal("worker 0 broke", results[0].Error!.Message);
        Assert.True(results[1].IsOk);
        Assert.Equal(1, results[1].Value);
    }

    [Fact]
    public void A_pinned_config_runs_every_worker_on_a_thread_of_its_own()
    {
        if (!Affinity.IsSupported)
        {
            return;   // pinning is refused where it is not supported (AffinityTests)
        }

        var (results, caller) = RunUnderDeadline(() => Workers.Run(Config.Process(2) with { Pin = true }, _ => Environment.CurrentManagedThreadId));

        Assert.DoesNotContain(caller, results.Select(r => r.Value));
    }

    /// <summary>Runs <paramref name="run"/> on a thread of the test's own (a hang fails the test); gives its results and that thread's id, the caller's.</summary>
    private static (IReadOnlyList<WorkerResult<T>> Results, int Caller) RunUnderDeadline<T>(Func<IReadOnlyList<WorkerResult<T>>> run)
    {
        IReadOnlyList<WorkerResult<T>>? results = null;
        Exception? error = null;
        int caller = 0;
        var thread = new Thread(() =>
        {
            caller = Environment.CurrentManagedThreadId;
            try
            {
                results = run();
            }
#pragma warning disable CA1031 // rethrown below on the test's thread
            catch (Exception e)
#pragma warning restore CA1031
            {
                error = e;
            }
        });
        thread.Start();
        Assert.True(thread.Join(WorkerRun.Deadline), $"Workers.Run did not finish within {WorkerRun.Deadline.TotalSeconds} s");
        return error is null ? (results!, caller) : throw new InvalidOperationException("Workers.Run threw", error);
    }
}
