using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Examples;

namespace Timely.PropTests.Examples;

/// <summary>
/// bfs on small random graphs (no edges, a few nodes with many edges between them, sparse ones
/// where most nodes stay unreached) against a sequential search of the same graph: on one, two
/// or three workers the dataflow reaches the same nodes at the same distances, whatever share of
/// the edges each worker makes and however its batches are cut.
/// </summary>
public sealed class BfsProperties
{
    [Property(MaxTest = 150)]
    public Property The_dataflow_reaches_what_the_sequential_search_reaches()
    {
        var cases = Gen.Zip(Gen.Zip(Gen.Choose(1, 60), Gen.Choose(0, 200)), Gen.Choose(1, 3));
        return Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var ((nodes, edges), peers) = c;
            var expected = Bfs.Reference((ulong)nodes, (ulong)edges, peers);
            var actual = ExampleRuns.Total(peers, w => Bfs.Run(w, (ulong)nodes, (ulong)edges, TextWriter.Null));
            return (expected == actual)
                .Classify(expected.Records * 2 < nodes, "reaches under half the nodes")
                .Label($"bfs {nodes} {edges} -w {peers}: sequential {expected}, dataflow {actual}");
        });
    }
}
