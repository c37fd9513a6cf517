using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Timely.Dataflow.Timestamps;

namespace Timely.Dataflow.Progress;

/// <summary>
/// Eager reachability: timely's <c>reachability::Tracker</c>. Holds pointstamp counts at every
/// port (capabilities at outputs, messages in flight at inputs) and, for every port, the
/// frontier of times that could still arrive there ("implications"), updated by propagating
/// frontier changes along edges and internal path summaries in time order.
/// </summary>
/// <remarks>
/// Only frontier changes propagate, so a loop whose summary advances time stops as soon as
/// the advanced time is already implied: the worklist is processed in increasing time,
/// which makes each port's implication frontier change at most once per distinct time.
/// Not thread-safe: one tracker per dataflow per worker.
/// </remarks>
public sealed class Tracker<T>
{
    // Design: owned by the worker thread of its scope (one tracker per scope per worker), so no
    // field is volatile or locked. Pointstamp counts may be negative for a while (another worker's
    // consumption can arrive before the production it consumed); implication counts cannot: each
    // counts the frontier elements (at the port, or upstream and carried along a path) that land
    // on a time, and an element that leaves a frontier takes back only what it gave on entering.
    // Room for a partial order's implication counts, made with the antichain so the two sit
    // together: a port's implications hold one time between rounds and two while the frontier moves.
    private const int ImplicationsCapacity = 2;

    private const string NegativeImplication = "an implication count counts frontier elements: it is never negative";

    // Every port's state sits in one flat array per kind, at its node's base plus its port:
    // a step that touches a few ports of a dataflow not looked at for a while (one of a thousand
    // dataflows, each stepped in turn) loads a node's base and the port's entry, where arrays of
    // arrays per node cost a cache miss per node row on each of six tables.
    private readonly int[] _targetBase;
    private readonly int[] _sourceBase;
    private readonly TargetPort[] _targets;
    private readonly SourcePort[] _sources;

    // The implications as objects, at the same index as their port: for a partial order the
    // antichains themselves (made here), for a total order read-only views over the port entry's
    // counts, made when public code first asks for one (an operator's frontiers, a probe). The
    // propagation of a total order never reads these.
    private readonly MutableAntichain<T>?[] _targetImplications;
    private readonly MutableAntichain<T>?[] _sourceImplications;

    // A total order's pointstamps: each port's counts at the same index as its entry, in an array
    // of their own beside the entries (a propagation reads an entry's implications and edges far
    // more often than its pointstamps, so the entry stays one line; TrackerTests holds its size).
    // They were an antichain object per port with its counts' array: 26 objects and 13 arrays of
    // event_driven's dataflow, a tenth of what building it allocated (perf.md §4, the examples' levers, evbuild2). Null for a
    // partial order.
    private readonly TotalCounts<T>[]? _targetPointstampCounts;
    private readonly TotalCounts<T>[]? _sourcePointstampCounts;

    // The pointstamps as objects, likewise: for a partial order the antichains themselves (made
    // here), for a total order read-only views over the counts above, made with their array when
    // public code first asks for one (tests and diagnostics: the runtime never does).
    private MutableAntichain<T>?[]? _targetPointstamps;
    private MutableAntichain<T>?[]? _sourcePointstamps;

    private readonly ChangeBatch<(Location Location, T Time)> _pending;
    private readonly ChangeBatch<(Location Location, T Time)> _pushed = new();
    private ChangeBatch<(Location Location, T Time)>? _pointstampChanges;
    private readonly bool[] _nodeChanged;

    // Elements of all ports' pointstamp frontiers together (timely's total_counts): what
    // TrackingAnything asks, kept as each frontier changes, where asking looked at every port's
    // pointstamps at each step, a cache miss per port of a dataflow not stepped for a while.
    private long _pointstampFrontierElements;

    private bool _recordPointstampChanges;

