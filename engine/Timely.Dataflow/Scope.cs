using Timely.Dataflow.Logging;
using Timely.Dataflow.Operators.Generic;
using Timely.Dataflow.Progress;
using Timely.Dataflow.Scheduling;
using Timely.Dataflow.Scopes;

namespace Timely.Dataflow;

/// <summary>
/// One scope of a dataflow on one worker: the handle operators are built in and bind to. A
/// dataflow's root scope and every scope nested in it (<c>Iterative</c>, <c>Region</c>,
/// <c>Scoped</c>) are scopes alike. Operators are added with <see cref="OperatorBuilder{T}"/> or
/// the extension methods in <c>Timely.Dataflow.Operators</c>.
/// </summary>
/// <remarks>
/// <para>The work is split as timely splits it: a <c>SubgraphBuilder</c> holds the graph
/// while it is built and, once every operator is in place, produces the scope's
/// <c>ScopeRuntime</c>, whose step is made of an <c>ActivationSet</c> and a
/// <c>Scheduler</c> (what runs), a <c>ProgressHarvester</c> (what the
/// operators did) and a <c>ProgressBroadcaster</c> (telling every worker). The handle
/// keeps the activation set and the broadcaster from the start, because channels and nested scopes
/// built before the runtime exists already point at them.</para>
/// <para>A nested scope differs from a root scope only in what it is given when it is made: its
/// activation set reports to its parent's, its progress is eager, and it is built with a child
/// zero, node 0, that stands for the scope around it.</para>
/// <para>Not thread-safe: a scope belongs to its worker's thread.</para>
/// </remarks>
public sealed class Scope<T>
{
    // Design: owned by one worker thread (see Worker): built on it by the dataflow closure, then
    // stepped on it. The builder lives until the scope is built and the runtime from then on;
    // which of the two is set is the scope's state, so no other flag is kept.
    private SubgraphBuilder<T>? _builder = new();
    private ScopeRuntime<T>? _runtime;

    /// <summary>The root scope of dataflow <paramref name="index"/> of <paramref name="worker"/>.</summary>
    internal Scope(Worker worker, int index)
        : this(worker, index, ActivationSet.ForRoot(worker.ActiveDataflows, index), worker.ProgressMode, subgraph: null)
    {
        // Progress from any worker (this one included) is work for the dataflow: it must step it.
        // A nested scope's progress channel schedules its subgraph instead (Subgraph.Seal).
        worker.RegisterChannel(ProgressChannel, worker.ActiveDataflows, index);
    }

    /// <summary>
    /// A scope nested in another of dataflow <paramref name="dataflowIndex"/>, driven by
    /// <paramref name="subgraph"/>, which is operator <paramref name="indexInParent"/> of the
    /// scope that <paramref name="parent"/> schedules.
    /// </summary>
    internal Scope(Worker worker, int dataflowIndex, object subgraph, ActivationSet parent, int indexInParent)
        // Eager inside: the demand rule would have to know which boundary updates the parent waits for.
        : this(worker, dataflowIndex, ActivationSet.ForChild(parent, indexInParent), ProgressMode.Eager, subgraph)
    {
    }

    private Scope(Worker worker, int dataflowIndex, ActivationSet activations, ProgressMode mode, object? subgraph)
    {
        Worker = worker;
        DataflowIndex = dataflowIndex;
        Activations = activations;
        Mode = mode;
        Subgraph = subgraph;
        Logger = worker.TimelyLogger;
        int channel = worker.NextChannelId();
        LogId = DataflowLog.Operates(Logger, worker, [dataflowIndex], "Dataflow");
        Broadcaster = new ProgressBroadcaster<T>(worker.Allocator, channel, dataflowIndex, Logger);
    }

    /// <summary>The worker running this dataflow.</summary>
    public Worker Worker { get; }

    /// <summary>The latest time an input of this scope moved to, for the probe-lag metric.</summary>
    internal Diagnostics.LatestInputTime<T> LatestInputTime { get; } = new();

