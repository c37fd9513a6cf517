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
    public static WorkerGuards<TResult> Start<TResult>(Config config, Func<Worker, TResult> logic)
    {
        ArgumentNullException.ThrowIfNull(logic);
        return Workers.Initialize(config, allocator =>
        {
            var worker = new Worker(allocator);
            var result = logic(worker);
            worker.CloseInputs();
            while (worker.StepOrPark(null))
            {
            }

            worker.Log.Close();
            return result;
        });
    }

    /// <summary>
    /// Runs <paramref name="logic"/> on every worker of <paramref name="config"/> to completion
    /// and returns each local worker's result in worker order. A failed worker's exception is
    /// rethrown (an <see cref="AggregateException"/> holding every failure).
    /// </summary>
    public static TResult[] Run<TResult>(Config config, Func<Worker, TResult> logic)
    {
        using var guards = Start(config, logic);
        var results = guards.Join();
        var errors = results.Where(r => !r.IsOk).Select(r => r.Error!).ToArray();
        if (errors.Length > 0)
        {
            throw new AggregateException($"{errors.Length} worker(s) failed", errors);
        }

        return results.Select(r => r.Value!).ToArray();
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