    // The worklist and the scratch list are empty between calls of PropagateAll (it runs until the
    // worklist is empty), so the trackers of one thread share one of each: a round that steps one of
    // a thousand dataflows then finds them in cache, where each tracker's own were cold lines.
    // Thread-static because trackers of one thread never propagate at the same time (PropagateAll
    // calls nothing outside the tracker) and a tracker knows no worker to hold them.
    [ThreadStatic]
    private static Worklist? t_worklist;

    [ThreadStatic]
    private static List<(T Time, long Diff)>? t_scratch;

    internal Tracker(Antichain<T>[][][] summaries, Location[][][] edges, int[] inputs)
    {
        int n = summaries.Length;
        _nodeChanged = new bool[n];

        // The first propagations reach every node: room for all, where the list doubled from four.
        ChangedTargetNodes = new List<int>(n);
        _targetBase = new int[n + 1];
        _sourceBase = new int[n + 1];
        for (int i = 0; i < n; i++)
        {
            _targetBase[i + 1] = _targetBase[i] + inputs[i];
            _sourceBase[i + 1] = _sourceBase[i] + edges[i].Length;
        }

        // Every output's initial capabilities arrive here before the first propagation: room for one
        // update per output from the start, where doubling from four left a chain of garbage arrays.
        _pending = new ChangeBatch<(Location Location, T Time)>(_sourceBase[n]);
        _targets = new TargetPort[_targetBase[n]];
        _sources = new SourcePort[_sourceBase[n]];
        _targetImplications = new MutableAntichain<T>?[_targets.Length];
        _sourceImplications = new MutableAntichain<T>?[_sources.Length];
        if (MutableAntichain<T>.IsTotalOrder)
        {
            _targetPointstampCounts = new TotalCounts<T>[_targets.Length];
            _sourcePointstampCounts = new TotalCounts<T>[_sources.Length];
        }
        else
        {
            _targetPointstamps = new MutableAntichain<T>?[_targets.Length];
            _sourcePointstamps = new MutableAntichain<T>?[_sources.Length];
        }

        for (int i = 0; i < n; i++)
        {
            for (int port = 0; port < inputs[i]; port++)
            {
                _targets[_targetBase[i] + port] = new TargetPort(Paths(summaries[i][port]));
                if (!MutableAntichain<T>.IsTotalOrder)
                {
                    _targetPointstamps![_targetBase[i] + port] = new MutableAntichain<T>();
                    _targetImplications[_targetBase[i] + port] = new MutableAntichain<T>(ImplicationsCapacity);
                }
            }

            for (int port = 0; port < edges[i].Length; port++)
            {
                _sources[_sourceBase[i] + port] = new SourcePort(new OneInline<Location>(edges[i][port]));
                if (!MutableAntichain<T>.IsTotalOrder)
                {
                    _sourcePointstamps![_sourceBase[i] + port] = new MutableAntichain<T>();
                    _sourceImplications[_sourceBase[i] + port] = new MutableAntichain<T>(ImplicationsCapacity);
                }
            }
        }
    }

    // An input's paths to the outputs, (output, summary) for each summary of each output in order:
    // counted first, so the one path of an input reaching one output sits inline and several go
    // into an array of their number, where a list was made per input and copied.
    private static OneInline<(int Output, T Summary)> Paths(Antichain<T>[] row)
    {
        int count = 0;
        foreach (var summaries in row)
        {
            count += summaries.Elements.Length;
        }

        if (count <= 1)
        {
            for (int output = 0; output < row.Length; output++)
            {
                if (row[output].Elements is [var only])
                {
                    return new OneInline<(int Output, T Summary)>((output, only));
                }
            }

            return new OneInline<(int Output, T Summary)>([]);
        }

        var paths = new (int Output, T Summary)[count];
        int next = 0;
        for (int output = 0; output < row.Length; output++)
        {
            foreach (var summary in row[output].Elements)
            {
                paths[next++] = (output, summary);
            }
        }

        return new OneInline<(int Output, T Summary)>(paths);
    }

    /// <summary>Whether <paramref name="location"/> is a port of this graph (a node it has, and an input or output that node has).</summary>
    internal bool HasPort(Location location) =>
        (uint)location.Node < (uint)NodeCount
        && (uint)location.Port < (uint)(location.IsSource
            ? _sourceBase[location.Node + 1] - _sourceBase[location.Node]
            : _targetBase[location.Node + 1] - _targetBase[location.Node]);