    /// <summary>This dataflow's index among the worker's dataflows (the same on every worker).</summary>
    public int DataflowIndex { get; }

    /// <summary>The worker's index.</summary>
    public int Index => Worker.Index;

    /// <summary>Number of workers.</summary>
    public int Peers => Worker.Peers;

    /// <summary>Whether the dataflow has been built (operators can no longer be added).</summary>
    public bool IsSealed => _runtime is not null;

    /// <summary>Whether no capability or message of this dataflow remains on any worker.</summary>
    public bool IsComplete => _runtime is { IsComplete: true };

    /// <summary>Whether this scope is nested in another (then node 0 is its boundary).</summary>
    public bool IsNested => Subgraph is not null;

    /// <summary>The <c>Subgraph&lt;TOuter, T&gt;</c> that drives this scope; null at the root.</summary>
    internal object? Subgraph { get; }

    /// <summary>Which operators of this scope are scheduled; channels into them activate them here.</summary>
    internal ActivationSet Activations { get; }

    /// <summary>How this scope reports progress.</summary>
    internal ProgressMode Mode { get; }

    /// <summary>The dataflow's <c>"timely"</c> logger, fetched when the scope was created; null when not logging.</summary>
    internal Timely.Logging.Logger<TimelyEvent>? Logger { get; }

    /// <summary>The id of the scope's own <c>Operates</c> event.</summary>
    internal int LogId { get; }

    /// <summary>Exchanges this scope's progress with every worker.</summary>
    internal ProgressBroadcaster<T> Broadcaster { get; }

    /// <summary>The channel that carries this scope's progress among workers.</summary>
    internal int ProgressChannel => Broadcaster.Channel;

    /// <summary>Progress batches this worker has sent for this dataflow.</summary>
    internal long ProgressBatchesSent => Broadcaster.Sent;

    /// <summary>The scope at run time.</summary>
    internal ScopeRuntime<T> Runtime => _runtime ?? throw new InvalidOperationException("the dataflow is still being built");

    private SubgraphBuilder<T> Builder => _builder ?? throw new InvalidOperationException("the dataflow is built; operators and edges can no longer be added");

    /// <summary>Schedules operator <paramref name="operatorIndex"/> at the next step (timely's activation).</summary>
    public void Activate(int operatorIndex) => Activations.Activate(operatorIndex);

    /// <summary>The frontier at input <paramref name="port"/> of operator <paramref name="operatorIndex"/>.</summary>
    public MutableAntichain<T> InputFrontier(int operatorIndex, int port) => Runtime.Tracker.TargetImplications(operatorIndex, port);

    /// <summary>Remembers an input handle so that it is closed when the worker's logic returns.</summary>
    internal void AddInputHandle(IDisposable handle) => Builder.AddInputHandle(handle);

    internal int ReserveOperator() => Builder.ReserveOperator();

    internal void AddOperator(OperatorCore<T> core)
    {
        var builder = Builder;
        core.LogId = DataflowLog.Operates(Logger, Worker, [DataflowIndex, core.Index], core.Name);
        core.Place = (Worker.Index, DataflowIndex);
        builder.AddOperator(core);
    }

    /// <summary>Installs child zero of a nested scope, at the index reserved for it first.</summary>
    internal void AddChildZero(OperatorCore<T> boundary) => Builder.AddOperator(boundary);

    internal void AddEdge(Location source, Location target) => Builder.AddEdge(source, target);

    /// <summary>Counts a scope nested in this one as running until it reports that it completed.</summary>
    internal void AddNestedScope() => Builder.AddNestedScope();

    /// <summary>
    /// Builds the scope once every operator is in place: progress tracking (refusing a cycle that
    /// does not advance time) and the runtime, with <paramref name="childZero"/> as its child zero.
    /// </summary>
    internal ScopeRuntime<T, TChildZero> Seal<TChildZero>(TChildZero childZero)
        where TChildZero : struct, IChildZero<T>
    {
        var runtime = Builder.Build(childZero, this);
        _runtime = runtime;
        _builder = null;
        return runtime;
    }
}
