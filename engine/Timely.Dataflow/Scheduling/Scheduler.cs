using System.Runtime.InteropServices;
using Timely.Dataflow.Diagnostics;
using Timely.Dataflow.Logging;
using Timely.Dataflow.Operators.Generic;
using Timely.Dataflow.Progress;
using Timely.Logging;

namespace Timely.Dataflow.Scheduling;

/// <summary>
/// Runs the operators of one built scope: those whose input frontier moved (if they asked to
/// hear of it) and those activated since the last step, in index order, each at most once per
/// step (timely's <c>Subgraph::schedule</c> loop over its active children), and in a second pass
/// those activated behind the first that have not run yet. Before the step applies progress, a
/// first pass runs the activated operators that do not ask to hear of frontier changes (see
/// <see cref="RunUnnotified"/>). Operators without logic (inputs) are driven from outside; the
/// scheduler only flushes what they buffered.
/// </summary>
internal sealed class Scheduler<T>
{
    // Design: owned by the worker thread that built the scope, like the ActivationSet it reads;
    // nothing is shared. The operators array is fixed when the scope is built, so the step's loop
    // is over an array with no null entries.
    private readonly OperatorCore<T>[] _operators;
    private readonly OperatorCore<T>[] _external;
    private readonly ActivationSet _activations;
    private readonly Logger<TimelyEvent>? _log;

    // Each operator's NotifyOnFrontier, copied when the scope is built (it is fixed by then): the
    // step reads it for each operator whose input frontier moved and, in the pass before progress,
    // for each one it looks at. One array of a scope's flags is a line or two, where reading the
    // flag from each operator's object was a cache miss per operator for a dataflow not stepped
    // for a while (callgrind of `event_driven 1000 10`: 18 of a round's 268 lines from beyond L2
    // were ActivateOnFrontier's).
    private readonly bool[] _notify;

    // The step (a count of BeginStep calls) in which each operator last ran.
    private readonly long[] _ranIn;
    private long _steps;

    // The metric attributes of each operator, made the first time it is measured.
    private (KeyValuePair<string, object?>, KeyValuePair<string, object?>, KeyValuePair<string, object?>)?[]? _tags;

    public Scheduler(OperatorCore<T>[] operators, ActivationSet activations, Logger<TimelyEvent>? log)
    {
        _operators = operators;
        _external = Array.FindAll(operators, static op => op.Logic is null);
        _activations = activations;
        _log = log;
        _ranIn = new long[operators.Length];
        _notify = Array.ConvertAll(operators, static op => op.NotifyOnFrontier);
    }

    /// <summary>Sends what the operators driven from outside (input handles) have buffered.</summary>
    public void FlushExternal()
    {
        foreach (var op in _external)
        {
            op.FlushOutputs();
        }
    }

    /// <summary>
    /// Activates every operator whose input frontier moved in the last propagation and that asked to
    /// hear of it, and every other one whose input frontiers all became empty (timely's
    /// <c>maybe_shutdown</c>): a scope of operators that ask for no frontier runs then, so it learns
    /// that its inputs closed and completes.
    /// </summary>
    public void ActivateOnFrontier(Tracker<T> tracker)
    {
        var changed = tracker.ChangedTargetNodes;
        if (changed.Count == 0)
        {
            return;
        }

        var notify = _notify;
        foreach (var node in CollectionsMarshal.AsSpan(changed))
        {
            if (notify[node] || tracker.InputsEmpty(node))
            {
                _log?.Log(TimelyEvent.PushProgress(_operators[node].LogId));
                _activations.Activate(node);
            }
        }

        tracker.ClearChangedTargetNodes();
    }


    /// <summary>Starts a step of the scope: from here to the next call each operator runs at most once.</summary>
    public void BeginStep() => _steps++;

