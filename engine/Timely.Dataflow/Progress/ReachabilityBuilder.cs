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
        CheckCyclesAdvance();
        return new Tracker<T>(_summaries.ToArray(), _edges.ToArray(), _inputs.ToArray());
    }

    private void CheckCyclesAdvance()
    {
        // Depth-first search over input ports along paths that can leave the minimum time
        // unchanged (edges always do; an internal summary does when it maps the minimum to
        // itself). A back edge is a cycle that does not advance time.
        var traits = TimestampTraits<T>.Default;
        var eq = EqualityComparer<T>.Default;
        int n = _summaries.Count;
        var state = new byte[n][];
        for (int i = 0; i < n; i++)
        {
            state[i] = new byte[_inputs[i]];
        }

        var stack = new Stack<(int Node, int Port, int Next)>();
        for (int node = 0; node < n; node++)
        {
            for (int port = 0; port < _inputs[node]; port++)
            {
                if (state[node][port] != 0)
                {
                    continue;
                }

                state[node][port] = 1;
                stack.Push((node, port, 0));
                while (stack.Count > 0)
                {
                    var (cn, cp, next) = stack.Pop();
                    var successors = ZeroSuccessors(cn, cp, traits, eq);
                    if (next < successors.Count)
                    {
                        stack.Push((cn, cp, next + 1));
                        var s = successors[next];
                        if (state[s.Node][s.Port] == 1)
                        {
                            throw new InvalidOperationException($"cycle through {s} does not advance time: add a feedback summary greater than the identity");
                        }

                        if (state[s.Node][s.Port] == 0)
                        {
                            state[s.Node][s.Port] = 1;
                            stack.Push((s.Node, s.Port, 0));
                        }
                    }
                    else
                    {
                        state[cn][cp] = 2;
                    }
                }
            }
        }
    }

    private List<Location> ZeroSuccessors(int node, int port, ITimestampTraits<T> traits, EqualityComparer<T> eq)
    {
        var result = new List<Location>();
        var row = _summaries[node][port];
        for (int output = 0; output < row.Length; output++)
        {
            foreach (var summary in row[output].Elements)
            {
                if (traits.TryResultsIn(traits.Minimum, summary, out var r) && eq.Equals(r, traits.Minimum))
                {
                    result.AddRange(_edges[node][output]);
                    break;
                }
            }
        }

        return result;
    }
}
