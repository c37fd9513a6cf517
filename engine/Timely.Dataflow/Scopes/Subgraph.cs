using System.Diagnostics;
using System.Runtime.InteropServices;
using Timely.Dataflow.Channels;
using Timely.Dataflow.Operators.Generic;
using Timely.Dataflow.Progress;
using Timely.Dataflow.Timestamps;

namespace Timely.Dataflow.Scopes;

/// <summary>
/// A nested scope seen from its parent: one operator of the parent (timely's <c>Subgraph</c> as an
/// <c>Operate</c>), whose inputs are the streams that enter and whose outputs the streams that
/// leave, with internal summaries derived from the inner graph.
/// </summary>
/// <remarks>
/// <para>Design (timely's non-local child): what the subgraph reports to its parent it has learned
/// from the inner progress exchange, which every worker sees whole, so it is applied straight to
/// the parent's tracker on this worker and never exchanged again in the parent. Each run:</para>
/// <list type="number">
/// <item>Accept the parent's input frontiers: changes become pointstamps at the boundary's outputs
/// (re-timed to the inner time). They constrain what inner operators may see.</item>
/// <item>Move entering records inside, counting them in this worker's next inner progress batch:
/// +n at the inner inputs, -n at the boundary output.</item>
/// <item>Step the inner scope. Exchanged updates at the boundary come back through
/// <see cref="Intercept"/>: at a boundary output they are the parent's consumed counts, at a
/// boundary input the parent's produced counts. A record's consumption is therefore visible to the
/// parent on a worker in the same batch that makes it visible inside, so no frontier outside or
/// inside can pass a record in flight.</item>
/// <item>Move leaving records to the parent's readers.</item>
/// <item>Report capabilities: the frontier, re-timed to the outer time, of everything the inner
/// pointstamps can still produce at each scope output (not counting the parent's own frontier,
/// which would otherwise hold itself up around a loop).</item>
/// </list>
/// <para>The parent starts every output of every operator at <c>peers</c>; a subgraph's count is
/// its own view (one per frontier element), so its first run takes back <c>peers</c>.</para>
/// </remarks>
internal sealed class Subgraph<TOuter, TInner>
{
    // Design: owned by the worker thread that built the parent scope; it runs only inside the
    // parent's step on that thread, and drives the inner scope's runtime on it too.
    private readonly IRefines<TOuter, TInner> _refines;
    private readonly List<IBoundaryPort> _entering = new();
    private readonly List<IBoundaryPort> _leaving = new();
    private readonly List<List<TOuter>> _acceptedFrontiers = new();
    private readonly List<(TOuter Time, long Diff)> _scratch = new();
    private MutableAntichain<TOuter>[] _outputCapabilities = [];
    private ChangeBatch<TOuter>[] _outputChanges = [];
    private ScopeSummaries<TInner>? _summaries;
    private ScopeRuntime<TInner, ChildZero<TOuter, TInner>>? _inner;
    private bool _started;
    private bool _reported;
    private bool _completed;

    public Subgraph(Scope<TOuter> parent, string name, IRefines<TOuter, TInner> refines)
    {
        Parent = parent;
        _refines = refines;
        Core = new OperatorCore<TOuter>(parent.ReserveOperator(), name, parent.Activations);
        Inner = new Scope<TInner>(parent.Worker, parent.DataflowIndex, this, parent.Activations, Core.Index);
        Boundary = new OperatorCore<TInner>(Inner.ReserveOperator(), name + " boundary", Inner.Activations) { NotifyOnFrontier = false };
        Debug.Assert(Boundary.Index == 0, "child zero is the first node of a nested scope");
        Inner.AddChildZero(Boundary);
    }

    /// <summary>The scope this subgraph is an operator of.</summary>
    public Scope<TOuter> Parent { get; }

    /// <summary>The nested scope.</summary>
    public Scope<TInner> Inner { get; }

    /// <summary>The subgraph as an operator of <see cref="Parent"/>.</summary>
    public OperatorCore<TOuter> Core { get; }

    /// <summary>Child zero of <see cref="Inner"/>: node 0, the boundary with the parent.</summary>
    public OperatorCore<TInner> Boundary { get; }

