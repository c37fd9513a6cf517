using Timely.Dataflow.Operators;

namespace Timely.Dataflow.Tests;

/// <summary>
/// What building a dataflow allocates, counted exactly on the building thread
/// (<see cref="GC.GetAllocatedBytesForCurrentThread"/>): event_driven builds a thousand dataflows
/// in its timed part, so every byte a build makes counts toward its collections there. Each count
/// is the least of several builds of the same shape after one to warm up, so a type's first use
/// (static state, generic dictionaries) is not counted.
/// </summary>
public sealed class DataflowBuildAllocationTests
{
    /// <summary>A record of 64 bytes: a batch's room for it (1024 records) is 64 KiB, one port's worth above the whole bound.</summary>
    private readonly record struct Wide(long A, long B, long C, long D, long E, long F, long G, long H);

    [Fact]
    public void An_output_that_never_carries_a_record_holds_no_batch_room()
    {
        Execute.Directly(worker =>
        {
            long records = 0;
            long least = long.MaxValue;
            var inputs = new List<InputHandle<ulong, Wide>>();
            for (int build = 0; build < 4; build++)
            {
                var input = new InputHandle<ulong, Wide>();
                inputs.Add(input);
                long before = GC.GetAllocatedBytesForCurrentThread();
                worker.Dataflow<ulong>(scope =>
                {
                    var chain = scope.InputFrom(input);
                    for (int step = 0; step < 10; step++)
                    {
                        chain = chain.Map(x => x);
                    }

                    chain.Inspect(_ => records++);
                });
                long made = GC.GetAllocatedBytesForCurrentThread() - before;
                if (build > 0)
                {
                    least = Math.Min(least, made);
                }
            }

            // Eleven outputs and an input handle: each made a batch's room (64 KiB here) when
            // built, 768 KiB in all, before the room waited for the first record.
            Assert.True(least < 64 * 1024, $"building the chain allocated {least} B");

            // The room comes with the first record: every record still goes through.
            foreach (var input in inputs)
            {
                input.Send(new Wide(1, 2, 3, 4, 5, 6, 7, 8));
                input.Close();
            }

            worker.StepWhile(() => records < inputs.Count);
            Assert.Equal(inputs.Count, records);
        });
    }

    [Fact]
    public void Building_event_drivens_dataflow_allocates_at_most_32_KB()
    {
        // event_driven's dataflow: an input, a region holding a chain of ten maps, a probe.
        // Measured 28,376 B on the build that set the bound (42,216 before it: an antichain object
        // per port for a total order's pointstamps, a capability per map output made and dropped,
        // each map's own identity summary table and closures, input frontier views made up front,
        // an antichain per port and output in the region's summaries, batches doubling from four
        // at the first propagation; 73,856 before that: a batch's room per output, the graph's
        // edges held in lists three times over, per-port lists).
        Execute.Directly(worker =>
        {
            long least = long.MaxValue;
            var inputs = new List<InputHandle<ulong, byte>>();
            var probes = new List<ProbeHandle<ulong>>();
            for (int build = 0; build < 6; build++)
            {
                var input = new InputHandle<ulong, byte>();
                inputs.Add(input);
                long before = GC.GetAllocatedBytesForCurrentThread();
                probes.Add(worker.Dataflow<ulong, ProbeHandle<ulong>>(scope =>
                {
                    var source = scope.InputFrom(input);
                    var stream = scope.Region(inner =>
                    {
                        var chain = source.Enter(inner);
                        for (int step = 0; step < 10; step++)
                        {
                            chain = chain.Map(x => x);
                        }

                        return chain.Leave(scope);
                    });
                    return stream.Probe();
                }));
                long made = GC.GetAllocatedBytesForCurrentThread() - before;
                if (build > 0)
                {
                    least = Math.Min(least, made);
                }
            }

            Assert.True(least <= 32_000, $"building the dataflow allocated {least} B");

            // The dataflows built run as they did: each probe passes its input's time.
            for (int d = 0; d < inputs.Count; d++)
            {
                inputs[d].AdvanceTo(5);
                worker.StepWhile(() => probes[d].LessThan(5));
                inputs[d].Close();
            }

            worker.StepWhile(() => probes.Any(p => !p.Done));
            Assert.All(probes, p => Assert.True(p.Done));
        });
    }
}
