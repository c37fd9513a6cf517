using System.Runtime.InteropServices;
using Timely.Dataflow.Operators.Generic;
using Timely.Dataflow.Progress;
using Timely.Dataflow.Timestamps;

namespace Timely.Dataflow.Scopes;

/// <summary>
/// The runtime of a scope whose child zero is <typeparamref name="TChildZero"/>: sets the operators
/// going when the scope is built and runs its step (timely's <c>Subgraph::schedule</c>).
/// </summary>
/// <remarks>
/// <para>A step: flush input handles; run the scheduled operators that ask for no frontier (a
/// record's way through the worker does not wait for progress); apply the progress batches that
/// arrived (updates at child zero go to the parent instead); propagate; schedule the operators
/// whose input frontier moved; run the scheduled operators that have not run in this step;
/// harvest what they did; send it; check for completion.</para>
/// <para><typeparamref name="TChildZero"/> is a struct, so this class is compiled once for the root
/// (<see cref="NoChildZero{T}"/>: the child-zero test is the constant false and disappears) and
/// once per nested kind (<see cref="ChildZero{TOuter, TInner}"/>: a compare with 0 and a direct
/// call). Root and nested scopes share every line here and branch on nothing to tell them apart.</para>
/// </remarks>
internal sealed class ScopeRuntime<T, TChildZero> : ScopeRuntime<T>
    where TChildZero : struct, IChildZero<T>
{
    // Design: owned by the worker thread that built the scope, like its base. _childZero is a
    // readonly struct field, so calls on it are direct and copy nothing.
    private readonly TChildZero _childZero;

    public ScopeRuntime(TChildZero childZero, Scope<T> scope, OperatorCore<T>[] operators, Location[][][] targets, Tracker<T> tracker, IDisposable[] inputs, int nestedScopes)
        : base(scope, operators, targets, tracker, inputs, nestedScopes)
    {
        _childZero = childZero;
        Activations.Open(operators.Length);

        // Every worker's every operator starts holding one capability per output at the minimum
        // time, so each output starts at `peers`; the drops arrive as progress. Child zero's
        // outputs hold the parent's frontier instead, which the subgraph accepts from its first run.
        var minimum = TimestampTraits<T>.Default.Minimum;
        long initial = scope.Peers;
        foreach (var op in operators)
        {
            op.Tracker = tracker;
            long capabilities = childZero.IsChildZero(op.Index) || !op.HoldsCapabilities ? 0 : initial;
            for (int o = 0; o < op.Outputs; o++)
            {
                tracker.UpdateSource(op.Index, o, minimum, capabilities);
            }

            if (op.Logic is not null)
            {
                Activations.Activate(op.Index);
            }
        }

        tracker.RecordPushedChanges = false;
        tracker.PropagateAll();
        tracker.ClearChangedTargetNodes();
    }

    /// <inheritdoc />
    public override void Step()
    {
        if (IsComplete)
        {
            return;
        }

        var tracker = Tracker;

        // From here to the harvest, a capability change needs no activation: this step takes it.
        Activations.HarvestPending = true;
        try
        {
            Scheduler.FlushExternal();
            Scheduler.BeginStep();
            Scheduler.RunUnnotified();
            while (Broadcaster.TryReceive(out var updates))
            {
                foreach (var (location, time, diff) in CollectionsMarshal.AsSpan(updates))
                {
                    if (_childZero.IsChildZero(location.Node))
                    {
                        _childZero.Intercept(location, time, diff);
                    }
                    else
                    {
                        tracker.Update(location, time, diff);
                    }
                }
            }

            tracker.PropagateAll();
            Scheduler.ActivateOnFrontier(tracker);
            Scheduler.RunActive();
            Harvester.Harvest();
        }
        finally
        {
            Activations.EndStep();
        }

        SendProgress();
        CompleteIfDone();
    }
}
