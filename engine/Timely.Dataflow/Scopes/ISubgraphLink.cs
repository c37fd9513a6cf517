using Timely.Dataflow.Progress;

namespace Timely.Dataflow.Scopes;

/// <summary>What a nested scope tells the subgraph that stands for it in its parent.</summary>
internal interface ISubgraphLink<TInner>
{
    /// <summary>
    /// An exchanged update at the boundary (node 0): at an output port, records consumed at that
    /// scope input; at an input port, records produced at that scope output. Reported upward.
    /// </summary>
    void Intercept(Location location, TInner time, long diff);
}
