using Timely.Dataflow.Channels;
using Timely.Dataflow.Progress;
using Timely.Dataflow.Timestamps;

namespace Timely.Dataflow.Operators.Generic;

/// <summary>
/// Builds one operator (timely's <c>OperatorBuilder</c> from <c>builder_rc</c>): declare inputs
/// and outputs, then <see cref="Build"/> with a constructor that receives the initial
/// capabilities and returns the logic to run whenever the operator is scheduled.
/// </summary>
/// <remarks>
/// <para>Inputs: <see cref="NewInput{TData}(Stream{T, TData}, Pact{TData})"/> connects a stream
/// with a <see cref="Pact{TData}"/>; the returned <see cref="InputPort{T, TData}"/> yields
/// messages with their <see cref="InputCapability{T}"/> and exposes the input frontier.</para>
/// <para>Outputs: <see cref="NewOutput{TData}"/> gives an <see cref="OutputPort{T, TData}"/> and
/// the stream it produces. Records are sent in a session opened with a capability for that
/// output; buffered records are flushed when the logic returns.</para>
/// <para>Capabilities: the constructor gets one capability per output at the minimum time.
/// Keep them (and <see cref="Capability{T}.Downgrade"/>/<see cref="Capability{T}.Dispose"/>
/// them later) or dispose them at once; while a capability is held the output's frontier
/// cannot pass its time on any worker.</para>
/// <para>Scheduling: the logic runs once at the start, then when an input has messages, when
/// an input frontier changes (unless <see cref="NotifyOnFrontier"/> is off), and when someone
/// calls <see cref="Scope{T}.Activate"/> with <see cref="Index"/>.</para>
/// </remarks>
public sealed class OperatorBuilder<T>
{
    // Design: used on the worker thread that builds the dataflow, and only until Build.
    private readonly Scope<T> _scope;
    private readonly OperatorCore<T> _core;

    // Per input: summaries to each output, or null for "identity to every output". Null until an
    // input is given summaries: most operators take the identity on every input, and a list per
    // builder (with its first array of four) was made for nothing (perf.md §4, the examples' levers, evbuild2).
    private Antichain<T>[]?[]? _connections;
    private bool _built;

    /// <summary>Starts an operator named <paramref name="name"/> in <paramref name="scope"/>.</summary>
    public OperatorBuilder(Scope<T> scope, string name)
    {
        ArgumentNullException.ThrowIfNull(scope);
        _scope = scope;
        _core = new OperatorCore<T>(scope.ReserveOperator(), name, scope.Activations);
    }

    /// <summary>The operator's index in its dataflow (the node in progress tracking).</summary>
    public int Index => _core.Index;

    /// <summary>The operator's name.</summary>
    public string Name => _core.Name;

    /// <summary>Whether input frontier changes schedule the operator (default true).</summary>
    public bool NotifyOnFrontier { get; set; } = true;

    internal OperatorCore<T> Core => _core;

    /// <summary>Adds an input reading <paramref name="stream"/>; it reaches every output with the identity summary.</summary>
    public InputPort<T, TData> NewInput<TData>(Stream<T, TData> stream, Pact<TData> pact) =>
        AddInput(stream, pact, null);

    /// <summary>
    /// Adds an input reading <paramref name="stream"/> with explicit path summaries to each
    /// output (<paramref name="summaries"/>[output]; an empty antichain means no path). Outputs
    /// beyond the array are unreachable from this input.
    /// </summary>
    public InputPort<T, TData> NewInput<TData>(Stream<T, TData> stream, Pact<TData> pact, Antichain<T>[] summaries)
    {
        ArgumentNullException.ThrowIfNull(summaries);
        return AddInput(stream, pact, summaries);
    }

    /// <summary>Adds an output; returns its port and the stream it produces.</summary>
    public (OutputPort<T, TData> Port, Stream<T, TData> Stream) NewOutput<TData>()
    {
        ThrowIfBuilt();
        int port = _core.AddOutput();
        var tee = new OutputTee<T, TData>(_scope.Worker.EmptyMessages<T, TData>());
        var stream = new Stream<T, TData>(_scope, Location.Source(Index, port), tee);
        return (new OutputPort<T, TData>(_core, port, tee), stream);
    }