    /// <summary>Number of nodes.</summary>
    public int NodeCount => _nodeChanged.Length;

    /// <summary>
    /// Implication changes produced by <see cref="PropagateAll"/> since the caller last cleared
    /// them, for inputs and outputs alike. The caller drains it.
    /// </summary>
    public ChangeBatch<(Location Location, T Time)> PushedChanges => _pushed;

    /// <summary>
    /// Whether <see cref="PushedChanges"/> is filled (default true). A root scope only needs to
    /// know which operators' input frontiers moved (<see cref="ChangedTargetNodes"/>) and turns
    /// this off: sorting the pushed changes took ~1.3 µs of each ~6 µs step in <c>pingpong 100000 1 -w1</c>.
    /// </summary>
    public bool RecordPushedChanges { get; set; } = true;

    /// <summary>
    /// Whether <see cref="PointstampChanges"/> is filled (default false). A nested scope turns it on:
    /// its capabilities as seen by its parent are derived from these changes (timely's
    /// <c>output_changes</c>), never from the parent's own frontier fed back through the scope.
    /// </summary>
    public bool RecordPointstampChanges
    {
        get => _recordPointstampChanges;
        set
        {
            // Room for the first propagation's changes, every output's initial capability entering
            // its frontier, where the batch doubled from four to that size (perf.md §4, the examples' levers, evbuild2).
            _pointstampChanges ??= value ? new(Math.Max(_sources.Length, 1)) : null;
            _recordPointstampChanges = value;
        }
    }

    /// <summary>
    /// Changes of the pointstamp frontiers (not the implications) at every port made by
    /// <see cref="PropagateAll"/> since the caller last cleared them, when
    /// <see cref="RecordPointstampChanges"/> is on. The caller drains it.
    /// </summary>
    public ChangeBatch<(Location Location, T Time)> PointstampChanges => _pointstampChanges ??= new();

    /// <summary>
    /// Whether <see cref="PropagateAll"/> sends every change through its worklist (default false):
    /// the general path, which the change handed straight to the next port must match.
    /// </summary>
    /// <remarks>Tests only: they run the two on the same graphs and updates.</remarks>
    internal bool HeapOnly { get; set; }

    /// <summary>
    /// Nodes whose input implications changed in <see cref="PropagateAll"/> since the caller
    /// last cleared the list (each node at most once until cleared).
    /// </summary>
    public List<int> ChangedTargetNodes { get; }

    /// <summary>Whether any pointstamp anywhere has a positive count (some capability or message is live).</summary>
    public bool TrackingAnything
    {
        get
        {
            Debug.Assert(_pointstampFrontierElements >= 0, "a count of frontier elements");
            return _pointstampFrontierElements > 0;
        }
    }

    /// <summary>The frontier of times that may still arrive at input <paramref name="port"/> of <paramref name="node"/>, to read: only the tracker changes it (for a total order a view of the port's counts, whose updates throw).</summary>
    public MutableAntichain<T> TargetImplications(int node, int port)
    {
        CheckedTarget(node, port);
        int flat = _targetBase[node] + port;
        return _targetImplications[flat] ??= new MutableAntichain<T>(_targets, flat);
    }

    /// <summary>The frontier of times that may still be produced at output <paramref name="port"/> of <paramref name="node"/>, to read: only the tracker changes it (for a total order a view of the port's counts, whose updates throw).</summary>
    public MutableAntichain<T> SourceImplications(int node, int port)
    {
        CheckedSource(node, port);
        int flat = _sourceBase[node] + port;
        return _sourceImplications[flat] ??= new MutableAntichain<T>(_sources, flat);
    }

