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
        // The graph goes to the tracker as arrays made at their final size: each output's targets
        // counted first, then filled in the order the edges were made. The scope's runtime and the
        // tracker share them. Through ReachabilityBuilder's lists each edge was held three times
        // over (its lists, their copies, the runtime's own lists and their copies), a tenth of
        // what building one of event_driven's dataflows allocated, all of it garbage at once.
        int n = _operators.Count;
        var operators = new OperatorCore<T>[n];
        var summaries = new Antichain<T>[n][][];
        var inputs = new int[n];
        var outputBase = new int[n + 1];
        for (int i = 0; i < n; i++)
        {
            var op = _operators[i] ?? throw new InvalidOperationException($"operator {i} was started but never built");
            operators[i] = op;
            summaries[i] = op.Summaries;
            inputs[i] = op.Inputs;
            outputBase[i + 1] = outputBase[i] + op.Outputs;
            Debug.Assert(op.Summaries.Length == op.Inputs && op.Summaries.All(row => row.Length == op.Outputs), "a summary per input and output");
        }

        var fill = new int[outputBase[n]];
        foreach (var (source, target) in _edges)
        {
            CheckEdge(operators, source, target);
            fill[outputBase[source.Node] + source.Port]++;
        }

        var targets = new Location[n][][];
        for (int i = 0; i < n; i++)
        {
            var node = targets[i] = new Location[operators[i].Outputs][];
            for (int o = 0; o < node.Length; o++)
            {
                int count = fill[outputBase[i] + o];
                node[o] = count == 0 ? [] : new Location[count];
                fill[outputBase[i] + o] = 0;
            }
        }

        foreach (var (source, target) in _edges)
        {
            targets[source.Node][source.Port][fill[outputBase[source.Node] + source.Port]++] = target;
        }

        var tracker = ReachabilityBuilder<T>.Build(summaries, targets, inputs);
        tracker.RecordPointstampChanges = childZero.ReportsCapabilities;
        return new ScopeRuntime<T, TChildZero>(childZero, scope, operators, targets, tracker, _inputs.ToArray(), _nestedScopes);
    }

    // An edge from an output to an input of this graph: ReachabilityBuilder.AddEdge's check.
    private static void CheckEdge(OperatorCore<T>[] operators, Location source, Location target)
    {
        if (!source.IsSource || target.IsSource)
        {
            throw new ArgumentException($"an edge goes from an output to an input, not {source} -> {target}");
        }

        if ((uint)source.Node >= (uint)operators.Length || (uint)source.Port >= (uint)operators[source.Node].Outputs)
        {
            throw new ArgumentException($"unknown source {source}", nameof(source));
        }

        if ((uint)target.Node >= (uint)operators.Length || (uint)target.Port >= (uint)operators[target.Node].Inputs)
        {
            throw new ArgumentException($"unknown target {target}", nameof(target));
        }
    }
}