    /// <summary>Brings <paramref name="stream"/> of the parent into the scope.</summary>
    public Stream<TInner, TData> Enter<TData>(Stream<TOuter, TData> stream)
    {
        if (!ReferenceEquals(stream.Scope, Parent))
        {
            throw new InvalidOperationException($"{Core.Name}: a stream enters a scope only from the scope around it");
        }

        int input = Core.AddInput();
        int port = Boundary.AddOutput();
        var channel = stream.ConnectTo(Core.Index, input, Pact<TData>.Pipeline);
        var tee = new OutputTee<TInner, TData>(Inner.Worker.EmptyMessages<TInner, TData>());
        _entering.Add(new Crossing<TOuter, TInner, TData>(channel, tee, _refines.ToInner, (time, count) => _inner!.Harvester.RecordIngress(port, time, count)));
        _acceptedFrontiers.Add(new List<TOuter>());
        return new Stream<TInner, TData>(Inner, Location.Source(0, port), tee);
    }

    /// <summary>Takes <paramref name="stream"/> of the scope out to the parent.</summary>
    public Stream<TOuter, TData> Leave<TData>(Stream<TInner, TData> stream)
    {
        if (!ReferenceEquals(stream.Scope, Inner))
        {
            throw new InvalidOperationException($"{Core.Name}: only a stream of this scope can leave it");
        }

        int port = Boundary.AddInput();
        int output = Core.AddOutput();
        var channel = stream.ConnectTo(0, port, Pact<TData>.Pipeline);
        var tee = new OutputTee<TOuter, TData>(Parent.Worker.EmptyMessages<TOuter, TData>());
        _leaving.Add(new Crossing<TInner, TOuter, TData>(channel, tee, _refines.ToOuter, null));
        return new Stream<TOuter, TData>(Parent, Location.Source(Core.Index, output), tee);
    }

    /// <summary>
    /// Seals the inner scope (refusing a cycle that does not advance time), derives the summaries
    /// the parent sees, and adds the subgraph to the parent.
    /// </summary>
    public void Seal()
    {
        var none = new Antichain<TInner>[Boundary.Inputs][];
        for (int j = 0; j < none.Length; j++)
        {
            none[j] = new Antichain<TInner>[Boundary.Outputs];
            for (int i = 0; i < none[j].Length; i++)
            {
                none[j][i] = new Antichain<TInner>();
            }
        }

        Boundary.Summaries = none;
        try
        {
            _inner = Inner.Seal(new ChildZero<TOuter, TInner>(this));
        }
        catch (InvalidOperationException e) when (e.Message.StartsWith("cycle", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"scope {Core.Name}: {e.Message}", e);
        }

        var summaries = ScopeSummaries<TInner>.Compute(_inner.Operators, _inner.TargetsOf);
        _summaries = summaries;
        var outer = new Antichain<TOuter>[Core.Inputs][];
        for (int i = 0; i < outer.Length; i++)
        {
            outer[i] = new Antichain<TOuter>[Core.Outputs];
            for (int j = 0; j < outer[i].Length; j++)
            {
                outer[i][j] = new Antichain<TOuter>();
                foreach (var summary in summaries.Sources[0][i][j].Elements)
                {
                    outer[i][j].Insert(_refines.Summarize(summary));
                }
            }
        }

        _outputCapabilities = new MutableAntichain<TOuter>[Core.Outputs];
        _outputChanges = new ChangeBatch<TOuter>[Core.Outputs];
        for (int j = 0; j < Core.Outputs; j++)
        {
            _outputCapabilities[j] = new MutableAntichain<TOuter>();
            _outputChanges[j] = new ChangeBatch<TOuter>();
        }

        Core.Summaries = outer;
        // The scope asks to hear of its inputs' frontiers only when an operator inside does (timely's
        // notify_me, the greatest interest of its children): a region of maps, as event_driven's, is
        // not run for a frontier that moved, and its inner tracker is not touched in that round, where
        // each round ran the region, its frontier's acceptance and an inner propagation of every port
        // (callgrind of event_driven 1000 10: Subgraph.Run 10.4 k of a round's 18.9 k instructions).
        // It still runs when its inputs' frontiers all become empty (the scheduler's shutdown rule),
        // and for records and for progress from other workers.
        Core.NotifyOnFrontier = Array.Exists(_inner.Operators, op => !ReferenceEquals(op, Boundary) && op.NotifyOnFrontier);
        Core.Logic = Run;
        Parent.AddOperator(Core);
        Parent.AddNestedScope();

        // Progress from other workers for the inner scope must schedule it, as data does.
        Parent.Worker.RegisterChannel(Inner.ProgressChannel, Parent.Activations, Core.Index);
    }

