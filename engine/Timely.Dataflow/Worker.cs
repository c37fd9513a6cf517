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
    // queues) belong to the worker's thread; nothing here is shared, so no field is volatile
    // and nothing is locked. The only cross-thread paths are the allocator's channels, whose
    // own design comments give their publication order. Parking cannot strand work: a step
    // first flushes input handles (pipeline pushes mark operators active, exchange pushes are
    // in the channels), then asks every dataflow whether it has work, and only then calls
    // AwaitEvents, which re-checks every inbox (our own progress, sent to ourselves, is one)
    // before it sleeps and is woken by any later push to us. The one other cross-thread path is
    // Activations (a SyncActivator's queue and Allocator.Unpark; its design comment says why no
    // activation is lost), and a pending ActivateAfter bounds the park.
    private readonly List<IDataflowRuntime> _dataflows = new();
    private readonly Dictionary<int, (ActivationSet Scope, int Operator)> _channelOwners = new();
    private readonly Dictionary<Type, object> _messagePools = new();
    private int _nextChannel;
    private int _dataflowCount;
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
    public bool HasDataflows => _dataflows.Count > 0;

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
        var scope = new Scope<T>(this, _dataflowCount++);
        var result = build(scope);
        _dataflows.Add(scope.Seal(default(NoChildZero<T>)));
        return result;
    }

    /// <summary>Runs one round of every dataflow without waiting; returns <see cref="HasDataflows"/>.</summary>
    public bool Step() => StepOrPark(TimeSpan.Zero);

    /// <summary>
    /// Runs one round of every dataflow. When no operator is scheduled and nothing has
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

        foreach (var dataflow in _dataflows)
        {
            dataflow.FlushExternal();
        }

        Allocator.Receive();
        DrainEvents();
        Activations.Drain();
        if (timeout != TimeSpan.Zero && _dataflows.Count > 0 && !AnyWork())
        {
            DataflowLog.Park(this, timeout);
            Allocator.AwaitEvents(Activations.Bound(timeout));
            TimelyLogger?.Log(TimelyEvent.Unpark());
            Allocator.Receive();
            DrainEvents();
            Activations.Drain();
        }

        bool anyComplete = false;
        foreach (var dataflow in _dataflows)
        {
            dataflow.Step();
            anyComplete |= dataflow.IsComplete;
        }

        if (anyComplete)
        {
            _dataflows.RemoveAll(static d => d.IsComplete);
        }

        Allocator.Release();
        return _dataflows.Count > 0;
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
        foreach (var dataflow in _dataflows)
        {
            dataflow.CloseInputs();
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

    internal void RegisterChannel(int channelId, ActivationSet scope, int operatorIndex) =>
        _channelOwners.Add(channelId, (scope, operatorIndex));

    private bool AnyWork()
    {
        foreach (var dataflow in _dataflows)
        {
            if (dataflow.HasWork)
            {
                return true;
            }
        }

        return false;
    }

    private void DrainEvents()
    {
        var events = Allocator.Events;
        if (events.Count == 0)
        {
            return;
        }

        foreach (var id in events)
        {
            if (_channelOwners.TryGetValue(id, out var owner))
            {
                owner.Scope.Activate(owner.Operator);
            }
        }

        events.Clear();
    }
}
