using System.Runtime.InteropServices;
using Timely.Dataflow.Channels;
using Timely.Dataflow.Operators.Generic;
using Timely.Dataflow.Progress;
using Timely.Dataflow.Timestamps;

namespace Timely.Dataflow.Capture;

/// <summary>
/// timely's <c>Replay</c>: plays captured event streams back as a stream of a new dataflow,
/// on any number of workers.
/// </summary>
public static class ReplayOperators
{
    // Events taken from one source per activation. timely drains everything available; with a
    // file that is the whole file in one activation, so every batch queues on the pipeline before
    // downstream runs and none is recycled (measured 5.3 KB allocated per event in
    // CaptureDataflowBenchmarks.ReplayFromReader). Yielding after a bounded run lets downstream
    // hand the batches back.
    private const int EventsPerActivation = 64;

    /// <summary>
    /// Replays <paramref name="iterators"/> (the captured streams this worker owns; see
    /// <see cref="OwnedBy{TItem}"/>) into <paramref name="scope"/>. Every worker of the dataflow
    /// must call this once, with disjoint sets that together cover every stream; a worker may
    /// own none.
    /// </summary>
    /// <remarks>
    /// <para>The protocol (timely's replay.rs): each captured stream starts at count 1 for the
    /// minimum time. The replay output, like every output, starts holding one capability at the
    /// minimum time per worker; at its first activation each worker adjusts its own by
    /// <c>owned - 1</c>, so the worker holds exactly one count per stream it owns (a worker that
    /// owns none gives its count up) and the total over all workers equals the number of streams,
    /// whatever the ratio of streams to workers. Then every Progress event is applied as it is
    /// to the output's capability counts and every Messages event is sent at its time; the
    /// captured stream's own rules guarantee a count at or before that time is held when it is.</para>
    /// <para>The operator reschedules itself while an owned stream is unfinished, so a source that
    /// has nothing yet (a socket, a growing file) is polled at every step; it takes at most 64
    /// events per source per activation, so downstream runs (and recycles batches) in between. A stream is finished
    /// when its accumulated counts are all zero; it is then no longer polled. A count going negative
    /// throws <see cref="InvalidDataException"/>: the stream breaks the protocol, and replaying it
    /// would corrupt progress tracking on every worker.</para>
    /// </remarks>
    public static Stream<T, TData> ReplayInto<T, TData>(this IEnumerable<IEventIterator<T, TData>> iterators, Scope<T> scope)
    {
        ArgumentNullException.ThrowIfNull(iterators);
        ArgumentNullException.ThrowIfNull(scope);
        var sources = iterators.Select(i => new Source<T, TData>(i ?? throw new ArgumentException("null iterator", nameof(iterators)))).ToList();
        var builder = new OperatorBuilder<T>(scope, "Replay");
        var (output, stream) = builder.NewOutput<TData>();
        var core = builder.Core;
        int index = builder.Index;
        builder.Build(caps =>
        {
            // The worker's initial count moves into the adjustment below, not into a handle.
            caps[0].Transfer();
            var internals = core.Internals[0];
            bool started = false;
            return () =>
            {
                if (!started)
                {
                    started = true;
                    internals.Update(TimestampTraits<T>.Default.Minimum, sources.Count - 1);
                }

                for (int s = sources.Count - 1; s >= 0; s--)
                {
                    if (sources[s].Drain(internals, output))
                    {
                        sources.RemoveAt(s);
                    }
                }

                if (sources.Count > 0)
                {
                    scope.Activate(index);
                }
            };
        });
        return stream;
    }

    /// <summary>
    /// The items of <paramref name="all"/> that <paramref name="worker"/> owns when they are
    /// shared out by index: item i goes to worker i mod peers (timely's examples do the same).
    /// </summary>
    public static IEnumerable<TItem> OwnedBy<TItem>(this IReadOnlyList<TItem> all, Worker worker)
    {
        ArgumentNullException.ThrowIfNull(all);
        ArgumentNullException.ThrowIfNull(worker);
        for (int i = worker.Index; i < all.Count; i += worker.Peers)
        {
            yield return all[i];
        }
    }

    /// <summary>One owned stream and its accumulated counts (to know when it is finished).</summary>
    private sealed class Source<T, TData>(IEventIterator<T, TData> iterator)
    {
        private readonly ChangeBatch<T> _counts = Initial();

        // An EventReader decodes a fresh event per call and keeps nothing, so its lists can be
        // handed to the output instead of copied (timely's Cow::Owned case). Events from other
        // iterators may be shared (an EventLink's other handles see the same event), so those
        // are copied. The scratch message carries the list into OutputPort.Forward.
        private readonly Message<T, TData>? _carrier = iterator is EventReader<T, TData> ? new Message<T, TData>() : null;
        private long _events;

        /// <summary>Applies the events available now, up to <see cref="EventsPerActivation"/>; true once the stream is finished.</summary>
        public bool Drain(ChangeBatch<T> internals, OutputPort<T, TData> output)
        {
            for (int taken = 0; taken < EventsPerActivation && iterator.TryNext(out var e); taken++)
            {
                if (e is Event<T, TData>.Messages m)
                {
                    if (_carrier is not null)
                    {
                        _carrier.Data = m.Data;
                        output.Forward(m.Time, _carrier);
                    }
                    else
                    {
                        output.GiveSpan(m.Time, CollectionsMarshal.AsSpan(m.Data));
                    }
                }
                else
                {
                    var updates = CollectionsMarshal.AsSpan(((Event<T, TData>.Progress)e).Updates);
                    internals.Extend(updates);
                    _counts.Extend(updates);
                    if (Finished())
                    {
                        _events++;
                        return true;
                    }
                }

                _events++;
            }

            return false;
        }

        private bool Finished()
        {
            foreach (var (time, count) in _counts.Compacted())
            {
                if (count < 0)
                {
                    throw new InvalidDataException(
                        $"replay: captured stream breaks the protocol at event {_events}: the count at time {time} is {count} (counts never go negative)");
                }
            }

            return _counts.IsEmpty;
        }

        private static ChangeBatch<T> Initial()
        {
            var counts = new ChangeBatch<T>();
            counts.Update(TimestampTraits<T>.Default.Minimum, 1);
            return counts;
        }
    }
}
