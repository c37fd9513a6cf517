using System.Diagnostics;
using Timely.Dataflow;
using Timely.Dataflow.Channels;
using Timely.Dataflow.Operators;

namespace Timely.Examples;

/// <summary>
/// A producer that outruns its consumer: worker 0 offers records at <see cref="OverloadSettings.Ratio"/>
/// times the rate the consuming operator can take (it spends <see cref="OverloadSettings.CostNanoseconds"/>
/// of busy time per record), every record exchanged to worker 1, each
/// <see cref="OverloadSettings.RecordsPerTime"/> records together at a new time. Without a bound the
/// records the consumer has not reached pile up somewhere (channel queues, overflow queues,
/// inboxes); with one (<see cref="OverloadSettings.MaxOutstandingTimes"/>,
/// <see cref="OverloadSettings.MaxOverflowBytes"/>) the input waits instead. After
/// <see cref="OverloadSettings.Seconds"/> the producer closes its input and the consumer drops
/// what is left without its cost, so the run ends soon after the measured part.
/// </summary>
public static class Overload
{
    /// <summary>The run on one worker (every worker runs it; worker 0 produces, worker 1 consumes).</summary>
    public static OverloadResult Run(Worker worker, OverloadSettings settings)
    {
        ArgumentNullException.ThrowIfNull(worker);
        ArgumentNullException.ThrowIfNull(settings);
        if (worker.Peers < 2)
        {
            throw new InvalidOperationException("overload needs at least 2 workers (worker 0 produces, worker 1 consumes): use -w 2 or -n 2.");
        }

        var input = new InputHandle<ulong, ulong>();
        var probe = new ProbeHandle<ulong>();
        long consumed = 0;
        long dropped = 0;
        long costTicks = (long)(settings.CostNanoseconds * Stopwatch.Frequency / 1e9);
        long start = Stopwatch.GetTimestamp();
        long end = start + (long)(settings.Seconds * Stopwatch.Frequency);
        worker.Dataflow<ulong>(scope => scope.InputFrom(input)
            .Unary<ulong, ulong, ulong>(Pact<ulong>.Exchange(static _ => 1), "Consume", (data, output) =>
            {
                while (data.TryNext(out _, out var batch))
                {
                    long now = Stopwatch.GetTimestamp();
                    if (now >= end)
                    {
                        dropped += batch.Count;
                        continue;
                    }

                    // The consumer's cost: busy time proportional to the records, read off the clock.
                    long until = now + (batch.Count * costTicks);
                    while (Stopwatch.GetTimestamp() < until)
                    {
                        Thread.SpinWait(8);
                    }

                    consumed += batch.Count;
                }
            })
            .ProbeWith(probe));
        if (worker.Index == 0 && settings.Bound is { } bound)
        {
            input.Bound = bound(probe);
        }

        long produced = 0;
        if (worker.Index == 0)
        {
            double perTick = settings.Ratio * 1e9 / settings.CostNanoseconds / Stopwatch.Frequency;
            ulong time = 0;
            long now;
            while ((now = Stopwatch.GetTimestamp()) < end)
            {
                // A time's records go out together once the offered rate has reached them, as a
                // producer reading a batch at a time would send them.
                long offered = (long)((now - start) * perTick);
                if (offered - produced >= settings.RecordsPerTime)
                {
                    for (int i = 0; i < settings.RecordsPerTime; i++)
                    {
                        input.Send((ulong)produced++);
                    }

                    input.AdvanceTo(++time);
                }

                worker.Step();
            }
        }

        input.Close();
        while (worker.StepOrPark(null))
        {
        }

        return new OverloadResult(worker.Index, produced, consumed, dropped, input.HeldBack);
    }
}