    /// <summary>
    /// Finishes the operator. <paramref name="constructor"/> gets one capability per output at
    /// the minimum time and returns the logic run at each scheduling (or null for an operator
    /// that is driven from outside, like an input).
    /// </summary>
    public void Build(Func<Capability<T>[], Action?> constructor)
    {
        ArgumentNullException.ThrowIfNull(constructor);
        ThrowIfBuilt();
        _built = true;
        var traits = TimestampTraits<T>.Default;
        SetSummaries();
        var caps = new Capability<T>[_core.Outputs];
        for (int o = 0; o < caps.Length; o++)
        {
            // Not counted here: the scope starts every output at `peers`, one per worker.
            caps[o] = new Capability<T>(_core, o, _core.Internals[o], traits.Minimum);
        }

        _core.Logic = constructor(caps);
        _scope.AddOperator(_core);
    }

    /// <summary>
    /// Builds an operator that drops every capability it is given before it first runs (map,
    /// filter, inspect: timely's operators that only ever send at the times of the records they
    /// read): its outputs start holding none, where every worker's output started at one each,
    /// dropped at the first step. The same on every worker, as every worker builds the same
    /// dataflow, so the counts agree: the drop changed no frontier, since each output's input
    /// holds the same minimum until the upstream capabilities go. It saves what the drop cost:
    /// the capabilities and their array, the output's change batch's first room, the harvest and
    /// the progress the drop made (perf.md §4, the examples' levers, evbuild2: event_driven builds a thousand dataflows of
    /// ten maps in its timed part).
    /// </summary>
    internal void BuildWithoutCapabilities(Action logic)
    {
        ThrowIfBuilt();
        _built = true;
        SetSummaries();
        _core.HoldsCapabilities = false;
        _core.Logic = logic;
        _scope.AddOperator(_core);
    }

    // The summaries from each input to each output: the identity to every output unless given. The
    // common shape, one input reaching one output by the identity, is one table shared by every
    // such operator (read only: the scope's tracker and summaries read their elements and never
    // insert), where each operator made two arrays, an antichain and its array.
    private void SetSummaries()
    {
        var traits = TimestampTraits<T>.Default;
        if (_connections is null && _core.Inputs == 1 && _core.Outputs == 1)
        {
            _core.Summaries = OneIdentity.Table;
            _core.NotifyOnFrontier = NotifyOnFrontier;
            return;
        }

        var summaries = new Antichain<T>[_core.Inputs][];
        for (int i = 0; i < summaries.Length; i++)
        {
            var given = _connections is { } connections && i < connections.Length ? connections[i] : null;
            summaries[i] = new Antichain<T>[_core.Outputs];
            for (int o = 0; o < _core.Outputs; o++)
            {
                summaries[i][o] = given is null
                    ? new Antichain<T>(traits.IdentitySummary)
                    : o < given.Length ? given[o] : new Antichain<T>();
            }
        }

        _core.Summaries = summaries;
        _core.NotifyOnFrontier = NotifyOnFrontier;
    }

    /// <summary>Adds an input whose stream is connected later (a loop's feedback edge).</summary>
    internal InputPort<T, TData> NewUnconnectedInput<TData>(Antichain<T>[] summaries)
    {
        ThrowIfBuilt();
        Connect(summaries);
        return new InputPort<T, TData>(_core, _core.AddInput(), _scope.Worker.EmptyMessages<T, TData>());
    }

    private InputPort<T, TData> AddInput<TData>(Stream<T, TData> stream, Pact<TData> pact, Antichain<T>[]? summaries)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(pact);
        ThrowIfBuilt();
        if (!ReferenceEquals(stream.Scope, _scope))
        {
            throw new InvalidOperationException($"operator {Name}: the stream belongs to another dataflow");
        }

        Connect(summaries);
        int port = _core.AddInput();
        var input = new InputPort<T, TData>(_core, port, _scope.Worker.EmptyMessages<T, TData>());
        input.Connect(stream.ConnectTo(Index, port, pact));
        return input;
    }

    // One input to one output by the identity summary, shared (see SetSummaries); its antichain is
    // the scope summaries' shared identity, which nothing inserts into.
    private static class OneIdentity
    {
        public static readonly Antichain<T>[][] Table = [[Scopes.ScopeSummaries<T>.SharedIdentity]];
    }

    // Records the summaries of the input about to be added (the core's next input).
    private void Connect(Antichain<T>[]? summaries)
    {
        if (summaries is null)
        {
            return;
        }

        int input = _core.Inputs;
        if (_connections is null || _connections.Length <= input)
        {
            Array.Resize(ref _connections, input + 1);
        }

        _connections[input] = summaries;
    }

    private void ThrowIfBuilt()
    {
        if (_built)
        {
            throw new InvalidOperationException($"operator {Name} is already built");
        }
    }
}
