namespace Timely.Communication.Tests;

/// <summary>Runs workers and joins them under a deadline, so a broken allocator fails a test instead of hanging it.</summary>
internal static class WorkerRun
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    public static IReadOnlyList<WorkerResult<T>> Run<T>(Config config, Func<Allocator, T> logic)
    {
        // Shared-memory and auto cluster tests start real child processes (ShmClusterContract),
        // each running its own slice of the workers; here only this process's slice runs.
        if (config.Kind == CommunicationKind.Cluster && config.Transport == TransportKind.Tcp)
        {
            return RunCluster(config, logic);
        }

        return Join(Workers.Initialize(config, logic), $"workers of {config.Kind}({config.Threads})");
    }

    /// <summary>Joins started workers under the deadline, then disposes the guards; <paramref name="what"/> names them in the timeout.</summary>
    public static IReadOnlyList<WorkerResult<T>> Join<T>(WorkerGuards<T> guards, string what)
    {
        var join = Task.Run(guards.Join);
        if (!join.Wait(Deadline))
        {
            throw new TimeoutException($"{what} did not finish within {Deadline.TotalSeconds} s");
        }

        guards.Dispose();
        return join.Result;
    }

    /// <summary>
    /// Runs every process of a cluster config inside this test process, each with its own
    /// sockets and threads exactly as separate processes would have (set-up blocks until all
    /// have connected, so each starts on its own thread); results in global worker order.
    /// </summary>
    private static WorkerResult<T>[] RunCluster<T>(Config config, Func<Allocator, T> logic)
    {
        var processes = Enumerable.Range(0, config.Processes).Select(p => Task.Factory.StartNew(
            () =>
            {
                using var guards = Workers.Initialize(config with { ProcessIndex = p }, logic);
                return guards.Join();
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default)).ToArray();
        if (!Task.WaitAll(processes, Deadline))
        {
            throw new TimeoutException($"{config.Processes} processes of {config.Threads} workers over {config.Transport} did not finish within {Deadline.TotalSeconds} s");
        }

        return processes.SelectMany(p => p.Result).ToArray();
    }

    public static T[] RunOk<T>(Config config, Func<Allocator, T> logic) => Ok(Run(config, logic));

    /// <summary>The workers' values, or the first failure thrown.</summary>
    public static T[] Ok<T>(IReadOnlyList<WorkerResult<T>> results)
    {
        foreach (var r in results)
        {
            if (!r.IsOk)
            {
                throw new InvalidOperationException($"worker {r.Worker} failed", r.Error);
            }
        }

        return results.Select(r => r.Value!).ToArray();
    }

    /// <summary>Pulls until <paramref name="count"/> messages arrived, parking when idle; hands each to <paramref name="onMessage"/>.</summary>
    public static void ReceiveExactly<T>(Allocator allocator, IPull<T> receiver, int count, Action<T> onMessage)
        where T : class
    {
        var deadline = DateTime.UtcNow + Deadline;
        int received = 0;
        while (received < count)
        {
            allocator.Receive();
            bool any = false;
            while (true)
            {
                ref T? slot = ref receiver.Pull();
                if (slot is null)
                {
                    break;
                }

                onMessage(slot);
                slot = null;
                received++;
                any = true;
            }

            allocator.Release();
            if (!any)
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"worker {allocator.Index}: received {received} of {count} messages");
                }

                allocator.AwaitEvents(TimeSpan.FromMilliseconds(200));
            }
        }
    }
}
