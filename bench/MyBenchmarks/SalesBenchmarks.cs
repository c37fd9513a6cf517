using Timely.Dataflow;
using Timely.Dataflow.Operators;
using Timely.Workloads;

namespace MyBenchmarks;

/// <summary>
/// A user-style dataflow to benchmark: sales, generated on every worker, are summed per customer
/// and round (a keyed aggregation: each sale travels to the worker that owns its customer). Run it
/// with `timely suite --workloads bin/Release/net10.0/MyBenchmarks.dll` (see README.md).
/// </summary>
public static class SalesBenchmarks
{
    /// <summary>Totals per customer and round: <c>Aggregate</c> over the sales keyed by customer.</summary>
    [Workload("sales-by-customer")]
    public static WorkloadOutcome SalesByCustomer(WorkloadContext context)
    {
        // Sizes: full runs take about a second on a 2-core host, quick ones a tenth, smoke ones nothing.
        ulong rounds = context.BySize(20UL, 10UL, 2UL);
        ulong perRound = context.BySize(100_000UL, 10_000UL, 500UL);
        ulong customers = context.BySize(10_000UL, 1_000UL, 50UL);

        var worker = context.Worker;
        var input = new InputHandle<ulong, (ulong Customer, Sale Sale)>();
        var probe = new ProbeHandle<ulong>();
        ulong checksum = 0;
        long records = 0;
        worker.Dataflow<ulong>(scope => scope.InputFrom(input)
            .Aggregate<ulong, ulong, Sale, CustomerTotals, (ulong Customer, CustomerTotals Totals)>(
                static (ulong _, Sale sale, ref CustomerTotals totals) =>
                {
                    totals.Add(sale);
#if SLOW_COPY
                    // The slowed copy (built with -p:SlowCopy=true): the same result after about a
                    // microsecond of needless work per sale, two to three times the cost.
                    ulong wasted = (ulong)sale.Cents;
                    for (int i = 0; i < 200; i++)
                    {
                        wasted = WorkloadChecksum.Of(wasted);
                    }

                    totals.Largest = wasted == 0 ? totals.Largest : Math.Max(totals.Largest, sale.Cents);
#endif
                },
                static (customer, totals) => (customer, totals),
                static customer => customer)
            .InspectTime((round, t) => checksum += WorkloadChecksum.Of(
                WorkloadChecksum.Of(round, t.Customer),
                WorkloadChecksum.Of((ulong)t.Totals.Count, (ulong)t.Totals.Cents) ^ (ulong)t.Totals.Largest))
            .ProbeWith(probe));

        context.StartTiming();
        for (ulong round = 0; round < rounds; round++)
        {
            // This worker's share of the round's sales: every Peers-th one.
            for (ulong i = (ulong)context.Index; i < perRound; i += (ulong)context.Peers)
            {
                var sale = Sale.Make((round * perRound) + i, customers);
                input.Send((sale.Customer, sale));
                records++;
            }

            input.AdvanceTo(round + 1);
            worker.StepWhile(() => probe.LessThan(input.Time));
        }

        input.Close();
        worker.StepWhile(() => !probe.Done);
        return new WorkloadOutcome(records, checksum);
    }
}
