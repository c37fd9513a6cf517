using System.Runtime.InteropServices;
using Timely.Dataflow.Diagnostics;
using Timely.Dataflow.Logging;
using Timely.Dataflow.Operators.Generic;
using Timely.Dataflow.Progress;
using Timely.Logging;

namespace Timely.Dataflow.Scheduling;

/// <summary>
/// Runs the operators of one built scope: those whose input frontier moved (if they asked to
/// hear of it) and those activated since the last step, in index order, each once per step
/// (timely's <c>Subgraph::schedule</c> loop over its active children). Operators without logic
/// (inputs) are driven from outside; the scheduler only flushes what they buffered.
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

    // The metric attributes of each operator, made the first time it is measured.
    private (KeyValuePair<string, object?>, KeyValuePair<string, object?>, KeyValuePair<string, object?>)?[]? _tags;

    public Scheduler(OperatorCore<T>[] operators, ActivationSet activations, Logger<TimelyEvent>? log)
    {
        _operators = operators;
        _external = Array.FindAll(operators, static op => op.Logic is null);
        _activations = activations;
        _log = log;
    }

    /// <summary>Sends what the operators driven from outside (input handles) have buffered.</summary>
    public void FlushExternal()
    {
        foreach (var op in _external)
        {
            op.FlushOutputs();
        }
    }

    /// <summary>Activates every operator whose input frontier moved in the last propagation and that asked to hear of it.</summary>
    public void ActivateOnFrontier(Tracker<T> tracker)
    {
        var changed = tracker.ChangedTargetNodes;
        if (changed.Count == 0)
        {
            return;
        }

        foreach (var node in CollectionsMarshal.AsSpan(changed))
        {
            var op = _operators[node];
            if (op.NotifyOnFrontier)
            {
                _log?.Log(TimelyEvent.PushProgress(op.LogId));
                _activations.Activate(node);
            }
        }

        tracker.ClearChangedTargetNodes();
    }

    /// <summary>
    /// Runs every scheduled operator once, in index order. An operator activated by one that runs
    /// before it (a pipeline push downstream) runs in this pass; one activated behind the pass
    /// waits for the next step.
    /// </summary>
    public void RunActive()
    {
        if (_activations.Count == 0)
        {
            return;
        }

        var operators = _operators;
        for (int i = 0; i < operators.Length; i++)
        {
            if (_activations.TryTake(i))
            {
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