    /// <summary>
    /// An exchanged update at child zero, applied to the parent's tracker (timely's child-zero
    /// handling): at a boundary output, records the parent's input consumed; at a boundary input,
    /// records the parent's output produced.
    /// </summary>
    public void Intercept(Location location, TInner time, long diff)
    {
        var parent = Parent.Runtime;
        var tracker = parent.Tracker;
        var outer = _refines.ToOuter(time);
        if (location.IsSource)
        {
            tracker.Update(Location.Target(Core.Index, location.Port), outer, diff);
        }
        else
        {
            foreach (var target in parent.TargetsOf(Core.Index, location.Port))
            {
                tracker.Update(target, outer, diff);
            }
        }

        _reported = true;
    }

    private void Run()
    {
        var runtime = _inner!;
        var inner = runtime.Tracker;
        AcceptFrontiers(inner);
        foreach (var port in _entering)
        {
            port.Move();
        }

        runtime.Step();
        foreach (var port in _leaving)
        {
            port.Move();
        }

        ReportCapabilities(inner);
        if (runtime.IsComplete && !_completed)
        {
            _completed = true;
            Parent.Runtime.NestedScopeCompleted();
        }

        // Reports sit in the parent's tracker until its next propagation, and an inner operator may
        // want to run again: either way the parent must step this subgraph once more.
        if (_reported || runtime.HasActiveOperators)
        {
            _reported = false;
            Parent.Activations.Activate(Core.Index);
        }
    }

    private void AcceptFrontiers(Tracker<TInner> inner)
    {
        var eq = EqualityComparer<TOuter>.Default;
        for (int i = 0; i < _acceptedFrontiers.Count; i++)
        {
            var accepted = _acceptedFrontiers[i];
            var now = Core.Frontiers[i].Frontier;
            foreach (var time in accepted)
            {
                if (!Contains(now, time, eq))
                {
                    inner.UpdateSource(0, i, _refines.ToInner(time), -1);
                }
            }

            foreach (var time in now)
            {
                if (!accepted.Contains(time))
                {
                    inner.UpdateSource(0, i, _refines.ToInner(time), 1);
                }
            }

            accepted.Clear();
            accepted.AddRange(now);
        }
    }

    private void ReportCapabilities(Tracker<TInner> inner)
    {
        var changes = inner.PointstampChanges;
        var summaries = _summaries!;
        if (!changes.IsEmpty)
        {
            var traits = TimestampTraits<TInner>.Default;
            foreach (var ((location, time), diff) in changes.Compacted())
            {
                if (location.Node == 0)
                {
                    continue;   // the parent's own frontier: never reported back as a capability
                }

                var toOutputs = location.IsSource
                    ? summaries.Sources[location.Node][location.Port]
                    : summaries.Targets[location.Node][location.Port];
                for (int j = 0; j < toOutputs.Length; j++)
                {
                    foreach (var summary in toOutputs[j].Elements)
                    {
                        if (traits.TryResultsIn(time, summary, out var result))
                        {
                            _outputChanges[j].Update(_refines.ToOuter(result), diff);
                        }
                    }
                }
            }

            changes.Clear();
        }

        var parent = Parent.Runtime.Tracker;
        var minimum = TimestampTraits<TOuter>.Default.Minimum;
        for (int j = 0; j < _outputChanges.Length; j++)
        {
            if (!_started)
            {
                parent.UpdateSource(Core.Index, j, minimum, -Parent.Peers);
                _reported = true;
            }

            var batch = _outputChanges[j];
            if (batch.IsEmpty)
            {
                continue;
            }

            _scratch.Clear();
            foreach (var (time, diff) in batch.Compacted())
            {
                _scratch.Add((time, diff));
            }

            batch.Clear();
            foreach (var (time, diff) in _outputCapabilities[j].UpdateIter(CollectionsMarshal.AsSpan(_scratch)))
            {
                parent.UpdateSource(Core.Index, j, time, diff);
                _reported = true;
            }
        }

        _started = true;
    }

    private static bool Contains(ReadOnlySpan<TOuter> span, TOuter time, EqualityComparer<TOuter> eq)
    {
        foreach (var t in span)
        {
            if (eq.Equals(t, time))
            {
                return true;
            }
        }

        return false;
    }
}