    /// <summary>
    /// Whether the implications of every input of <paramref name="node"/> are empty (no message can
    /// arrive there any more): what the scheduler asks of an operator that hears of no frontier,
    /// read from the port entries, where it went through the operator's frontier objects.
    /// </summary>
    internal bool InputsEmpty(int node)
    {
        for (int flat = _targetBase[node]; flat < _targetBase[node + 1]; flat++)
        {
            bool empty = MutableAntichain<T>.IsTotalOrder
                ? !_targets[flat].Counts.TryFrontier(out _)
                : _targetImplications[flat]!.IsEmpty;
            if (!empty)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Pointstamp counts (messages in flight) at input <paramref name="port"/> of <paramref name="node"/>, to read (the tracker updates them, and counts their frontiers' elements as it does).</summary>
    public MutableAntichain<T> TargetPointstamps(int node, int port)
    {
        CheckedTarget(node, port);
        int flat = _targetBase[node] + port;
        return (_targetPointstamps ??= new MutableAntichain<T>?[_targets.Length])[flat] ??= new MutableAntichain<T>(_targetPointstampCounts!, flat);
    }

    /// <summary>Pointstamp counts (capabilities held) at output <paramref name="port"/> of <paramref name="node"/>, to read (the tracker updates them, and counts their frontiers' elements as it does).</summary>
    public MutableAntichain<T> SourcePointstamps(int node, int port)
    {
        CheckedSource(node, port);
        int flat = _sourceBase[node] + port;
        return (_sourcePointstamps ??= new MutableAntichain<T>?[_sources.Length])[flat] ??= new MutableAntichain<T>(_sourcePointstampCounts!, flat);
    }

    /// <summary>
    /// Whether a decrement at <paramref name="time"/> on <paramref name="location"/> could change
    /// what other workers see (timely's <c>is_global</c>): no implication there is strictly
    /// earlier, and the time is implied there only once.
    /// </summary>
    public bool IsGlobal(Location location, T time)
    {
        if (MutableAntichain<T>.IsTotalOrder)
        {
            ref readonly var counts = ref location.IsSource
                ? ref Source(location.Node, location.Port).Counts
                : ref Target(location.Node, location.Port).Counts;
            return !(counts.TryFrontier(out var least) && Comparer<T>.Default.Compare(least, time) < 0)
                && counts.CountFor(time) <= 1;
        }

        var implications = location.IsSource
            ? _sourceImplications[_sourceBase[location.Node] + location.Port]!
            : _targetImplications[_targetBase[location.Node] + location.Port]!;
        return !implications.LessThan(time) && implications.CountFor(time) <= 1;
    }

    /// <summary>Records a change in messages in flight to an input; applied by <see cref="PropagateAll"/>.</summary>
    public void UpdateTarget(int node, int port, T time, long diff) => _pending.Update((Location.Target(node, port), time), diff);

    /// <summary>Records a change in capabilities held at an output; applied by <see cref="PropagateAll"/>.</summary>
    public void UpdateSource(int node, int port, T time, long diff) => _pending.Update((Location.Source(node, port), time), diff);

    /// <summary>Records a pointstamp change at <paramref name="location"/>.</summary>
    public void Update(Location location, T time, long diff) => _pending.Update((location, time), diff);

    /// <summary>
    /// Applies the recorded pointstamp changes and propagates their consequences to every
    /// port's implications; the frontier changes are added to <see cref="PushedChanges"/>.
    /// </summary>
    public void PropagateAll()
    {
        var worklist = t_worklist ??= new Worklist();
        var scratch = t_scratch ??= new List<(T Time, long Diff)>();
        worklist.Clear();   // left non-empty only by an exception part-way through a propagation
        var pointstampRoom = default(MutableAntichain<T>.TwoChanges);
        var pending = _pending.Compacted();
        int i = 0;
        while (i < pending.Length)
        {
            // Entries are sorted by location first, so each port's updates are contiguous and
            // its antichain is rebuilt at most once.
            var location = pending[i].Item.Location;
            scratch.Clear();
            while (i < pending.Length && pending[i].Item.Location == location)
            {
                scratch.Add((pending[i].Item.Time, pending[i].Diff));
                i++;
            }

            foreach (var (time, diff) in UpdatePointstamps(location, CollectionsMarshal.AsSpan(scratch), ref pointstampRoom))
            {
                _pointstampFrontierElements += diff;
                worklist.Push(new Work(time, location, diff));
                if (RecordPointstampChanges)
                {
                    _pointstampChanges!.Update((location, time), diff);
                }
            }
        }

        _pending.Clear();
        var room = default(MutableAntichain<T>.TwoChanges);
        var traits = TimestampTraits<T>.Default;
        var timeEq = EqualityComparer<T>.Default;

        // The first change an applied one makes waits beside the worklist, not in it, and is taken
        // next without a push and a pop when it comes strictly before every change the worklist
        // holds: the heap would pop it next, and with nothing equal to merge. That is the common
        // case: a frontier that moves along a chain of one-input, one-output operators (a port's
        // old time leaves, one change to one next port; then its new time enters) is a walk down
        // the chain in the heap's own order: event_driven 1000 10 pushed and popped 54 changes a
        // round through the heap (its Pop and Push a quarter of the round's instructions), now 4
        // (callgrind, perf.md §4, where an example's time goes). A change equal to or after the worklist's
        // least goes in, so the order, the merging of a port's changes at one time, and every
        // frontier change are the heap's (TrackerHandOffProperties: the same changes as HeapOnly).
        var next = default(Work);
        bool hasNext = false;
        while (true)
        {
            Work work;
            if (hasNext && (worklist.IsEmpty || Worklist.Less(in next, in worklist.Peek)) && !HeapOnly)
            {
                work = next;
                hasNext = false;
            }
            else
            {
                if (hasNext)
                {
                    worklist.Push(next);
                    hasNext = false;
                }

                if (worklist.IsEmpty)
                {
                    break;
                }

                work = worklist.Pop();
                while (!worklist.IsEmpty
                    && worklist.Peek.Location == work.Location
                    && timeEq.Equals(worklist.Peek.Time, work.Time))
                {
                    work = work with { Diff = work.Diff + worklist.Pop().Diff };
                }
            }

            var (time, location, diff) = work;
            if (diff == 0)
            {
                continue;
            }

            if (location.IsSource)
            {
                int flat = _sourceBase[location.Node] + location.Port;
                ref var port = ref _sources[flat];
                var changes = UpdateImplications(ref port.Counts, _sourceImplications, flat, time, diff, ref room);
                var edges = OneInline<Location>.Items(in port.Edges);
                foreach (var (t, d) in changes)
                {
                    if (RecordPushedChanges)
                    {
                        _pushed.Update((location, t), d);
                    }

                    foreach (var target in edges)
                    {
                        Hand(worklist, ref next, ref hasNext, new Work(t, target, d));
                    }
                }
            }
            else
            {
                int flat = _targetBase[location.Node] + location.Port;
                ref var port = ref _targets[flat];
                var changes = UpdateImplications(ref port.Counts, _targetImplications, flat, time, diff, ref room);
                var paths = OneInline<(int Output, T Summary)>.Items(in port.Paths);
                if (!changes.IsEmpty && !_nodeChanged[location.Node])
                {
                    _nodeChanged[location.Node] = true;
                    ChangedTargetNodes.Add(location.Node);
                }

                foreach (var (t, d) in changes)
                {
                    if (RecordPushedChanges)
                    {
                        _pushed.Update((location, t), d);
                    }

                    foreach (var (output, summary) in paths)
                    {
                        if (traits.TryResultsIn(t, summary, out var result))
                        {
                            Hand(worklist, ref next, ref hasNext, new Work(result, Location.Source(location.Node, output), d));
                        }
                    }
                }
            }
        }
    }

    // A change an applied one makes: the first waits beside the worklist (PropagateAll takes it
    // next if it comes before everything in the worklist, else pushes it), the others go in.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Hand(Worklist worklist, ref Work next, ref bool hasNext, Work work)
    {
        if (!hasNext)
        {
            next = work;
            hasNext = true;
        }
        else
        {
            worklist.Push(work);
        }
    }

    // A port's pointstamp updates and the net change of its frontier across them: for a total order
    // in the port's counts, its changes in the caller's room on the stack; for a partial order in
    // its antichain.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ReadOnlySpan<(T Item, long Diff)> UpdatePointstamps(Location location, ReadOnlySpan<(T Item, long Diff)> updates, ref MutableAntichain<T>.TwoChanges room)
    {
        if (MutableAntichain<T>.IsTotalOrder)
        {
            ref var counts = ref location.IsSource
                ? ref _sourcePointstampCounts![_sourceBase[location.Node] + location.Port]
                : ref _targetPointstampCounts![_targetBase[location.Node] + location.Port];
            int count = counts.UpdateAll(updates, ref room);
            return ((ReadOnlySpan<(T Item, long Diff)>)room)[..count];
        }

        var antichain = location.IsSource
            ? _sourcePointstamps![_sourceBase[location.Node] + location.Port]!
            : _targetPointstamps![_targetBase[location.Node] + location.Port]!;
        return antichain.UpdateIter(updates);
    }

    // An implication's update and the frontier changes it makes: for a total order in the port's
    // entry, its changes in the caller's room on the stack; for a partial order in its antichain.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ReadOnlySpan<(T Item, long Diff)> UpdateImplications(ref TotalCounts<T> counts, MutableAntichain<T>?[] general, int flat, T time, long diff, ref MutableAntichain<T>.TwoChanges room)
    {
        if (MutableAntichain<T>.IsTotalOrder)
        {
            int count = counts.Update(time, diff, ref room);
            Debug.Assert(counts.CountFor(time) >= 0, NegativeImplication);
            return ((ReadOnlySpan<(T Item, long Diff)>)room)[..count];
        }

        var implications = general[flat]!;
        var changes = implications.Update(time, diff);
        Debug.Assert(implications.CountFor(time) >= 0, NegativeImplication);
        return changes;
    }

    /// <summary>Empties <see cref="ChangedTargetNodes"/>.</summary>
    public void ClearChangedTargetNodes()
    {
        foreach (var node in CollectionsMarshal.AsSpan(ChangedTargetNodes))
        {
            _nodeChanged[node] = false;
        }

        ChangedTargetNodes.Clear();
    }

    private ref readonly TargetPort CheckedTarget(int node, int port) =>
        ref HasPort(Location.Target(node, port)) ? ref Target(node, port) : ref ThrowNoPort<TargetPort>(node, port, "input");

    private ref readonly SourcePort CheckedSource(int node, int port) =>
        ref HasPort(Location.Source(node, port)) ? ref Source(node, port) : ref ThrowNoPort<SourcePort>(node, port, "output");

    private static ref readonly TPort ThrowNoPort<TPort>(int node, int port, string kind) =>
        throw new ArgumentOutOfRangeException(nameof(port), $"node {node} has no {kind} {port} in this graph");

    private ref readonly TargetPort Target(int node, int port)
    {
        Debug.Assert(HasPort(Location.Target(node, port)), "a port of this graph");
        return ref _targets[_targetBase[node] + port];
    }

    private ref readonly SourcePort Source(int node, int port)
    {
        Debug.Assert(HasPort(Location.Source(node, port)), "a port of this graph");
        return ref _sources[_sourceBase[node] + port];
    }

    /// <summary>An input's state (its messages in flight are counted beside it): the times that may still arrive (a total order's counts, inline), and its paths to its node's outputs (each output with each element of its path summary's antichain).</summary>
    /// <remarks>For ulong times 56 bytes: the propagation's touch of a port is this entry and nothing behind it.</remarks>
    internal struct TargetPort(OneInline<(int Output, T Summary)> paths)
    {
        // Fields, not properties: read and changed in place, through a reference to the entry.
        public TotalCounts<T> Counts;
        public readonly OneInline<(int Output, T Summary)> Paths = paths;
    }

    /// <summary>An output's state (its capabilities held are counted beside it): the times that may still be produced (a total order's counts, inline), and the inputs it feeds.</summary>
    internal struct SourcePort(OneInline<Location> edges)
    {
        public TotalCounts<T> Counts;
        public readonly OneInline<Location> Edges = edges;
    }

    /// <summary>
    /// A short list held in its port's entry when it has one item (an operator with one output and
    /// a one-element summary, an output feeding one input: most ports), in an array otherwise. A
    /// port's paths were an array of antichains, each a list and its array: four objects, a cache
    /// miss each when a round reaches a dataflow not touched for a while; one item inline is none.
    /// </summary>
    internal readonly struct OneInline<TItem>
    {
        private readonly TItem _one;
        private readonly TItem[]? _many;

        /// <summary>One item, inline.</summary>
        public OneInline(TItem one) => _one = one;

        /// <summary>The items of <paramref name="items"/>: the one inline, or the array itself (not copied: nobody changes it after).</summary>
        public OneInline(TItem[] items)
        {
            if (items.Length == 1)
            {
                _one = items[0];
            }
            else
            {
                _one = default!;
                _many = items;
            }
        }

        /// <summary>The items: a span over the entry itself when there is one.</summary>
        /// <remarks>Marked for inlining: the native build called it for each port a propagation reached.</remarks>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static ReadOnlySpan<TItem> Items(ref readonly OneInline<TItem> list) =>
            list._many is { } many ? many : new ReadOnlySpan<TItem>(in list._one);
    }

    /// <summary>A pending change of <see cref="Location"/>'s implications at <see cref="Time"/>.</summary>
    internal readonly record struct Work(T Time, Location Location, long Diff);

    /// <summary>
    /// The changes <see cref="PropagateAll"/> has still to apply, a binary min-heap in (time,
    /// location) order (timely's <c>BinaryHeap&lt;Reverse&lt;(T, Location, i64)&gt;&gt;</c>), so that
    /// each port's changes at one time come out together and in time order.
    /// </summary>
    /// <remarks>
    /// Design: the tracker's own heap rather than <see cref="PriorityQueue{TElement, TPriority}"/>:
    /// the comparison inlines into the sift loops here, and every push and pop is one call into
    /// code of this assembly. With the library's queue each dequeue, peek and sift step was a call
    /// of its own in a Native AOT build (about an eighth of a barrier round's samples); the JIT
    /// only inlined them where dynamic PGO found the calls hot.
    /// </remarks>
    internal sealed class Worklist
    {
        private Work[] _heap = new Work[16];
        private int _count;

        public bool IsEmpty => _count == 0;

        /// <summary>Removes every change.</summary>
        public void Clear()
        {
            if (_count > 0)
            {
                Array.Clear(_heap, 0, _count);
                _count = 0;
            }
        }

        /// <summary>The least change; the worklist must not be empty.</summary>
        public ref readonly Work Peek => ref _heap[0];

        public void Push(Work work)
        {
            if (_count == _heap.Length)
            {
                Array.Resize(ref _heap, _count * 2);
            }

            var heap = _heap;
            int i = _count++;
            while (i > 0)
            {
                int parent = (i - 1) >> 1;
                if (!Less(work, heap[parent]))
                {
                    break;
                }

                heap[i] = heap[parent];
                i = parent;
            }

            heap[i] = work;
        }

        /// <summary>Removes and returns the least change; the worklist must not be empty.</summary>
        public Work Pop()
        {
            var heap = _heap;
            var top = heap[0];
            int count = --_count;
            var last = heap[count];
            heap[count] = default;
            if (count > 0)
            {
                int i = 0;
                while (true)
                {
                    int child = (2 * i) + 1;
                    if (child >= count)
                    {
                        break;
                    }

                    if (child + 1 < count && Less(heap[child + 1], heap[child]))
                    {
                        child++;
                    }

                    if (!Less(heap[child], last))
                    {
                        break;
                    }

                    heap[i] = heap[child];
                    i = child;
                }

                heap[i] = last;
            }

            return top;
        }

        /// <summary>Whether <paramref name="a"/> comes before <paramref name="b"/>: by time, then by location.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal static bool Less(in Work a, in Work b)
        {
            int c = Comparer<T>.Default.Compare(a.Time, b.Time);
            return c != 0 ? c < 0 : a.Location.CompareTo(b.Location) < 0;
        }
    }
}