    /// <summary>
    /// Runs, in index order, the scheduled operators that do not ask to hear of frontier changes,
    /// before the step takes in progress and propagates it: none of them waits for a frontier, so
    /// the propagation cannot change what they do in this step, and a record that arrived for them
    /// is deliverable whatever the frontier. The frontiers they could read are those of the last
    /// propagation, never ahead of the truth (the rule the second pass already relies on), and the
    /// step's one harvest counts what they did. This takes the propagation (and the progress
    /// batches' decoding) off a record's way through a worker whenever a batch arrives with the
    /// record: the receiving worker's pass otherwise waits for both before its operators start
    /// (perf.md §17, where a dataflow's pass goes: about 2 µs of a ping-pong's pass on a loaded host; on a
    /// quiet one the record usually arrives first and there is nothing to move).
    /// An operator activated during these passes by one of them runs here too when it asks for no
    /// frontier, else in <see cref="RunActive"/>'s passes after propagation; as there, a second pass
    /// takes those activated behind the first (a loop's way back: in a ping-pong the record crosses
    /// the feedback edge and the concat to the exchange before the progress is looked at).
    /// </summary>
    public void RunUnnotified() => TwoPasses(unnotifiedOnly: true);

    /// <summary>
    /// Runs every scheduled operator that has not run in this step yet, at most once, in index
    /// order. An operator activated by one that runs before it (a pipeline push downstream) runs in
    /// this pass; one activated behind the pass (a feedback edge, a loop's way back) runs in a
    /// second pass of the same step when it has not run in this step yet. One that has already run
    /// and is activated again (it activated itself, or data came back to it) waits for the next step.
    /// </summary>
    public void RunActive() => TwoPasses(unnotifiedOnly: false);

    private void TwoPasses(bool unnotifiedOnly)
    {
        if (_activations.Count == 0)
        {
            return;
        }

        long step = _steps;
        Sweep(step, unnotifiedOnly);
        if (_activations.Count > 0)
        {
            Sweep(step, unnotifiedOnly);
        }
    }

    // One pass over the operators in index order: runs each scheduled one that has not run in
    // step `step` yet. The second pass is what lets a record that crosses a feedback edge reach
    // the operators behind it (and the exchange that sends it on) in the step that received it,
    // so a loop's round on a worker is one step, one harvest and one progress message, and the
    // record leaves with that progress at the step's release, not a step later. It is safe
    // because an operator may run at any time: the frontiers it reads are those of the step's
    // start, which are never ahead of the truth, and the one harvest after both passes counts
    // what either pass produced and consumed. Running each operator at most once per step keeps
    // one that activates itself (a source with more to give, a budgeted operator) from running
    // more often than before and from starving the others.
    private void Sweep(long step, bool unnotifiedOnly)
    {
        var operators = _operators;
        var ranIn = _ranIn;
        var notify = _notify;
        for (int i = 0; i < operators.Length; i++)
        {
            if (ranIn[i] != step && !(unnotifiedOnly && notify[i]) && _activations.TryTake(i))
            {
                ranIn[i] = step;
                var op = operators[i];
                _log?.Log(TimelyEvent.Schedule(op.LogId, start: true));
                if (DataflowMetrics.ScheduleDuration.Enabled)
                {
                    RunMeasured(op);
                }
                else
                {
                    op.Logic?.Invoke();
                    op.FlushOutputs();
                }

                _log?.Log(TimelyEvent.Schedule(op.LogId, start: false));
            }
        }
    }

    /// <summary>Runs an operator and records its run time (a listener is on the schedule-duration histogram).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private void RunMeasured(OperatorCore<T> op)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        op.Logic?.Invoke();
        op.FlushOutputs();
        var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(start);
        _tags ??= new (KeyValuePair<string, object?>, KeyValuePair<string, object?>, KeyValuePair<string, object?>)?[_operators.Length];
        var tags = _tags[op.Index] ??= op.MetricTags();
        DataflowMetrics.ScheduleDuration.Record(elapsed.TotalSeconds, tags.Item1, tags.Item2, tags.Item3);
    }
}
