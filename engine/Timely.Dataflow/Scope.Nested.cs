using Timely.Dataflow.Operators.Generic;
using Timely.Dataflow.Progress;
using Timely.Dataflow.Scopes;

namespace Timely.Dataflow;

// The nested-scope half of Scope<T> (timely's child Subgraph): a scope whose node 0 is its
// boundary with the parent, stepped by the Subgraph operator that stands for it in the parent.
// Kept apart from Scope.cs so that the root scope's paths stay as they were: the only root-side
// costs are a null test when an operator is first activated and one per progress update received.
public sealed partial class Scope<T>
{
    // Design: a nested scope belongs to its worker's thread, as its parent does. _subgraph is set
    // only for nested scopes; node 0 of such a scope is its boundary: its outputs are the scope's
    // inputs (their pointstamps are the parent's input frontiers), its inputs the scope's outputs.
    // Updates at node 0 that come back from the progress exchange are not applied here: they are
    // records crossing the boundary and go to the parent (timely's child-zero handling).
    private readonly ISubgraphLink<T>? _subgraph;
    private readonly Action? _parentActivation;
    private readonly int _progressChannel;

    // Nested scopes in this one that have not completed: timely's `incomplete` children. A scope
    // whose only outputs are captures or inspections holds no capability here while it runs.
    private int _liveSubgraphs;

    /// <summary>A nested scope of <paramref name="worker"/>, driven by <paramref name="subgraph"/>.</summary>
    internal Scope(Worker worker, int dataflowIndex, ISubgraphLink<T> subgraph, Action parentActivation)
        : this(worker, dataflowIndex)
    {
        _subgraph = subgraph;
        _parentActivation = parentActivation;

        // Eager inside: the demand rule would have to know which boundary updates the parent waits for.
        _mode = ProgressMode.Eager;
        ReserveOperator();
    }

    /// <summary>Whether this scope is nested in another (then node 0 is its boundary).</summary>
    public bool IsNested => _subgraph is not null;

    /// <summary>The subgraph that drives this scope; null at the root.</summary>
    internal ISubgraphLink<T>? Subgraph => _subgraph;

    /// <summary>The channel that carries this scope's progress among workers.</summary>
    internal int ProgressChannel => _progressChannel;

    /// <summary>The operators, indexed by node (valid once sealed).</summary>
    internal IReadOnlyList<OperatorCore<T>?> Operators => _operators;

    /// <summary>Whether an operator is scheduled for the next step.</summary>
    internal bool HasActiveOperators => _activeCount > 0;

    /// <summary>The input ports that output <paramref name="port"/> of <paramref name="node"/> feeds (valid once sealed).</summary>
    internal Location[] TargetsOf(int node, int port) => _targetsOf[node][port];

    /// <summary>Counts a nested scope of this one as running until <see cref="SubgraphCompleted"/>.</summary>
    internal void SubgraphStarted() => _liveSubgraphs++;

    /// <summary>A nested scope of this one has completed on this worker.</summary>
    internal void SubgraphCompleted() => _liveSubgraphs--;

    /// <summary>Installs the boundary as node 0 of a nested scope.</summary>
    internal void AddBoundary(OperatorCore<T> boundary) => _operators[0] = boundary;

    /// <summary>
    /// Counts <paramref name="count"/> records entering at scope input <paramref name="port"/> at
    /// <paramref name="time"/> (timely's <c>harvest_inputs</c>): +count at every inner input they
    /// reach and -count at the boundary output, which comes back from the exchange as the parent's
    /// consumed count. Both travel in this worker's next progress batch.
    /// </summary>
    internal void RecordIngress(int port, T time, long count)
    {
        foreach (var target in _targetsOf[0][port])
        {
            _batch.Update((target, time), count);
        }

        _batch.Update((Location.Source(0, port), time), -count);
    }

    // Every worker's operator starts with one capability per output at the minimum, so a port
    // starts at `peers`; the boundary's outputs hold the parent's frontier instead, accepted
    // by the subgraph from its first run.
    private long InitialCapabilities(OperatorCore<T> op) => op.Index == 0 && _subgraph is not null ? 0 : Peers;
}
