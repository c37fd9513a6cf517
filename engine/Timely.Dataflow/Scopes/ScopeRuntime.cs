using System.Diagnostics;
using Timely.Dataflow.Logging;
using Timely.Dataflow.Operators.Generic;
using Timely.Dataflow.Progress;
using Timely.Dataflow.Scheduling;
using Timely.Logging;

namespace Timely.Dataflow.Scopes;

/// <summary>
/// A built scope at run time, as its handle, its worker and the subgraphs nested in it see it:
/// the operators and edges, the reachability tracker over them, and the parts a step is made of
/// (a <see cref="Scheduler{T}"/>, a <see cref="ProgressHarvester{T}"/>, a
/// <see cref="ProgressBroadcaster{T}"/>). The step itself is
/// <see cref="ScopeRuntime{T, TChildZero}"/>'s, compiled for the scope's kind of child zero.
/// </summary>
/// <remarks>
/// <para>Progress protocol (eager, as timely's): after running operators, the worker harvests
/// what they consumed and produced and how their capabilities changed into one batch of
/// pointstamp updates and sends it to every worker, itself included. Each worker applies batches
/// whole and in order per sender to its tracker; operator input frontiers are the tracker's
/// implications. In demand mode a batch waits until it holds a decrement another worker could
/// observe.</para>
/// <para>A scope is complete when its tracker holds nothing, nothing waits to be sent, and every
/// scope nested in it has completed (timely's <c>incomplete</c> children: a nested scope whose
/// only outputs are captures or inspections holds no capability here while it runs).</para>
/// </remarks>
internal abstract class ScopeRuntime<T> : IDataflowRuntime
{
    // Design: owned by the worker thread that built the scope; every part below belongs to that
    // thread too, so nothing is volatile or locked. Other workers reach this scope only through
    // the broadcaster's channel (whose allocator orders each sender's batches) and the data
    // channels; other threads only through the worker's Activations queue. The runtime is built
    // once every operator is in place and never changes shape.
    private readonly Location[][][] _targets;
    private readonly IDisposable[] _inputs;
    private readonly ProgressMode _mode;
    private readonly Logger<TimelyEvent>? _log;
    private readonly int _logId;
    private int _incompleteChildren;

    private protected ScopeRuntime(Scope<T> scope, OperatorCore<T>[] operators, Location[][][] targets, Tracker<T> tracker, IDisposable[] inputs, int nestedScopes)
    {
        Operators = operators;
        Tracker = tracker;
        Activations = scope.Activations;
        Broadcaster = scope.Broadcaster;
        Broadcaster.Shape = tracker;   // updates from other workers are checked against this dataflow's ports
        _targets = targets;
        _inputs = inputs;
        _mode = scope.Mode;
        _log = scope.Logger;
        _logId = scope.LogId;
        _incompleteChildren = nestedScopes;
        Scheduler = new Scheduler<T>(operators, Activations, _log);
        Harvester = new ProgressHarvester<T>(operators, targets);
    }

    /// <summary>The operators, indexed by node.</summary>
    public OperatorCore<T>[] Operators { get; }

    /// <summary>Pointstamps and implications at every port of this scope.</summary>
    public Tracker<T> Tracker { get; }

    /// <summary>Gathers this worker's progress into the next batch; a nested scope's subgraph counts entering records here.</summary>
    public ProgressHarvester<T> Harvester { get; }

    /// <summary>Whether no capability or message of this scope remains on any worker.</summary>
    public bool IsComplete { get; private set; }

    /// <summary>Whether an operator is scheduled for the next step.</summary>
    public bool HasActiveOperators => Activations.Count > 0;

    /// <summary>Progress batches this worker has sent for this scope.</summary>
    public long ProgressBatchesSent => Broadcaster.Sent;

    private protected ActivationSet Activations { get; }

    private protected Scheduler<T> Scheduler { get; }

    private protected ProgressBroadcaster<T> Broadcaster { get; }

    /// <summary>The input ports that output <paramref name="port"/> of <paramref name="node"/> feeds.</summary>
    public Location[] TargetsOf(int node, int port) => _targets[node][port];

    /// <summary>A scope nested in this one has completed on this worker.</summary>
    public void NestedScopeCompleted()
    {
        Debug.Assert(_incompleteChildren > 0, "a nested scope completes once");
        _incompleteChildren--;
    }

    /// <summary>Receives progress, runs the scheduled operators, sends this worker's progress.</summary>
    public abstract void Step();

    /// <inheritdoc />
    public void CloseInputs()
    {
        foreach (var input in _inputs)
        {
            input.Dispose();
        }
    }

    /// <summary>Sends the harvested batch, unless demand mode may hold it because no other worker could see it yet.</summary>
    private protected void SendProgress()
    {
        var batch = Harvester.Batch;
        if (batch.IsEmpty)
        {
            return;
        }

        var updates = batch.Compacted();
        if (_mode == ProgressMode.Demand && !AnyGlobalDecrement(updates))
        {
            return;
        }

        Broadcaster.Send(updates);
        batch.Clear();
    }

    /// <summary>Marks the scope complete once nothing is tracked, held or running inside it.</summary>
    private protected void CompleteIfDone()
    {
        // Held (demand-mode) changes keep the scope alive even if the tracker is empty.
        if (!Tracker.TrackingAnything && Harvester.Batch.IsEmpty && _incompleteChildren == 0)
        {
            DataflowLog.Shutdown(_log, Operators.Select(o => o.LogId), _logId);
            IsComplete = true;
        }
    }

    private bool AnyGlobalDecrement(ReadOnlySpan<((Location Location, T Time) Item, long Diff)> updates)
    {
        foreach (var ((location, time), diff) in updates)
        {
            if (diff < 0 && Tracker.IsGlobal(location, time))
            {
                return true;
            }
        }

        return false;
    }
}
