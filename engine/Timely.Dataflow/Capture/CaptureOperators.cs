using System.Runtime.InteropServices;
using Timely.Dataflow.Channels;
using Timely.Dataflow.Operators.Generic;
using Timely.Dataflow.Progress;
using Timely.Dataflow.Timestamps;

namespace Timely.Dataflow.Capture;

/// <summary>
/// timely's <c>Capture</c>: records what an operator sees on its input (data and the input
/// frontier) as a stream of <see cref="Event{T, TData}"/>, one stream per worker.
/// </summary>
public static class CaptureOperators
{
    /// <summary>
    /// Captures <paramref name="stream"/> on this worker into <paramref name="pusher"/>.
    /// </summary>
    /// <remarks>
    /// The events follow timely's capture operator exactly, so the bytes an
    /// <see cref="EventWriter{T, TData}"/> writes match Rust's for the same stream:
    /// <list type="bullet">
    /// <item>A Progress event is the change of this worker's input frontier since the last one
    /// (each element entering +1, leaving -1), compacted and sorted by time. The initial frontier
    /// {minimum} is never announced (timely cancels the implicit <c>(minimum, +1)</c>), so a
    /// reader starts the stream at count 1 for the minimum time.</item>
    /// <item>In one activation the Progress event (if the frontier changed) is pushed before the
    /// Messages events of the data received in that activation.</item>
    /// <item>The last event is the Progress that takes the last frontier to empty.</item>
    /// </list>
    /// The capture owns its end, as Rust drops the pusher with the operator: when its input is
    /// complete (frontier empty) it completes an <see cref="EventWriter{T, TData}"/> (flush, then
    /// close unless made with <c>leaveOpen</c>; a <c>Dispose</c> called before that is deferred
    /// to it) and disposes any other <see cref="IDisposable"/> pusher.
    /// Capturing into a closed <see cref="EventWriter{T, TData}"/> throws when the operator is built.
    /// Each Messages event owns a copy of the received batch (the channel keeps its list for
    /// reuse): one list and one event per received batch. An <see cref="EventWriter{T, TData}"/>
    /// is written to in place instead, allocating nothing per event.
    /// </remarks>
    public static void CaptureInto<T, TData>(this Stream<T, TData> stream, IEventPusher<T, TData> pusher)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(pusher);
        var writer = pusher as EventWriter<T, TData>;
        writer?.AttachCapture();
        var builder = new OperatorBuilder<T>(stream.Scope, "Capture");
        var input = builder.NewInput(stream, Pact<TData>.Pipeline);
        builder.Build(_ =>
        {
            // The frontier last reported; a reader assumes {minimum} before the first event.
            var reported = new List<T> { TimestampTraits<T>.Default.Minimum };
            var changes = new ChangeBatch<T>();
            // An EventWriter serializes at once and keeps nothing, so it is handed the received
            // batch and a reused update list in place: no allocation per event on that path.
            bool ended = false;
            var scratch = new List<(T, long)>();
            return () =>
            {
                ReadOnlySpan<T> frontier = input.Frontier.Frontier;
                if (!frontier.SequenceEqual(CollectionsMarshal.AsSpan(reported)))
                {
                    foreach (T time in reported)
                    {
                        changes.Update(time, -1);
                    }

                    foreach (T time in frontier)
                    {
                        changes.Update(time, 1);
                    }

                    reported.Clear();
                    reported.AddRange(frontier);
                    if (!changes.IsEmpty)
                    {
                        if (writer is not null)
                        {
                            scratch.Clear();
                            scratch.AddRange(changes.Compacted());
                            writer.PushProgress(scratch);
                        }
                        else
                        {
                            pusher.Push(new Event<T, TData>.Progress([.. changes.Compacted()]));
                        }

                        changes.Clear();
                    }
                }

                while (input.TryNext(out var capability, out var data))
                {
                    if (data.Count == 0)
                    {
                        continue;
                    }

                    if (writer is not null)
                    {
                        writer.PushMessages(capability.Time, data);
                    }
                    else
                    {
                        pusher.Push(new Event<T, TData>.Messages(capability.Time, new List<TData>(data)));
                    }
                }

                // The last event (the frontier's move to empty) is written: end the pusher once.
                if (reported.Count == 0 && !ended)
                {
                    ended = true;
                    if (writer is not null)
                    {
                        writer.CaptureCompleted();
                    }
                    else
                    {
                        (pusher as IDisposable)?.Dispose();
                    }
                }
            };
        });
    }

    /// <summary>
    /// Captures <paramref name="stream"/> on this worker into a new <see cref="CaptureQueue{T, TData}"/>
    /// (timely's <c>capture()</c>, which returns an mpsc receiver). Read it with
    /// <see cref="CaptureQueue{T, TData}.Extract"/> after the run, or replay it from another thread.
    /// </summary>
    public static CaptureQueue<T, TData> Capture<T, TData>(this Stream<T, TData> stream)
    {
        var queue = new CaptureQueue<T, TData>();
        stream.CaptureInto(queue);
        return queue;
    }
}
