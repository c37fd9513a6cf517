using Timely.Dataflow.Progress;

namespace Timely.Dataflow.Scopes;

/// <summary>
/// Child zero of a nested scope: node 0 is the boundary, and exchanged updates at it go to the
/// <see cref="Subgraph{TOuter, TInner}"/> that stands for the scope in its parent.
/// </summary>
internal readonly struct ChildZero<TOuter, TInner> : IChildZero<TInner>
{
    // Design: a value holding one reference; the subgraph it names belongs to the worker thread
    // that built both scopes.
    private readonly Subgraph<TOuter, TInner> _subgraph;

    public ChildZero(Subgraph<TOuter, TInner> subgraph)
    {
        _subgraph = subgraph;
    }

    /// <inheritdoc />
    public bool IsChildZero(int node) => node == 0;

    /// <inheritdoc />
    public bool ReportsCapabilities => true;

    /// <inheritdoc />
    public void Intercept(Location location, TInner time, long diff) => _subgraph.Intercept(location, time, diff);
}
