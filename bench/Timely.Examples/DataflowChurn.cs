using Timely.Dataflow;
using Timely.Dataflow.Operators;

namespace Timely.Examples;

/// <summary>
/// <c>churn DATAFLOWS</c> (not one of timely's examples): a process that builds a dataflow per
/// request. Builds <c>DATAFLOWS</c> small dataflows one after another (an input, an exchange, a
/// probe), each worker gives each one record and closes it, and steps until it has completed
/// before building the next. What it measures is what building, running and retiring a dataflow
/// costs, and whether that stays the same however many came before: a worker that kept what
/// completed dataflows held would slow down and grow with every one.
/// </summary>
public static class DataflowChurn
{
    /// <summary>
    /// The workload on one worker: worker <c>w</c> gives dataflow <c>d</c> the record <c>d + w</c>;
    /// records = records this worker received, checksum = their sum (over every worker: one record
    /// per worker and dataflow, and the sum of them all). Worker 0 writes the live heap after a full
    /// collection at the end to <paramref name="output"/> (what the completed dataflows left
    /// behind, beside the runtime's own).
    /// </summary>
    public static ExampleResult Run(Worker worker, ulong dataflows, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(worker);
        ArgumentNullException.ThrowIfNull(output);
        var meter = WorkloadResult.Start();
        ulong received = 0;
        ulong checksum = 0;
        for (ulong d = 0; d < dataflows; d++)
        {
            var input = InputHandle.Create<ulong>();
            var probe = worker.Dataflow(scope => scope.InputFrom(input)
                .Exchange(x => x)
                .Inspect(x =>
                {
                    received++;
                    checksum = unchecked(checksum + x);
                })
                .Probe());
            input.Send(d + (ulong)worker.Index);
            input.Close();
            while (!probe.Done)
            {
                worker.StepOrPark(null);
            }

            // The probe is done once no record can reach it; the dataflow completes when the last
            // progress of every worker has arrived here, a step or two later.
            while (worker.HasDataflows)
            {
                worker.StepOrPark(null);
            }
        }

        var result = new ExampleResult(meter.Stop(worker.Index, (long)received), checksum);
        if (worker.Index == 0)
        {
            output.WriteLine($"{dataflows} dataflows built and completed; live heap after a full collection: {GC.GetTotalMemory(forceFullCollection: true) / 1024} KB");
        }

        return result;
    }

    /// <summary>The run's result on <paramref name="peers"/> workers: one record per worker and dataflow, summing every <c>d + w</c>.</summary>
    public static (long Records, ulong Checksum) Reference(ulong dataflows, int peers)
    {
        ulong p = (ulong)peers;
        return ((long)(dataflows * p), unchecked((p * dataflows * (dataflows - 1) / 2) + (dataflows * p * (p - 1) / 2)));
    }
}
