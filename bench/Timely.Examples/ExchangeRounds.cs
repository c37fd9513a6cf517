using System.Runtime.CompilerServices;
using Timely.Dataflow;
using Timely.Dataflow.Operators;

namespace Timely.Examples;

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
    /// <summary>The example on one worker, as the closure Rust hands to <c>timely::execute</c>; records = records this worker sent.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static WorkloadResult Run(Worker worker, ulong batch, ulong rounds)
    {
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
    }
}
