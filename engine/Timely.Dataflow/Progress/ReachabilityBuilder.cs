using Timely.Dataflow.Timestamps;

namespace Timely.Dataflow.Progress;

/// <summary>
/// Describes a dataflow graph for reachability: operators with their input-to-output path
/// summaries, and edges from outputs to inputs. Timely's <c>reachability::Builder</c>.
/// </summary>
public sealed class ReachabilityBuilder<T>
{
    // Design: used on the worker thread that builds the scope, then dropped once Build has made the
    // tracker.
    private readonly List<Antichain<T>[][]> _summaries = new();
    private readonly List<List<Location>[]> _edges = new();
    private readonly List<int> _inputs = new();

    /// <summary>Number of nodes added so far.</summary>
    public int NodeCount => _summaries.Count;

    /// <summary>
    /// Adds node <paramref name="node"/> (which must equal <see cref="NodeCount"/>) with
    /// <paramref name="summaries"/>[input][output]: the antichain of summaries from that input to
    /// that output (empty when the input cannot reach the output).
    /// </summary>
    public void AddNode(int node, int inputs, int outputs, Antichain<T>[][] summaries)
    {
        if (node != _summaries.Count)
        {
            throw new ArgumentException($"nodes must be added in order: expected {_summaries.Count}, got {node}", nameof(node));
        }

        if (summaries.Length != inputs)
        {
            throw new ArgumentException($"node {node}: {summaries.Length} summary rows for {inputs} inputs", nameof(summaries));
        }

        foreach (var row in summaries)
        {
            if (row.Length != outputs)
            {
                throw new ArgumentException($"node {node}: a summary row has {row.Length} entries for {outputs} outputs", nameof(summaries));
            }
        }

        var edges = new List<Location>[outputs];
        for (int i = 0; i < outputs; i++)
        {
            edges[i] = new List<Location>();
        }

        _summaries.Add(summaries);
        _edges.Add(edges);
        _inputs.Add(inputs);
    }

    /// <summary>Adds an edge from output port <paramref name="source"/> to input port <paramref name="target"/>.</summary>
    public void AddEdge(Location source, Location target)
    {
        if (!source.IsSource || target.IsSource)
        {
            throw new ArgumentException($"an edge goes from an output to an input, not {source} -> {target}");
        }

        if ((uint)source.Node >= (uint)_edges.Count || (uint)source.Port >= (uint)_edges[source.Node].Length)
        {
            throw new ArgumentException($"unknown source {source}", nameof(source));
        }

        if ((uint)target.Node >= (uint)_inputs.Count || (uint)target.Port >= (uint)_inputs[target.Node])
        {
            throw new ArgumentException($"unknown target {target}", nameof(target));
        }

        _edges[source.Node][source.Port].Add(target);
    }

    /// <summary>
    /// Builds the tracker. Throws <see cref="InvalidOperationException"/> when a cycle exists
    /// along which a time can stay unchanged: progress tracking would never settle on it.
    /// </summary>
    public Tracker<T> Build()
    {
        var edges = new Location[_edges.Count][][];
        for (int node = 0; node < edges.Length; node++)
        {
            edges[node] = Array.ConvertAll(_edges[node], list => list.ToArray());
        }

        return Build(_summaries.ToArray(), edges, _inputs.ToArray());
    }

    /// <summary>
    /// Builds the tracker of a graph given whole: <paramref name="summaries"/>[node][input][output],
    /// <paramref name="edges"/>[node][output] the inputs each output feeds, in the order the edges
    /// were made, and <paramref name="inputs"/>[node]. The arrays become the tracker's (an edge
    /// array is shared, not copied), so nobody may change them after. What a scope's builder
    /// calls: it knows its edges at once, where this type's lists grew an edge at a time and were
    /// copied twice, garbage made per dataflow built.
    /// </summary>
    internal static Tracker<T> Build(Antichain<T>[][][] summaries, Location[][][] edges, int[] inputs)
    {
        CheckCyclesAdvance(summaries, edges, inputs);
        return new Tracker<T>(summaries, edges, inputs);
    }

    private static void CheckCyclesAdvance(Antichain<T>[][][] summaries, Location[][][] edges, int[] inputs)
    {
        // Depth-first search over input ports along paths that can leave the minimum time
        // unchanged (edges always do; an internal summary does when it maps the minimum to
        // itself). A back edge is a cycle that does not advance time. The ports' states sit in one
        // flat array at their node's base; the stack holds each port at most once (a port is
        // pushed when it leaves state 0), so it is made at its largest size once.
        int n = summaries.Length;
        var portBase = new int[n + 1];
        for (int i = 0; i < n; i++)
        {
            portBase[i + 1] = portBase[i] + inputs[i];
        }

        int ports = portBase[n];
        if (ports == 0)
        {
            return;
        }

        var state = new byte[ports];
        var stack = new (int Node, int Port, int Next)[ports];
        int depth = 0;
        for (int node = 0; node < n; node++)
        {
            for (int port = 0; port < inputs[node]; port++)
            {
                if (state[portBase[node] + port] != 0)
                {
                    continue;
                }

                state[portBase[node] + port] = 1;
                stack[depth++] = (node, port, 0);
                while (depth > 0)
                {
                    var (cn, cp, next) = stack[--depth];
                    if (ZeroSuccessor(summaries, edges, cn, cp, next) is { } s)
                    {
                        stack[depth++] = (cn, cp, next + 1);
                        int flat = portBase[s.Node] + s.Port;
                        if (state[flat] == 1)
                        {
                            throw new InvalidOperationException($"cycle through {s} does not advance time: add a feedback summary greater than the identity");
                        }

                        if (state[flat] == 0)
                        {
                            state[flat] = 1;
                            stack[depth++] = (s.Node, s.Port, 0);
                        }
                    }
                    else
                    {
                        state[portBase[cn] + cp] = 2;
                    }
                }
            }
        }
    }

    // The successor number `next` of input `port` of `node` along paths that keep the minimum time
    // (the edges of each output whose summary from the port maps the minimum to itself, in output
    // order), or null past the last: walked in place each time, where a list of them all was made
    // at each look.
    private static Location? ZeroSuccessor(Antichain<T>[][][] summaries, Location[][][] edges, int node, int port, int next)
    {
        var traits = TimestampTraits<T>.Default;
        var eq = EqualityComparer<T>.Default;
        var row = summaries[node][port];
        for (int output = 0; output < row.Length; output++)
        {
            var targets = edges[node][output];
            if (targets.Length == 0)
            {
                continue;
            }

            foreach (var summary in row[output].Elements)
            {
                if (traits.TryResultsIn(traits.Minimum, summary, out var r) && eq.Equals(r, traits.Minimum))
                {
                    if (next < targets.Length)
                    {
                        return targets[next];
                    }

                    next -= targets.Length;
                    break;
                }
            }
        }

        return null;
    }
}
