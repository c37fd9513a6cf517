using Timely.Dataflow.Operators.Generic;
using Timely.Dataflow.Progress;
using Timely.Dataflow.Timestamps;

namespace Timely.Dataflow.Scopes;

/// <summary>
/// The path summaries from every port of a nested scope to each of its outputs (timely's
/// <c>summarize_outputs</c>): what the subgraph shows its parent as its internal summary (from the
/// boundary's outputs, the scope inputs) and what it uses to project inner pointstamps onto its
/// outputs as capabilities.
/// </summary>
internal sealed class ScopeSummaries<T>
{
    // Design: computed once on the worker thread that builds the nested scope, then only read by its
    // subgraph on that thread.
    //
    // Sharing: a slot starts as one empty antichain shared by every table, and a slot whose summary
    // is the identity alone (every port of a chain of maps, filters or inspects: the common case)
    // holds one shared identity antichain; a slot gets an antichain of its own at the first insert
    // that gives it anything else. The shared two are never inserted into (Insert below copies
    // first) and the tables are only read once computed, so no reader sees them change. Building
    // event_driven's region made an antichain and its array per port (perf.md §4, the examples' levers, evbuild2).
    private static readonly Antichain<T> SharedEmpty = new();
    // Also the antichain of OperatorBuilder's shared one-input identity table: one identity antichain per T.
    internal static readonly Antichain<T> SharedIdentity = new(TimestampTraits<T>.Default.IdentitySummary);

    private ScopeSummaries(Antichain<T>[][][] targets, Antichain<T>[][][] sources)
    {
        Targets = targets;
        Sources = sources;
    }

    /// <summary>[node][input port][scope output]: summaries from that input to that scope output.</summary>
    public Antichain<T>[][][] Targets { get; }

    /// <summary>[node][output port][scope output]: summaries from that output to that scope output; node 0's are the scope's.</summary>
    public Antichain<T>[][][] Sources { get; }

    /// <summary>
    /// Works backwards from each scope output (input <c>j</c> of node 0, reached with the identity)
    /// through edges (the identity) and operator summaries (followed by what is already known)
    /// until nothing changes. Ends because the graph was checked to advance time around every cycle:
    /// a summary that went once more around a loop is dominated by the one that did not.
    /// </summary>
    public static ScopeSummaries<T> Compute(IReadOnlyList<OperatorCore<T>?> operators, Func<int, int, Location[]> targetsOf)
    {
        var traits = TimestampTraits<T>.Default;
        int n = operators.Count;
        int outputs = operators[0]!.Inputs;
        var targets = new Antichain<T>[n][][];
        var sources = new Antichain<T>[n][][];
        for (int node = 0; node < n; node++)
        {
            var op = operators[node]!;
            targets[node] = NewPorts(op.Inputs, outputs);
            sources[node] = NewPorts(op.Outputs, outputs);
        }

        for (int j = 0; j < outputs; j++)
        {
            Insert(ref targets[0][j][j], traits.IdentitySummary);
        }

        bool changed = true;
        while (changed)
        {
            changed = false;

            // An output reaches what the inputs it feeds reach, unchanged.
            for (int node = 0; node < n; node++)
            {
                for (int port = 0; port < sources[node].Length; port++)
                {
                    foreach (var target in targetsOf(node, port))
                    {
                        for (int j = 0; j < outputs; j++)
                        {
                            foreach (var summary in targets[target.Node][target.Port][j].Elements)
                            {
                                changed |= Insert(ref sources[node][port][j], summary);
                            }
                        }
                    }
                }
            }

            // An input reaches what its operator's outputs reach, after the operator's summary.
            // Node 0 has no internal paths: the parent's graph is not known here.
            for (int node = 1; node < n; node++)
            {
                var op = operators[node]!;
                for (int input = 0; input < op.Inputs; input++)
                {
                    for (int output = 0; output < op.Outputs; output++)
                    {
                        foreach (var first in op.Summaries[input][output].Elements)
                        {
                            for (int j = 0; j < outputs; j++)
                            {
                                foreach (var then in sources[node][output][j].Elements)
                                {
                                    if (traits.TryFollowedBy(first, then, out var both))
                                    {
                                        changed |= Insert(ref targets[node][input][j], both);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }

        return new ScopeSummaries<T>(targets, sources);
    }

    // Antichain.Insert on a slot: a shared antichain is replaced, never changed (see Sharing above).
    private static bool Insert(ref Antichain<T> slot, T element)
    {
        if (!ReferenceEquals(slot, SharedEmpty) && !ReferenceEquals(slot, SharedIdentity))
        {
            return slot.Insert(element);
        }

        if (slot.LessEqual(element))
        {
            return false;   // what Insert refuses: an element already there is less or equal
        }

        if (slot.IsEmpty && EqualityComparer<T>.Default.Equals(element, SharedIdentity.Elements[0]))
        {
            slot = SharedIdentity;
            return true;
        }

        var own = new Antichain<T>();
        foreach (var e in slot.Elements)
        {
            own.Insert(e);
        }

        own.Insert(element);
        slot = own;
        return true;
    }

    private static Antichain<T>[][] NewPorts(int ports, int outputs)
    {
        var result = new Antichain<T>[ports][];
        for (int p = 0; p < ports; p++)
        {
            result[p] = new Antichain<T>[outputs];
            Array.Fill(result[p], SharedEmpty);
        }

        return result;
    }
}
