using System.Runtime.InteropServices;
using Timely.Communication;
using Timely.Communication.Logging;
using Timely.Dataflow.Channels;
using Timely.Dataflow.Logging;
using Timely.Dataflow.Scheduling;
using Timely.Dataflow.Scopes;
using Timely.Logging;

namespace Timely.Dataflow;

/// <summary>
/// A worker: builds dataflows and steps them (timely's <c>Worker</c>). One per thread; all
/// workers must build the same dataflows in the same order, because channel ids are handed
/// out in construction order and must agree across workers.
/// </summary>
public sealed class Worker
{
    // Design: a worker and everything it builds (scopes, operators, trackers, pipeline
    // queues) belongs to the worker's thread; nothing here is shared, so no field is volatile
    // and nothing is locked. The only cross-thread paths are the allocator's channels, whose
    // own design comments give their publication order.
    //
    // A step runs only the dataflows marked in _active (timely's activations under the dataflow's
    // index), and parks only when none is marked. Parking cannot strand work, because every way a
    // dataflow gets work marks it before the step that looks: an operator's activation walks up its
    // scopes to the dataflow's mark (same-thread activators, pipeline pushes, frontier changes,
    // nested scopes); a channel event (data, or progress of any scope, our own included, since we
    // send progress to ourselves) activates the channel's owner through _channelOwners, and
    // AwaitEvents re-checks every inbox before it sleeps and is woken by any later push to us; an
    // input handle marks its operator when it first stages a record after a flush, and when it
    // sends, advances, flushes or closes; a capability moved or dropped outside its scope's step
    // (before that step's harvest) marks the scope (ActivationSet.ScheduleHarvest); a dataflow that
    // still has work after its step marks itself, as timely's subgraph does (an operator activated
    // again after it ran in the step, a nested scope that reported to its parent); a new dataflow
    // is marked when it is built. The one other cross-thread path is Activations (a SyncActivator's queue and
    // Allocator.Unpark; its design comment says why no activation is lost), drained before the
    // park decision, and a pending ActivateAfter bounds the park. Cancellation closes the inputs,
    // which marks their dataflows.
    //
    // A dataflow that completes is retired at once (Retire): its slot, its channels' owners and the
    // allocator's side of its channels go, so a worker that ran many dataflows keeps only what the
    // running ones hold. Its channels were recorded while it was built (every channel is registered
    // from inside a build) and go with it in its slot; a late event for one of them finds no owner
    // and is ignored.
    private readonly List<DataflowSlot?> _dataflows = new();
    private List<int>? _buildingChannels;
    private readonly ActivationSet _active = ActivationSet.ForDataflows();
    private readonly Dictionary<int, (ActivationSet Scope, int Operator)> _channelOwners = new();
    private readonly Dictionary<Type, object> _messagePools = new();
    private int _nextChannel;
    private int _live;
    private int _nextOperatorId;
    private int _nextLogChannel;

    // Cancellation (Execute.RunAsync): the token is set before the logic runs and read on this
    // thread only; the registration on it calls Allocator.Unpark, the one cross-thread effect.
    private CancellationToken _cancellation;
    private TimeSpan _stopTimeout = Config.DefaultStopTimeout;
    private long _stopDeadline;
    private List<Action>? _onCancel;
    private int _stepping;

    // Log streams are captured and replayed as LogRecords: their codec is in place before any worker runs.
    static Worker() => LogRecordCodec.EnsureRegistered();

    /// <summary>A worker over <paramref name="allocator"/>.</summary>
    public Worker(Allocator allocator)
    {
        ArgumentNullException.ThrowIfNull(allocator);
        Allocator = allocator;
        Activations = new Activations(allocator);
        Log.Changed += name => DataflowLog.OnRegistryChanged(this, name);
    }

    /// <summary>
    /// This worker's loggers (timely's <c>log_register</c>), timed from the worker's start:
    /// <c>"timely"</c> takes <see cref="TimelyEvent"/>s of the dataflows built after it is registered,
    /// <c>"timely/communication"</c> the allocator's <see cref="CommunicationEvent"/>s.
    /// </summary>
    public LogRegistry Log { get; } = new();

    /// <summary>The <c>"timely"</c> logger, or null (read once per dataflow when it is built).</summary>
    internal Logger<TimelyEvent>? TimelyLogger { get; set; }

    /// <summary>This worker's index in <c>0..Peers</c>.</summary>
    public int Index => Allocator.Index;

    /// <summary>Number of workers in the computation.</summary>
    public int Peers => Allocator.Peers;

    /// <summary>The communication layer this worker uses.</summary>
    public Allocator Allocator { get; }

    /// <summary>
    /// How dataflows built from now on report progress (default <see cref="ProgressMode.Eager"/>).
    /// The choice is local: each worker's sending rule is safe whatever the others do.
    /// </summary>
    public ProgressMode ProgressMode { get; set; } = ProgressMode.Eager;

