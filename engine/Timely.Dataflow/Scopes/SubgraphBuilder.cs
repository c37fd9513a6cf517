using System.Diagnostics;
using Timely.Dataflow.Operators.Generic;
using Timely.Dataflow.Progress;

namespace Timely.Dataflow.Scopes;

/// <summary>
/// The graph of one scope while it is being built (timely's <c>SubgraphBuilder</c>): operators by
/// index, edges from outputs to inputs, the input handles to close when the worker's logic ends,
/// and how many scopes are nested in it. <see cref="Build"/> freezes it into the scope's runtime.
/// </summary>
/// <remarks>
/// An operator's index is reserved before it is built (its ports and its streams need the index),
/// so a slot stays empty until <see cref="AddOperator"/> fills it; one still empty when the scope
/// is built is an operator that was started and never finished, which is refused.
/// </remarks>
internal sealed class SubgraphBuilder<T>
{
    // Design: owned by the worker thread that runs the build closure; used only until the scope is
    // built, then dropped by the scope. Nothing here is shared.
    private readonly List<OperatorCore<T>?> _operators = new();
    private readonly List<(Location Source, Location Target)> _edges = new();
    private readonly List<IDisposable> _inputs = new();
    private int _nestedScopes;

    /// <summary>Reserves the next operator index.</summary>
    public int ReserveOperator()
    {
        _operators.Add(null);
        return _operators.Count - 1;
    }

    /// <summary>Puts <paramref name="core"/> in the slot reserved for its index.</summary>
    public void AddOperator(OperatorCore<T> core)
    {
        Debug.Assert(_operators[core.Index] is null, "each reserved index is filled once");
        _operators[core.Index] = core;
    }

    /// <summary>Records an edge from output <paramref name="source"/> to input <paramref name="target"/>.</summary>
    public void AddEdge(Location source, Location target) => _edges.Add((source, target));

    /// <summary>Remembers an input handle, closed when the worker's logic returns.</summary>
    public void AddInputHandle(IDisposable handle) => _inputs.Add(handle);

    /// <summary>Counts a scope nested in this one: it keeps this scope incomplete until it completes.</summary>
    public void AddNestedScope() => _nestedScopes++;

    /// <summary>
    /// Builds progress tracking over the graph (refusing a cycle that does not advance time) and
    /// the runtime of <paramref name="scope"/>, whose child zero is <paramref name="childZero"/>.
    /// </summary>
    public ScopeRuntime<T, TChildZero> Build<TChildZero>(TChildZero childZero, Scope<T> scope)
        where TChildZero : struct, IChildZero<T>
    {
        var reachability = new ReachabilityBuilder<T>();
        var operators = new OperatorCore<T>[_operators.Count];
        var targets = new List<Location>[operators.Length][];
        for (int i = 0; i < operators.Length; i++)
        {
            var op = _operators[i] ?? throw new InvalidOperationException($"operator {i} was started but never built");
            operators[i] = op;
            reachability.AddNode(i, op.Inputs, op.Outputs, op.Summaries);
            targets[i] = new List<Location>[op.Outputs];
            for (int o = 0; o < op.Outputs; o++)
            {
                targets[i][o] = new List<Location>();
            }
        }

        foreach (var (source, target) in _edges)
        {
            reachability.AddEdge(source, target);
            targets[source.Node][source.Port].Add(target);
        }

        var tracker = reachability.Build();
        tracker.RecordPointstampChanges = childZero.ReportsCapabilities;
        var frozen = Array.ConvertAll(targets, node => Array.ConvertAll(node, list => list.ToArray()));
        return new ScopeRuntime<T, TChildZero>(childZero, scope, operators, frozen, tracker, _inputs.ToArray(), _nestedScopes);
    }
}
