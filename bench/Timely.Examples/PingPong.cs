using Timely.Dataflow;
using Timely.Dataflow.Operators;

namespace Timely.Examples;

/// <summary>
/// timely's <c>pingpong ITER ELEMS</c>: each worker starts the <c>x in 0..ELEMS</c> with
/// <c>x % peers == index</c> at time 0; the loop is
/// <c>concat(feedback) -> exchange(x) -> map(x + 1) -> branch_when(t &lt; ITER) -> connect_loop(feedback(1))</c>,
/// so every element passes the loop ITER + 1 times.
/// </summary>
public static class PingPong
{
    /// <summary>The example on one worker, as the closure Rust hands to <c>timely::execute</c>; records = loop passes on this worker.</summary>
    public static WorkloadResult Run(Worker worker, ulong iterations, ulong elements)
    {
        int index = worker.Index;
        ulong peers = (ulong)worker.Peers;
        long passes = 0;
        var meter = WorkloadResult.Start();
        worker.Dataflow<ulong>(scope =>
        {
            var (handle, cycle) = scope.Feedback<ulong, ulong>(1);
            var (_, again) = Elements(elements, peers, (ulong)index).ToStream(scope)
                .Concat(cycle)
                .Exchange(x => x)
                .Map(x =>
                {
                    passes++;
                    return x + 1;
                })
                .BranchWhen(t => t < iterations);
            again.ConnectLoop(handle);
        });

        while (worker.StepOrPark(null))
        {
        }

        return meter.Stop(index, passes);
    }

    private static IEnumerable<ulong> Elements(ulong elements, ulong peers, ulong index)
    {
        for (ulong x = 0; x < elements; x++)
        {
            if (x % peers == index)
            {
                yield return x;
            }
        }
    }
}
