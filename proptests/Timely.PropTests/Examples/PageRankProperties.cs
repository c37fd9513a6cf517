using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Examples;

namespace Timely.PropTests.Examples;

/// <summary>
/// pagerank on small graphs (many of them with an edge present twice on a cycle, where the
/// ranks grow without bound) against its sequential run: on one or two workers the dataflow
/// either ends with the sequential run's ranks or, where the sequential run stops at an
/// overflowed rank, stops with the same error; it never goes on with wrapped ranks.
/// </summary>
public sealed class PageRankProperties
{
    [Property(MaxTest = 150)]
    public Property The_dataflow_ends_as_the_sequential_run_does()
    {
        var cases = Gen.Zip(Gen.Zip(Gen.Choose(1, 10), Gen.Choose(1, 16)), Gen.Zip(Gen.Choose(0, 4), Gen.Choose(1, 2)));
        return Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var ((nodes, edges), (rounds, peers)) = c;
            var expected = Outcome(() => PageRank.Reference((ulong)nodes, (ulong)edges, (ulong)rounds, peers));
            var actual = Outcome(() => ExampleRuns.Total(peers, w => PageRank.Run(w, (ulong)nodes, (ulong)edges, (ulong)rounds, TextWriter.Null)));
            return (expected == actual).Classify(expected == "overflow", "stops at an overflowed rank").Label($"pagerank {nodes} {edges} --rounds {rounds} -w {peers}: sequential {expected}, dataflow {actual}");
        });
    }

    [Property(MaxTest = 60)]
    public Property The_dataflow_acting_on_a_few_records_a_run_ends_as_the_sequential_run_does()
    {
        // The operator goes on with a time over several runs when a run's budget of records is
        // spent (holding the time while the next time's changes arrive): budgets from one record
        // to more than a time's, on graphs large enough that times have hundreds of changes.
        var cases = Gen.Zip(Gen.Zip(Gen.Choose(20, 200), Gen.Choose(40, 800)), Gen.Zip(Gen.Choose(0, 6), Gen.Zip(Gen.Choose(1, 2), Gen.Elements(1, 2, 7, 64, 1000))));
        return Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var ((nodes, edges), (rounds, (peers, slice))) = c;
            var expected = Outcome(() => PageRank.Reference((ulong)nodes, (ulong)edges, (ulong)rounds, peers));
            var actual = Outcome(() => ExampleRuns.Total(peers, w => PageRank.Run(w, (ulong)nodes, (ulong)edges, (ulong)rounds, TextWriter.Null, slice)));
            return (expected == actual).Classify(expected == "overflow", "stops at an overflowed rank").Label($"pagerank {nodes} {edges} --rounds {rounds} -w {peers}, {slice} records a run: sequential {expected}, dataflow {actual}");
        });
    }

    // The result, or "overflow" when the run stopped at an overflowed rank (any other failure propagates).
    private static string Outcome(Func<(long Records, ulong Checksum)> run)
    {
        try
        {
            return run().ToString();
        }
        catch (Exception e) when (Overflowed(e))
        {
            return "overflow";
        }
    }

    private static bool Overflowed(Exception e) => e switch
    {
        AggregateException a => a.InnerExceptions.Any(Overflowed),
        InvalidOperationException => e.Message.Contains("pagerank: a rank reached", StringComparison.Ordinal),
        OverflowException => true,
        _ => false,
    };
}
