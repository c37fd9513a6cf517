using Timely.Communication;
using Timely.Dataflow.Channels;
using Timely.Dataflow.Logging;
using Timely.Dataflow.Operators.Generic;
using Timely.Dataflow.Progress;
using Timely.Dataflow.Scheduling;
using Timely.Dataflow.Timestamps;

namespace Timely.Dataflow;

/// <summary>
/// One dataflow on one worker: the graph of operators being built, then the runtime that
/// schedules them and tracks progress (timely's root <c>Child</c> scope and its
/// <c>Subgraph</c> in one). Operators are added with <see cref="OperatorBuilder{T}"/> or the
/// extension methods in <c>Timely.Dataflow.Operators</c>.
/// </summary>
/// <remarks>
/// <para>Progress protocol (eager, as timely's): after scheduling operators, the worker
/// gathers what they consumed and produced and how their capabilities changed into one
/// batch of pointstamp updates and sends it to every worker, itself included. Each worker
/// applies batches whole and in order per sender (checked by sequence number) to its
/// <see cref="Tracker{T}"/>; operator input frontiers are the tracker's implications.
/// A producer's +count travels in the same batch as the capability that allowed it, so a
/// worker that has not yet seen a batch still sees the older capability: every view is
/// conservative.</para>
/// <para>Not thread-safe: a scope belongs to its worker's thread.</para>
/// </remarks>
public sealed partial class Scope<T> : IDataflowRuntime
{
    // Design: owned by one worker thread (see Worker). Progress leaves through one pusher per
    // worker and arrives through one puller; the allocator keeps each sender's messages in
    // order, and ReceiveProgress checks the sequence number per sender so that a reordering
    // transport fails loudly instead of letting a frontier advance early. Messages are
    // recycled: the last one sent to each worker comes back through the push slot.
    private readonly List<OperatorCore<T>?> _operators = new();
    private readonly List<(Location Source, Location Target)> _edges = new();
    private readonly List<OperatorCore<T>> _external = new();
    private readonly List<IDisposable> _inputs = new();
    private readonly IPush<ProgressMessage<T>>[] _progressOut;
    private readonly IPull<ProgressMessage<T>> _progressIn;
    private readonly ProgressMessage<T>?[] _spare;
    private readonly long[] _expectedSequence;
    private readonly ChangeBatch<(Location Location, T Time)> _batch = new();
    private Tracker<T>? _tracker;
    private Location[][][] _targetsOf = [];
    private bool[] _active = [];
    private int _activeCount;
    private long _sequence;
    private bool _complete;
    private readonly ProgressMode _mode;
    private readonly Timely.Logging.Logger<TimelyEvent>? _log;
    private readonly int _logId;

    internal Scope(Worker worker, int index)
    {
        Worker = worker;
        DataflowIndex = index;
        ActivateAction = Activate;
        _mode = worker.ProgressMode;
        int id = _progressChannel = worker.NextChannelId();
        _log = worker.TimelyLogger;
        _logId = DataflowLog.Operates(_log, worker, [index], "Dataflow");
        DataflowCodecs.EnsureProgress<T>();
        (_progressOut, _progressIn) = worker.Allocator.Allocate<ProgressMessage<T>>(id);
        _spare = new ProgressMessage<T>?[worker.Peers];
        _expectedSequence = new long[worker.Peers];
    }

    /// <summary>The worker running this dataflow.</summary>
    public Worker Worker { get; }

    /// <summary>This dataflow's index among the worker's dataflows (the same on every worker).</summary>
    public int DataflowIndex { get; }

    /// <summary>The worker's index.</summary>
    public int Index => Worker.Index;

    /// <summary>Number of workers.</summary>
    public int Peers => Worker.Peers;

    /// <summary>Whether the dataflow has been built (operators can no longer be added).</summary>
    public bool IsSealed => _tracker is not null;

    /// <summary>Whether no capability or message of this dataflow remains on any worker.</summary>
    public bool IsComplete => _complete;

    bool IDataflowRuntime.HasWork
    {
        get
        {
            if (_activeCount > 0)
            {
                return true;
            }

            foreach (var op in _external)
            {
                foreach (var batch in op.Internals)
                {
                    if (!batch.IsEmpty)
                    {
                        return true;
                    }
                }

                foreach (var batch in op.Produced)
                {
                    if (!batch.IsEmpty)
                    {
                        return true;
                    }
                }
            }

            return false;
        }
    }

    internal Action<int> ActivateAction { get; }

    /// <summary>The dataflow's <c>"timely"</c> logger, fetched when it was created; null when not logging.</summary>
    internal Timely.Logging.Logger<TimelyEvent>? Logger => _log;

