using Timely.Dataflow.Progress;
using Timely.Dataflow.Scheduling;

namespace Timely.Dataflow.Operators.Generic;

/// <summary>
/// What a scope knows about one operator: its ports, path summaries, the progress it
/// accumulates between steps (timely's <c>SharedProgress</c>), and the logic to run.
/// </summary>
internal sealed class OperatorCore<T>
{
    // Design: owned by the worker thread of its scope: operator logic writes the change batches and
    // the scope's harvester drains them, both on that thread between and during steps.
    //
    // The outputs to flush after the operator runs: the first in a field of the core, the others
    // (an operator with several outputs) in an array. They were delegates in a list: a flush of a
    // one-output operator loaded the list, its array and the delegate, three lines of a dataflow
    // not touched for a while (event_driven steps one of a thousand each round), before the port.
    private IOutputFlush? _flush;
    private IOutputFlush[] _moreFlushes = [];
    private MutableAntichain<T>[]? _frontiers;

    public OperatorCore(int index, string name, ActivationSet scope)
    {
        Index = index;
        Name = name;
        Scope = scope;
    }

    /// <summary>The activation set of the operator's scope: what schedules it, and its scope's harvest.</summary>
    public ActivationSet Scope { get; }

    public int Index { get; }

    public string Name { get; }

    /// <summary>The worker-unique id the operator's log events carry (timely's operator id).</summary>
    public int LogId { get; set; } = -1;

    /// <summary>The worker and dataflow the operator belongs to, for its metric attributes.</summary>
    public (int Worker, int Dataflow) Place { get; set; }

    /// <summary>The attributes of the operator's schedule-duration measurements.</summary>
    public (KeyValuePair<string, object?>, KeyValuePair<string, object?>, KeyValuePair<string, object?>) MetricTags() =>
        (new("timely.worker", Place.Worker), new("timely.dataflow", Place.Dataflow), new("timely.operator", $"{Name}#{Index}"));

    public int Inputs => Consumed.Length;

    public int Outputs => Internals.Length;

    // The three tables below are arrays that grow by one as each port is added: an operator has a
    // port or two, and a list per table was two objects (the list, and its array of four) where
    // this is one of the right length; building event_driven's dataflow of thirteen operators made
    // 78 such objects. Read only by index and in order, as the harvester reads them.

    /// <summary>Records consumed per input per time since the last harvest.</summary>
    public ChangeBatch<T>[] Consumed { get; private set; } = [];

    /// <summary>Capability changes per output since the last harvest.</summary>
    public ChangeBatch<T>[] Internals { get; private set; } = [];

    /// <summary>Records produced per output per time since the last harvest.</summary>
    public ChangeBatch<T>[] Produced { get; private set; } = [];

    /// <summary>[input][output] path summaries (set when built).</summary>
    public Antichain<T>[][] Summaries { get; set; } = [];

    /// <summary>
    /// Input frontiers: the tracker's implications at this operator's inputs, once the scope is
    /// sealed (none before). Made at the first ask: a total order's are views, objects only public
    /// code reads (an operator's input frontier, a notificator, a probe, a subgraph's boundary), and
    /// an operator that asks for none (a map) never has them; the scheduler asks the tracker itself
    /// (perf.md §4, the examples' levers, evbuild2: thirteen views and twelve arrays of each event_driven dataflow built).
    /// </summary>
    public MutableAntichain<T>[] Frontiers => _frontiers ?? MakeFrontiers();

    /// <summary>The tracker of the operator's scope, set when the scope is sealed.</summary>
    public Tracker<T>? Tracker { get; set; }

    /// <summary>Whether a change in an input frontier schedules the operator (the scheduler reads it once, when the scope is sealed).</summary>
    public bool NotifyOnFrontier { get; set; } = true;

    /// <summary>Whether the operator's outputs start holding a capability on every worker (false: built by <see cref="OperatorBuilder{T}.BuildWithoutCapabilities"/>).</summary>
    public bool HoldsCapabilities { get; set; } = true;

    /// <summary>The operator's logic, run when it is scheduled; null for operators driven from outside (inputs).</summary>
    public Action? Logic { get; set; }

    public int AddInput()
    {
        Consumed = [.. Consumed, new ChangeBatch<T>()];
        return Consumed.Length - 1;
    }

    public int AddOutput()
    {
        Internals = [.. Internals, new ChangeBatch<T>()];
        Produced = [.. Produced, new ChangeBatch<T>()];
        return Internals.Length - 1;
    }

    /// <summary>Has <paramref name="output"/> flushed after every run of the operator, after the outputs added before it.</summary>
    public void AddFlush(IOutputFlush output)
    {
        if (_flush is null)
        {
            _flush = output;
        }
        else
        {
            _moreFlushes = [.. _moreFlushes, output];
        }
    }

    private MutableAntichain<T>[] MakeFrontiers()
    {
        if (Tracker is not { } tracker)
        {
            return [];
        }

        var frontiers = new MutableAntichain<T>[Inputs];
        for (int i = 0; i < frontiers.Length; i++)
        {
            frontiers[i] = tracker.TargetImplications(Index, i);
        }

        _frontiers = frontiers;
        return frontiers;
    }

    public void FlushOutputs()
    {
        if (_flush is not { } first)
        {
            return;
        }

        first.FlushAndDone();
        foreach (var output in _moreFlushes)
        {
            output.FlushAndDone();
        }
    }
}
