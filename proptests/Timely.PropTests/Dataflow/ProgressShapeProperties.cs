using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Dataflow.Progress;

namespace Timely.PropTests.Dataflow;

/// <summary>
/// The check that progress from other workers passes before it reaches the tracker: a location
/// is a port of the dataflow exactly when its node exists and that node has an input (or output)
/// of that index, for any shape and any location, negative and out-of-range indices included (a
/// corrupted batch can carry anything).
/// </summary>
public sealed class ProgressShapeProperties
{
    private static Gen<((int Inputs, int Outputs)[] Nodes, (int Node, int Port, bool Source)[] Probes)> Cases() =>
        from count in Gen.Choose(1, 6)
        from nodes in Gen.ArrayOf(Gen.Zip(Gen.Choose(0, 3), Gen.Choose(0, 3)), count)
        from probes in Gen.ArrayOf(Probe(), 20)
        select (nodes, probes);

    /// <summary>An index: mostly near the shape's range, sometimes anything an int can hold.</summary>
    private static Gen<int> Index(int near) => Gen.Frequency((4, Gen.Choose(0, near)), (1, Gen.Choose(int.MinValue, int.MaxValue)));

    private static Gen<(int Node, int Port, bool Source)> Probe() =>
        from node in Index(7)
        from port in Index(4)
        from source in Gen.Elements(true, false)
        select (node, port, source);

    [Property(MaxTest = 300, QuietOnSuccess = true)]
    public Property A_location_is_a_port_exactly_when_its_node_and_index_exist() =>
        Prop.ForAll(Cases().ToArbitrary(), c =>
        {
            var builder = new ReachabilityBuilder<ulong>();
            for (int n = 0; n < c.Nodes.Length; n++)
            {
                var (inputs, outputs) = c.Nodes[n];
                var summaries = new Antichain<ulong>[inputs][];
                for (int i = 0; i < inputs; i++)
                {
                    summaries[i] = Enumerable.Range(0, outputs).Select(_ => new Antichain<ulong>(0UL)).ToArray();
                }

                builder.AddNode(n, inputs, outputs, summaries);
            }

            var tracker = builder.Build();
            return c.Probes.All(p =>
            {
                bool expected = p.Node >= 0 && p.Node < c.Nodes.Length && p.Port >= 0
                    && p.Port < (p.Source ? c.Nodes[p.Node].Outputs : c.Nodes[p.Node].Inputs);
                return tracker.HasPort(new Location(p.Node, p.Port, p.Source)) == expected;
            }).Label($"nodes {string.Join(",", c.Nodes)}");
        });
}
