using Timely.Dataflow;
using Timely.Dataflow.Channels;
using Timely.Dataflow.Operators;

namespace Timely.Examples;

/// <summary>
/// timely's <c>barrier ITER</c>: one <c>unary_notify</c> operator in a <c>feedback(1)</c> loop
/// that carries no data; at notification <c>t</c> it asks for <c>t + 1</c> while
/// <c>t + 1 &lt; ITER</c>. Every iteration is a full progress round among all workers.
/// </summary>
public static class BarrierRounds
{
    /// <summary>The example on one worker, as the closure Rust hands to <c>timely::execute</c>; records = notifications delivered on this worker.</summary>
    public static WorkloadResult Run(Worker worker, ulong iterations)
    {
        long notifications = 0;
        var meter = WorkloadResult.Start();
        worker.Dataflow<ulong>(scope =>
        {
            var (handle, cycle) = scope.Feedback<ulong, ulong>(1);
            cycle.UnaryNotify<ulong, ulong, ulong>(Pact<ulong>.Pipeline, "Barrier", [0UL], (_, _, notificator) =>
            {
                while (notificator.TryNext(out var time, out _))
                {
                    notifications++;
                    if (time + 1 < iterations)
                    {
                        notificator.NotifyAt(time + 1);
                    }
                }
            }).ConnectLoop(handle);
        });

        while (worker.StepOrPark(null))
        {
        }

        return meter.Stop(worker.Index, notifications);
    }
}
