using System.Runtime.InteropServices;
using Timely.Dataflow.Channels;
using Timely.Dataflow.Operators.Generic;
using Timely.Dataflow.Timestamps;

namespace Timely.Dataflow.Operators;

/// <summary>
/// Operators that move records to later times: timely's <c>delay</c>, <c>delay_total</c>,
/// <c>delay_batch</c> and <c>reclock</c>. Each holds a capability per pending time (through a
/// <see cref="Notificator{T}"/>) and sends a time's records once the input frontier has
/// passed it, so downstream sees them all at once and in time order.
/// </summary>
/// <remarks>
/// The per-time lists are pooled: once a time's records are sent its list goes back to a
/// spare stack, so a steady stream of times allocates nothing per record.
/// </remarks>
public static class DelayOperators
{
    /// <summary>
    /// Sends each record at the time <paramref name="delay"/> gives for it (record, its time),
    /// which must not be earlier than its time (timely's <c>delay</c>). Records are released
    /// when the frontier passes their new time.
    /// </summary>
    public static Stream<T, TData> Delay<T, TData>(this Stream<T, TData> stream, Func<TData, T, T> delay)
        where T : notnull
    {
        ArgumentNullException.ThrowIfNull(delay);
        return NotifyShape.Unary<T, TData, TData>(stream, Pact<TData>.Pipeline, "Delay", (input, output, notificator) =>
        {
            var stash = new TimeStash<T, TData>();
            ForEachTimeLogic<T, TData> receive = (cap, batches) =>
            {
                foreach (var batch in batches)
                {
                    foreach (var item in CollectionsMarshal.AsSpan(batch))
                    {
                        stash.For(cap, delay(item, cap.Time), notificator).Add(item);
                    }
                }
            };
            return () =>
            {
                input.ForEachTime(receive);
                stash.Release(output, notificator);
            };
        });
    }

    /// <summary>
    /// <see cref="Delay"/> for totally ordered times (timely's <c>delay_total</c>; the same
    /// operator here, as in timely: with a total order a single frontier element decides).
    /// </summary>
    public static Stream<T, TData> DelayTotal<T, TData>(this Stream<T, TData> stream, Func<TData, T, T> delay)
        where T : notnull => stream.Delay(delay);

    /// <summary>
    /// Sends each batch at the time <paramref name="delay"/> gives for its time, not earlier
    /// (timely's <c>delay_batch</c>): one call per time, not per record.
    /// </summary>
    public static Stream<T, TData> DelayBatch<T, TData>(this Stream<T, TData> stream, Func<T, T> delay)
        where T : notnull
    {
        ArgumentNullException.ThrowIfNull(delay);
        return NotifyShape.Unary<T, TData, TData>(stream, Pact<TData>.Pipeline, "DelayBatch", (input, output, notificator) =>
        {
            var stash = new TimeStash<T, TData>();
            ForEachTimeLogic<T, TData> receive = (cap, batches) =>
            {
                var list = stash.For(cap, delay(cap.Time), notificator);
                foreach (var batch in batches)
                {
                    list.AddRange(batch);
                }
            };
            return () =>
            {
                input.ForEachTime(receive);
                stash.Release(output, notificator);
            };
        });
    }

    /// <summary>
    /// Holds the stream's records until a time of <paramref name="clock"/> at or after theirs
    /// is complete, then sends them at that clock time (timely's <c>reclock</c>): each record
    /// leaves at the first clock time not earlier than its own. Records that no clock time
    /// follows are never sent.
    /// </summary>
    public static Stream<T, TData> Reclock<T, TData, TClock>(this Stream<T, TData> stream, Stream<T, TClock> clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        return NotifyShape.Binary<T, TData, TClock, TData>(stream, clock, "Reclock", (data, ticks, output, notificator) =>
        {
            var traits = TimestampTraits<T>.Default;
            var stash = new List<(T Time, List<TData> Data)>();
            var spare = new Stack<List<TData>>();
            ForEachTimeLogic<T, TData> receive = (cap, batches) =>
            {
                var list = spare.TryPop(out var reused) ? reused : new List<TData>();
                foreach (var batch in batches)
                {
                    list.AddRange(batch);
                }

                stash.Add((cap.Time, list));
            };
            ForEachTimeLogic<T, TClock> tick = (cap, _) => notificator.NotifyAt(cap.Retain());
            return () =>
            {
                data.ForEachTime(receive);
                ticks.ForEachTime(tick);
                while (notificator.TryNext(out var time, out _))
                {
                    var session = notificator.Session(output);
                    int kept = 0;
                    for (int i = 0; i < stash.Count; i++)
                    {
                        var (at, list) = stash[i];
                        if (traits.LessEqual(at, time))
                        {
                            session.GiveList(list);
                            list.Clear();
                            spare.Push(list);
                        }
                        else
                        {
                            stash[kept++] = stash[i];
                        }
                    }

                    stash.RemoveRange(kept, stash.Count - kept);
                }
            };
        });
    }
}
