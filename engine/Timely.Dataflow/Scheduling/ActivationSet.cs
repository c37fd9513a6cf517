using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Timely.Dataflow.Scheduling;

/// <summary>
/// The operators of one scope that are scheduled for its next step (timely's activations under
/// one path): one flag per operator and a count of the flags set, so that "is anything due" is a
/// field read and a step visits the flags only when something is.
/// </summary>
/// <remarks>
/// <para>A scope nested in another is one operator of its parent, so activating an operator
/// inside it activates that operator of the parent too, and so on up to the root: a parked worker
/// that a channel or an activator wakes for an inner operator then steps the dataflow, and the
/// parent's step runs the subgraph that runs the operator. A root scope is entry
/// <c>DataflowIndex</c> of its worker's set of dataflows (<see cref="ForDataflows"/>), so the walk
/// ends by marking the dataflow active and the worker steps only the dataflows so marked (timely's
/// activation paths, which start with the dataflow's index). That set's parent is
/// <see cref="Detached"/>, a set with no operators: activating it is a bound check that fails, so
/// the upward walk ends without a null test or a branch on the kind of scope.</para>
/// <para>A change that only a scope's harvest sees (a capability dropped or moved between steps)
/// activates no operator: <see cref="ScheduleHarvest"/> schedules the scope itself, unless a step
/// of the scope is running and has not harvested yet (<see cref="HarvestPending"/>).</para>
/// <para>Activations before the scope is built (<see cref="Open"/> sizes the flags) are ignored:
/// building activates every operator that has logic anyway.</para>
/// </remarks>
internal sealed class ActivationSet
{
    // Design: owned by the worker thread that built the scope; nothing here is volatile or
    // locked. Other threads never touch it: a SyncActivator queues (set, operator) in the
    // worker's Activations and the worker applies it when it drains that queue. Detached is the
    // one instance shared by every worker: it has no flags and nothing ever writes to it.
    private static readonly ActivationSet Detached = new();

    private readonly ActivationSet _parent;
    private readonly int _indexInParent;
    private bool[] _active = [];
    private int _count;

    private ActivationSet()
    {
        _parent = this;
    }

    private ActivationSet(ActivationSet parent, int indexInParent)
    {
        _parent = parent;
        _indexInParent = indexInParent;
    }

    /// <summary>How many operators are scheduled.</summary>
    public int Count => _count;

    /// <summary>A worker's set of dataflows: entry <c>i</c> is set while dataflow <c>i</c> has something to do.</summary>
    public static ActivationSet ForDataflows() => new(Detached, 0);

    /// <summary>The set of the root scope of dataflow <paramref name="dataflowIndex"/>, whose activations mark it in <paramref name="dataflows"/>.</summary>
    public static ActivationSet ForRoot(ActivationSet dataflows, int dataflowIndex) => new(dataflows, dataflowIndex);

    /// <summary>
    /// Whether a step of the scope is running and has not harvested its operators' progress yet:
    /// a capability change made meanwhile is harvested by that step, and an operator activated
    /// meanwhile is either run by it or reported to the parents when it ends
    /// (<see cref="EndStep"/>). The scope's step sets it.
    /// </summary>
    public bool HarvestPending { get; set; }

    /// <summary>The set of a scope that is operator <paramref name="indexInParent"/> of the scope that <paramref name="parent"/> schedules.</summary>
    public static ActivationSet ForChild(ActivationSet parent, int indexInParent) => new(parent, indexInParent);

    /// <summary>Sizes the set for <paramref name="operators"/> operators, once, when the scope is built.</summary>
    public void Open(int operators)
    {
        Debug.Assert(_active.Length == 0 && !ReferenceEquals(this, Detached), "a scope's activation set is opened once");
        _active = new bool[operators];
    }

    /// <summary>Worker's set of dataflows: makes room for entries up to <paramref name="count"/> (a new dataflow's index), keeping the flags set.</summary>
    public void Grow(int count)
    {
        Debug.Assert(ReferenceEquals(_parent, Detached) && !ReferenceEquals(this, Detached), "only a worker's set of dataflows grows");
        if (count > _active.Length)
        {
            Array.Resize(ref _active, Math.Max(count, _active.Length * 2));
        }
    }

    /// <summary>The first set flag at or after <paramref name="start"/>, or -1 (the worker's walk over its active dataflows).</summary>
    public int NextActive(int start)
    {
        if (_count == 0 || start >= _active.Length)
        {
            return -1;
        }

        int found = _active.AsSpan(start).IndexOf(true);
        return found < 0 ? -1 : start + found;
    }

    /// <summary>Schedules this scope itself for a step (timely's activation of a subgraph's own path): a nested scope is activated in its parent, a root scope in its worker's set of dataflows.</summary>
    public void ActivateScope() => _parent.Activate(_indexInParent);

    /// <summary>
    /// Something only the scope's harvest sees changed (a capability moved or dropped): schedules the
    /// scope, unless its running step will still harvest it (<see cref="HarvestPending"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void ScheduleHarvest()
    {
        if (!HarvestPending)
        {
            _parent.Activate(_indexInParent);
        }
    }

    /// <summary>
    /// Schedules operator <paramref name="index"/> (and, through the parents, the scopes around it) for
    /// the next step. While the scope's own step runs (<see cref="HarvestPending"/>) the parents
    /// hear of it only when the step ends with operators still due (<see cref="EndStep"/>).
    /// </summary>
    public void Activate(int index)
    {
        var active = _active;
        if ((uint)index < (uint)active.Length && !active[index])
        {
            active[index] = true;
            _count++;
            if (!HarvestPending)
            {
                _parent.Activate(_indexInParent);
            }
        }
    }

    /// <summary>
    /// Ends the scope's step (clears <see cref="HarvestPending"/>) and schedules the scope in its parent
    /// when operators are still due: one activated behind the step's passes, or one that ran and
    /// activated itself. An operator the step activates and then runs (its input frontier moved, a
    /// record was pushed to it) schedules nothing beyond the step, where each such activation marked
    /// the scope in its parent again: timely's subgraph keeps the activations its own propagation
    /// makes in a list of its own. On `event_driven 1000 10` that mark stepped each round's dataflow
    /// once more at the next round (three steps of a dataflow a round where timely takes two).
    /// </summary>
    public void EndStep()
    {
        HarvestPending = false;
        if (_count > 0)
        {
            _parent.Activate(_indexInParent);
        }
    }

    /// <summary>Clears operator <paramref name="index"/>'s flag; true when it was set (the operator is due).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryTake(int index)
    {
        var active = _active;
        if (!active[index])
        {
            return false;
        }

        active[index] = false;
        _count--;
        Debug.Assert(_count >= 0, "more flags cleared than set");
        return true;
    }
}
