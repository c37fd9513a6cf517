using Timely.Communication;

namespace Timely.Dataflow;

/// <summary>
/// Runs dataflow computations on workers (timely's <c>execute</c>, <c>execute_from_args</c>
/// and <c>execute_directly</c>). Each worker runs the user's logic, then keeps stepping until
/// all of its dataflows are complete.
/// </summary>
public static class Execute
{
    /// <summary>Starts the workers of <paramref name="config"/> and returns their guards without waiting.</summary>
    public static WorkerGuards<TResult> Start<TResult>(Config config, Func<Worker, TResult> logic) =>
        Start(config, logic, CancellationToken.None);

    /// <summary>
    /// Starts the workers of <paramref name="config"/> and returns their guards without waiting;
    /// <paramref name="cancellationToken"/> stops them as
    /// <see cref="RunAsync{TResult}(Config, Func{Worker, TResult}, CancellationToken)"/> says.
    /// </summary>
    public static WorkerGuards<TResult> Start<TResult>(Config config, Func<Worker, TResult> logic, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(logic);
        return Workers.Initialize(config, WorkerBody(config, logic, cancellationToken));
    }

    /// <summary>What each worker runs: the user's logic, then steps until its dataflows are complete.</summary>
    private static Func<Allocator, TResult> WorkerBody<TResult>(Config config, Func<Worker, TResult> logic, CancellationToken cancellationToken)
    {
        var stopTimeout = config.StopTimeout;
        return allocator =>
        {
            // A parked worker wakes when the token fires, and its next step closes the inputs.
            using var wake = cancellationToken.CanBeCanceled
                ? cancellationToken.UnsafeRegister(static a => ((Allocator)a!).Unpark(), allocator)
                : default;
            var worker = new Worker(allocator);
            worker.SetCancellation(stopTimeout, cancellationToken);
            try
            {
                var result = logic(worker);
                worker.CloseInputs();
                while (worker.StepOrPark(null))
                {
                }

                return result;
            }
            finally
            {
                worker.Log.Close();
                Diagnostics.DataflowMetrics.Forget(worker);
            }
        };
    }

    /// <summary>
    /// Runs <paramref name="logic"/> on every worker of <paramref name="config"/> without
    /// blocking the caller, and returns each local worker's result in worker order.
    /// </summary>
    /// <remarks>
    /// Cancelling <paramref name="cancellationToken"/> stops the run within a stated bound:
    /// each worker is woken at once and at its next step closes every input handle and async
    /// source of its dataflows, so what is already in flight drains; a worker whose dataflows
    /// have not completed <see cref="Config.StopTimeout"/> later (default 5 s) stops with an
    /// <see cref="OperationCanceledException"/>, which stops its peers as any failure does. The
    /// returned task ends after every local worker thread has ended and what they shared (a
    /// shared-memory job's files, sockets) is released; it is then cancelled. Logic that runs a
    /// long loop of its own should step the worker or watch <see cref="Worker.Cancellation"/>:
    /// a worker is stopped only at its steps. A cluster's set-up (the rendezvous, bounded by
    /// <see cref="Config.ConnectTimeout"/>) runs on a thread-pool thread before the workers start.
    /// </remarks>
    /// <exception cref="OperationCanceledException">The token was cancelled before the run ended.</exception>
    /// <exception cref="AggregateException">A worker failed: every failure.</exception>
    /// <exception cref="ConfigException">The config cannot be run here.</exception>
    public static async Task<TResult[]> RunAsync<TResult>(Config config, Func<Worker, TResult> logic, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(logic);
        cancellationToken.ThrowIfCancellationRequested();
        var guards = await Task.Run(() => Start(config, logic, cancellationToken), CancellationToken.None).ConfigureAwait(false);
        IReadOnlyList<WorkerResult<TResult>> results;
        await using (guards.ConfigureAwait(false))
        {
            results = await guards.JoinAsync(CancellationToken.None).ConfigureAwait(false);
        }

        cancellationToken.ThrowIfCancellationRequested();
        return Collect(results);
    }

    /// <summary>
    /// As <see cref="RunAsync{TResult}(Config, Func{Worker, TResult}, CancellationToken)"/> for
    /// logic with no result.
    /// </summary>
    public static Task RunAsync(Config config, Action<Worker> logic, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(logic);
        return RunAsync(config, worker =>
        {
            logic(worker);
            return true;
        }, cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="logic"/> on every worker of <paramref name="config"/> to completion
    /// and returns each local worker's result in worker order. A failed worker's exception is
    /// rethrown (an <see cref="AggregateException"/> holding every failure).
    /// </summary>
    /// <remarks>The first local worker runs on the calling thread (<see cref="Workers.Run{T}"/>).</remarks>
    public static TResult[] Run<TResult>(Config config, Func<Worker, TResult> logic)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(logic);
        return Collect(Workers.Run(config, WorkerBody(config, logic, CancellationToken.None)));
    }

    /// <remarks>
    /// Loops, not LINQ: in a native build LINQ's generic virtual methods (<c>Select</c> on a
    /// <c>Where</c> iterator) are resolved by the runtime's type loader at their first call,
    /// 0.4% of a native <c>timely wordcount</c>'s samples here, once per result type.
    /// </remarks>
    private static TResult[] Collect<TResult>(IReadOnlyList<WorkerResult<TResult>> results)
    {
        List<Exception>? errors = null;
        var values = new TResult[results.Count];
        for (int i = 0; i < results.Count; i++)
        {
            if (results[i].IsOk)
            {
                values[i] = results[i].Value!;
            }
            else
            {
                (errors ??= []).Add(results[i].Error!);
            }
        }

        return errors is null ? values : throw new AggregateException($"{errors.Count} worker(s) failed", errors);
    }

    /// <summary>Runs <paramref name="logic"/> on every worker of <paramref name="config"/> to completion.</summary>
    public static void Run(Config config, Action<Worker> logic)
    {
        ArgumentNullException.ThrowIfNull(logic);
        Run(config, worker =>
        {
            logic(worker);
            return true;
        });
    }

    /// <summary>
    /// Like <see cref="Run(Config, Action{Worker})"/> with the config parsed from timely's flags
    /// (<see cref="Config.FromArgs"/>); the arguments it does not know are returned.
    /// </summary>
    public static IReadOnlyList<string> FromArgs(IEnumerable<string> args, Action<Worker> logic)
    {
        var config = Config.FromArgs(args, out var remaining);
        Run(config, logic);
        return remaining;
    }

    /// <summary>Runs <paramref name="logic"/> on a single worker on the calling thread, to completion.</summary>
    public static TResult Directly<TResult>(Func<Worker, TResult> logic)
    {
        ArgumentNullException.ThrowIfNull(logic);
        using var allocator = new ThreadAllocator();
        var worker = new Worker(allocator);
        var result = logic(worker);
        worker.CloseInputs();
        while (worker.Step())
        {
        }

        worker.Log.Close();
        return result;
    }

    /// <summary>Runs <paramref name="logic"/> on a single worker on the calling thread, to completion.</summary>
    public static void Directly(Action<Worker> logic)
    {
        ArgumentNullException.ThrowIfNull(logic);
        Directly(worker =>
        {
            logic(worker);
            return true;
        });
    }
}