    /// <summary>Activations from other threads and timers (see <see cref="Scheduling.Activations"/>).</summary>
    internal Activations Activations { get; }

    /// <summary>
    /// The run's cancellation (<see cref="Execute.RunAsync{TResult}(Config, Func{Worker, TResult}, CancellationToken)"/>;
    /// <see cref="CancellationToken.None"/> otherwise). Once it fires, the worker's next step
    /// closes every input and async source; a loop in the logic that feeds an input checks it
    /// (or lets the closed input's <see cref="OperationCanceledException"/> end it).
    /// </summary>
    public CancellationToken Cancellation => _cancellation;

    /// <summary>The thread this worker runs on: the one that made it.</summary>
    internal int OwnerThread { get; } = Environment.CurrentManagedThreadId;

    /// <summary>Whether this worker is inside a step (an operator runs, or a source waits by stepping): a bounded source does not wait then.</summary>
    internal bool IsStepping => _stepping != 0;

    /// <summary>Whether some dataflow still has capabilities or messages somewhere.</summary>
    public bool HasDataflows => _live > 0;

    /// <summary>The worker's set of dataflows with something to do; a root scope's activations end here.</summary>
    internal ActivationSet ActiveDataflows => _active;

    /// <summary>Dataflow steps taken so far (each step of each dataflow counts one): what tests count to see which dataflows ran.</summary>
    internal long DataflowSteps { get; private set; }

    /// <summary>
    /// Test model: when set, every step runs every dataflow, active or not (the rule before the
    /// worker tracked active dataflows), which must reach the same outputs and completion.
    /// </summary>
    internal bool StepEveryDataflow { get; set; }

    /// <summary>Builds a dataflow with timestamps <typeparamref name="T"/>.</summary>
    public void Dataflow<T>(Action<Scope<T>> build)
    {
        ArgumentNullException.ThrowIfNull(build);
        Dataflow<T, bool>(scope =>
        {
            build(scope);
            return true;
        });
    }

    /// <summary>Builds a dataflow with timestamps <typeparamref name="T"/> and returns what <paramref name="build"/> returns.</summary>
    public TResult Dataflow<T, TResult>(Func<Scope<T>, TResult> build)
    {
        ArgumentNullException.ThrowIfNull(build);
        int index = _dataflows.Count;
        _dataflows.Add(null);
        _active.Grow(index + 1);
        var outer = _buildingChannels;
        var channels = _buildingChannels = new List<int>();
        TResult result;
        try
        {
            var scope = new Scope<T>(this, index);
            result = build(scope);
            _dataflows[index] = new DataflowSlot(scope.Seal(default(NoChildZero<T>)), channels.ToArray());
        }
        finally
        {
            _buildingChannels = outer;
        }

        _live++;
        _active.Activate(index);   // its first step starts its operators and reports its initial progress
        return result;
    }

    /// <summary>
    /// Runs one round of every dataflow that has something to do (timely's <c>step</c>: one an
    /// operator, a channel, an input or a capability change activated) without waiting; returns
    /// <see cref="HasDataflows"/>.
    /// </summary>
    public bool Step() => StepOrPark(TimeSpan.Zero);

    /// <summary>
    /// Runs one round of every dataflow that has something to do. When none has and nothing has
    /// arrived, first parks until data arrives or <paramref name="timeout"/> passes
    /// (<c>null</c>: no limit). Returns <see cref="HasDataflows"/>.
    /// </summary>
    public bool StepOrPark(TimeSpan? timeout)
    {
        _stepping++;
        try
        {
            return StepOrParkOnce(timeout);
        }
        finally
        {
            _stepping--;
        }
    }

    private bool StepOrParkOnce(TimeSpan? timeout)
    {
        if (_cancellation.IsCancellationRequested)
        {
            timeout = StopOnCancel(timeout);
        }

        Allocator.Receive();
        DrainEvents();
        Activations.Drain();
        if (timeout != TimeSpan.Zero && _live > 0 && _active.Count == 0 && !StepEveryDataflow)
        {
            DataflowLog.Park(this, timeout);
            Allocator.AwaitEvents(Activations.Bound(timeout));
            TimelyLogger?.Log(TimelyEvent.Unpark());
            Allocator.Receive();
            DrainEvents();
            Activations.Drain();
        }

        if (StepEveryDataflow)
        {
            for (int i = 0; i < _dataflows.Count; i++)
            {
                _active.Activate(i);
            }
        }

        // In index order, as timely's sorted activations: a dataflow activated during the pass
        // runs in it when its index is ahead, else at the next step.
        for (int index = _active.NextActive(0); index >= 0; index = _active.NextActive(index + 1))
        {
            _active.TryTake(index);
            if (_dataflows[index] is not { Runtime: var dataflow })
            {
                continue;   // completed: a late event for one of its channels
            }

            DataflowSteps++;
            dataflow.Step();
            if (dataflow.IsComplete)
            {
                Retire(index);
            }
        }

        Allocator.Release();
        return _live > 0;
    }