    /// <summary>Progress batches this worker has sent for this dataflow.</summary>
    internal long ProgressBatchesSent => _sequence;

    internal Tracker<T> Tracker => _tracker ?? throw new InvalidOperationException("the dataflow is still being built");

    /// <summary>Schedules operator <paramref name="operatorIndex"/> at the next step (timely's activation).</summary>
    public void Activate(int operatorIndex)
    {
        if ((uint)operatorIndex < (uint)_active.Length && !_active[operatorIndex])
        {
            _active[operatorIndex] = true;
            _activeCount++;
            _parentActivation?.Invoke();
        }
    }

    /// <summary>The frontier at input <paramref name="port"/> of operator <paramref name="operatorIndex"/>.</summary>
    public MutableAntichain<T> InputFrontier(int operatorIndex, int port) => Tracker.TargetImplications(operatorIndex, port);

    /// <summary>Remembers an input handle so that it is closed when the worker's logic returns.</summary>
    internal void AddInputHandle(IDisposable handle) => _inputs.Add(handle);

    /// <summary>Closes every input handle of this dataflow (Rust drops them when the worker closure ends).</summary>
    internal void CloseInputs()
    {
        foreach (var input in _inputs)
        {
            input.Dispose();
        }
    }

    internal int ReserveOperator()
    {
        ThrowIfSealed();
        _operators.Add(null);
        return _operators.Count - 1;
    }

    internal void AddOperator(OperatorCore<T> core)
    {
        ThrowIfSealed();
        core.LogId = DataflowLog.Operates(_log, Worker, [DataflowIndex, core.Index], core.Name);
        _operators[core.Index] = core;
    }

    internal void AddEdge(Location source, Location target)
    {
        ThrowIfSealed();
        _edges.Add((source, target));
    }

    /// <summary>Builds progress tracking once every operator is in place; called by the worker.</summary>
    internal void Seal()
    {
        ThrowIfSealed();
        var builder = new ReachabilityBuilder<T>();
        var ops = new OperatorCore<T>[_operators.Count];
        for (int i = 0; i < ops.Length; i++)
        {
            ops[i] = _operators[i] ?? throw new InvalidOperationException($"operator {i} was started but never built");
            builder.AddNode(i, ops[i].Inputs, ops[i].Outputs, ops[i].Summaries);
        }

        var targets = new List<Location>[ops.Length][];
        for (int i = 0; i < ops.Length; i++)
        {
            targets[i] = new List<Location>[ops[i].Outputs];
            for (int o = 0; o < targets[i].Length; o++)
            {
                targets[i][o] = new List<Location>();
            }
        }

        foreach (var (source, target) in _edges)
        {
            builder.AddEdge(source, target);
            targets[source.Node][source.Port].Add(target);
        }

        var tracker = builder.Build();
        tracker.RecordPointstampChanges = _subgraph is not null;
        _targetsOf = targets.Select(node => node.Select(list => list.ToArray()).ToArray()).ToArray();
        _operators.Clear();
        _operators.AddRange(ops);
        _active = new bool[ops.Length];

        // Every worker's every operator starts holding one capability per output at the
        // minimum time, so each output starts at `peers`; the drops arrive as progress.
        var minimum = TimestampTraits<T>.Default.Minimum;
        foreach (var op in ops)
        {
            var frontiers = new MutableAntichain<T>[op.Inputs];
            for (int i = 0; i < frontiers.Length; i++)
            {
                frontiers[i] = tracker.TargetImplications(op.Index, i);
            }

            op.Frontiers = frontiers;
            for (int o = 0; o < op.Outputs; o++)
            {
                tracker.UpdateSource(op.Index, o, minimum, InitialCapabilities(op));
            }

            if (op.Logic is null)
            {
                _external.Add(op);
            }
            else
            {
                Activate(op.Index);
            }
        }

        tracker.RecordPushedChanges = false;
        tracker.PropagateAll();
        tracker.ClearChangedTargetNodes();
        _tracker = tracker;
    }

    void IDataflowRuntime.CloseInputs() => CloseInputs();

    void IDataflowRuntime.FlushExternal()
    {
        foreach (var op in _external)
        {
            op.FlushOutputs();
        }
    }

