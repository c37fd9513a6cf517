using Timely.Communication;
using Timely.Dataflow;
using Timely.Dataflow.Operators;

namespace Timely.Bench.Workloads;

/// <summary>
/// timely's <c>exchange BATCH ROUNDS</c>: each round sends <c>0..BATCH</c> into an input,
/// advances the input to the round, and steps until the probe after an
/// <c>exchange(x)</c> passes it.
/// </summary>
/// <remarks>
/// The exchange hashes with <see cref="Identity"/>, a struct the routing loop is compiled for,
/// as Rust compiles timely's <c>exchange(|x| *x)</c> closure into it; any user can write the same.
/// </remarks>
public static class ExchangeRounds
{
    /// <summary>Runs the workload with progress sent as <paramref name="mode"/> says; one result per local worker, records = records this worker sent.</summary>
    public static WorkloadResult[] Run(Config config, ulong batch, ulong rounds, ProgressMode mode = ProgressMode.Eager) =>
        Execute.Run(config, worker =>
        {
            Tracing.TraceRecorder.Attach(worker);
            worker.ProgressMode = mode;
            var input = new InputHandle<ulong, ulong>();
            var probe = new ProbeHandle<ulong>();
            worker.Dataflow<ulong>(scope => scope.InputFrom(input).Exchange(default(Identity)).ProbeWith(probe));

            var meter = WorkloadResult.Start();
            for (ulong round = 0; round < rounds; round++)
            {
                for (ulong i = 0; i < batch; i++)
                {
                    input.Send(i);
                }

                input.AdvanceTo(round);
                while (probe.LessThan(input.Time))
                {
                    worker.Step();
                }
            }

            var result = meter.Stop(worker.Index, (long)(batch * rounds));
            input.Close();
            return result;
        });
}