    /// <summary>Steps while <paramref name="condition"/> holds (timely's <c>step_while</c>).</summary>
    public void StepWhile(Func<bool> condition)
    {
        ArgumentNullException.ThrowIfNull(condition);
        while (condition())
        {
            Step();
        }
    }

    /// <summary>
    /// Closes every input handle of every dataflow. <see cref="Execute"/> calls this when the
    /// worker's logic returns, as Rust drops the handles when the worker closure ends; without
    /// it a forgotten handle would keep its dataflow, and the run, alive forever.
    /// </summary>
    public void CloseInputs()
    {
        foreach (var slot in _dataflows)
        {
            slot?.Runtime.CloseInputs();
        }
    }

    /// <summary>Runs with <paramref name="cancellation"/>: see <see cref="Cancellation"/>.</summary>
    internal void SetCancellation(TimeSpan stopTimeout, CancellationToken cancellation)
    {
        _cancellation = cancellation;
        _stopTimeout = stopTimeout;
    }

    /// <summary>Worker thread: <paramref name="close"/> runs at the first step after the run is cancelled (an async source gives up its capability).</summary>
    internal void OnCancel(Action close) => (_onCancel ??= new()).Add(close);

    /// <summary>
    /// The run was cancelled: the first time, closes every input and async source (what is in
    /// flight still drains); once the stop timeout has passed since, gives up with an
    /// <see cref="OperationCanceledException"/>. Returns the park bound, cut to the deadline.
    /// </summary>
    private TimeSpan? StopOnCancel(TimeSpan? timeout)
    {
        long now = System.Diagnostics.Stopwatch.GetTimestamp();
        if (_stopDeadline == 0)
        {
            _stopDeadline = now + (long)(_stopTimeout.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
            CloseInputs();
            if (_onCancel is { } actions)
            {
                _onCancel = null;
                foreach (var close in actions)
                {
                    close();
                }
            }
        }
        else if (now >= _stopDeadline)
        {
            throw new OperationCanceledException(
                $"worker {Index}: the run was cancelled and its dataflows did not finish within the stop timeout ({_stopTimeout.TotalSeconds:0.###} s).",
                _cancellation);
        }

        var left = System.Diagnostics.Stopwatch.GetElapsedTime(now, _stopDeadline);
        return timeout is { } t && t < left ? t : left;
    }

    internal int NextChannelId() => _nextChannel++;

    internal int NextOperatorId() => _nextOperatorId++;

    internal int NextLogChannelId() => _nextLogChannel++;

    /// <summary>
    /// This worker's pool of empty messages at time type <typeparamref name="T"/> and record type
    /// <typeparamref name="TData"/>, shared by all its dataflows (looked up when a dataflow is built, not per message).
    /// </summary>
    internal MessagePool<T, TData> EmptyMessages<T, TData>()
    {
        if (!_messagePools.TryGetValue(typeof(MessagePool<T, TData>), out var pool))
        {
            pool = new MessagePool<T, TData>();
            _messagePools.Add(typeof(MessagePool<T, TData>), pool);
        }

        return (MessagePool<T, TData>)pool;
    }

    internal void RegisterChannel(int channelId, ActivationSet scope, int operatorIndex)
    {
        _channelOwners.Add(channelId, (scope, operatorIndex));
        (_buildingChannels ?? throw new InvalidOperationException("a channel is registered only while its dataflow is built")).Add(channelId);
    }

    /// <summary>Channels registered by dataflows that have not completed (what a test counts to see a completed dataflow gave its channels back).</summary>
    internal int ChannelCount => _channelOwners.Count;

    /// <summary>
    /// Dataflow <paramref name="index"/> completed on this worker: every count of its progress is
    /// zero here, so no peer holds a capability or a message in flight on its channels, and none
    /// will send on them again. Gives back what it held (timely removes a completed dataflow and
    /// its channels' paths; dropping its pullers frees the allocator's queues): the dataflow,
    /// its channels' owners and the allocator's side of each channel, and its probes' gauges.
    /// </summary>
    private void Retire(int index)
    {
        var channels = _dataflows[index]!.Channels;
        _dataflows[index] = null;
        _live--;
        foreach (int id in channels)
        {
            _channelOwners.Remove(id);
            Allocator.Deallocate(id);
        }

        Diagnostics.DataflowMetrics.ForgetDataflow(this, index);
    }

    private void DrainEvents()
    {
        var events = Allocator.Events;
        if (events.Count == 0)
        {
            return;
        }

        foreach (var id in CollectionsMarshal.AsSpan(events))
        {
            if (_channelOwners.TryGetValue(id, out var owner))
            {
                owner.Scope.Activate(owner.Operator);
            }
        }

        events.Clear();
    }

    /// <summary>A built dataflow and the channels it registered while it was built (given back when it completes).</summary>
    private sealed record DataflowSlot(IDataflowRuntime Runtime, int[] Channels);
}