    void IDataflowRuntime.Step()
    {
        if (_complete)
        {
            return;
        }

        var tracker = Tracker;
        ((IDataflowRuntime)this).FlushExternal();
        ReceiveProgress(tracker);
        tracker.PropagateAll();
        var changed = tracker.ChangedTargetNodes;
        if (changed.Count > 0)
        {
            foreach (var node in changed)
            {
                if (_operators[node]!.NotifyOnFrontier)
                {
                    _log?.Log(TimelyEvent.PushProgress(_operators[node]!.LogId));
                    Activate(node);
                }
            }

            tracker.ClearChangedTargetNodes();
        }

        if (_activeCount > 0)
        {
            for (int i = 0; i < _active.Length; i++)
            {
                if (_active[i])
                {
                    _active[i] = false;
                    _activeCount--;
                    var op = _operators[i]!;
                    _log?.Log(TimelyEvent.Schedule(op.LogId, start: true));
                    op.Logic?.Invoke();
                    op.FlushOutputs();
                    _log?.Log(TimelyEvent.Schedule(op.LogId, start: false));
                }
            }
        }

        Harvest();
        SendProgress(tracker);

        // Held (demand-mode) changes keep the dataflow alive even if the tracker is empty.
        // A nested scope may hold nothing in this tracker (no outputs) while it still runs.
        if (!tracker.TrackingAnything && _batch.IsEmpty && _liveSubgraphs == 0)
        {
            DataflowLog.Shutdown(_log, _operators.Select(o => o!.LogId), _logId);
            _complete = true;
        }
    }

    private void ReceiveProgress(Tracker<T> tracker)
    {
        while (true)
        {
            ref var slot = ref _progressIn.Pull();
            var message = slot;
            if (message is null)
            {
                return;
            }

            int source = message.Source;
            if (message.Sequence != _expectedSequence[source])
            {
                throw new InvalidOperationException(
                    $"dataflow {DataflowIndex}: progress from worker {source} arrived out of order (sequence {message.Sequence}, expected {_expectedSequence[source]})");
            }

            _expectedSequence[source]++;
            _log?.Log(TimelyEvent.Progress(false, source, _progressChannel, message.Sequence, message.Updates.Count));
            foreach (var (location, time, diff) in message.Updates)
            {
                if (location.Node == 0 && _subgraph is not null)
                {
                    _subgraph.Intercept(location, time, diff);   // the boundary: reported to the parent
                }
                else
                {
                    tracker.Update(location, time, diff);
                }
            }
        }
    }

    private void Harvest()
    {
        foreach (var op in _operators)
        {
            for (int i = 0; i < op!.Consumed.Count; i++)
            {
                var consumed = op.Consumed[i];
                if (consumed.IsEmpty)
                {
                    continue;
                }

                var target = Location.Target(op.Index, i);
                foreach (var (time, count) in consumed.Compacted())
                {
                    _batch.Update((target, time), -count);
                }

                consumed.Clear();
            }

            for (int o = 0; o < op.Internals.Count; o++)
            {
                var internals = op.Internals[o];
                if (!internals.IsEmpty)
                {
                    var source = Location.Source(op.Index, o);
                    foreach (var (time, diff) in internals.Compacted())
                    {
                        _batch.Update((source, time), diff);
                    }

                    internals.Clear();
                }

                var produced = op.Produced[o];
                if (!produced.IsEmpty)
                {
                    foreach (var target in _targetsOf[op.Index][o])
                    {
                        foreach (var (time, count) in produced.Compacted())
                        {
                            _batch.Update((target, time), count);
                        }
                    }

                    produced.Clear();
                }
            }
        }
    }

    private void SendProgress(Tracker<T> tracker)
    {
        if (_batch.IsEmpty)
        {
            return;
        }

        var updates = _batch.Compacted();
        if (_mode == ProgressMode.Demand && !AnyGlobalDecrement(tracker, updates))
        {
            return;
        }

        for (int w = 0; w < _progressOut.Length; w++)
        {
            var message = _spare[w] ?? new ProgressMessage<T>();
            message.Source = Worker.Index;
            message.Sequence = _sequence;
            var list = message.Updates;
            list.Clear();
            foreach (var ((location, time), diff) in updates)
            {
                list.Add((location, time, diff));
            }

            _progressOut[w].Push(ref message);
            _spare[w] = message;
        }

        _log?.Log(TimelyEvent.Progress(true, Worker.Index, _progressChannel, _sequence, updates.Length));
        _sequence++;
        _batch.Clear();
    }

    private static bool AnyGlobalDecrement(Tracker<T> tracker, ReadOnlySpan<((Location Location, T Time) Item, long Diff)> updates)
    {
        foreach (var ((location, time), diff) in updates)
        {
            if (diff < 0 && tracker.IsGlobal(location, time))
            {
                return true;
            }
        }

        return false;
    }

    private void ThrowIfSealed()
    {
        if (_tracker is not null)
        {
            throw new InvalidOperationException("the dataflow is built; operators and edges can no longer be added");
        }
    }
}
