using System.Runtime.InteropServices;
using Timely.Dataflow.Progress;
using Timely.Dataflow.Timestamps;

namespace Timely.Dataflow.Capture;

/// <summary>
/// The rules a captured stream follows so that <see cref="ReplayOperators.ReplayInto{T, TData}"/>
/// can replay it on any number of workers (timely's capture protocol), as a checker.
/// </summary>
/// <remarks>
/// With the counts accumulated from (minimum, 1) plus every Progress event so far:
/// <list type="number">
/// <item>P1: each Progress event is non-empty and compacted: times strictly ascending by
/// <see cref="Comparer{T}.Default"/>, no zero diff.</item>
/// <item>P2 (timely's rule 1): a Progress event increments the count at t only if, before the
/// event, some time at or before t (timestamp partial order) has a positive count.</item>
/// <item>P3 (timely's rule 2): each Messages event is non-empty and is emitted while some time at
/// or before its time has a positive count.</item>
/// <item>P4: no accumulated count is ever negative.</item>
/// <item>P5: nothing follows the event that brings every count to zero; a complete stream
/// (<c>complete</c> true) ends there.</item>
/// </list>
/// Our capture operator writes frontier changes, so its streams satisfy all five; the checker
/// is what <c>timely replay-file</c> runs on files before replaying them, and what the
/// property tests assert.
/// </remarks>
public static class CaptureProtocol
{
    /// <summary>The first rule <paramref name="events"/> breaks, as a sentence naming the event index; null if none.</summary>
    public static string? FindViolation<T, TData>(IEnumerable<Event<T, TData>> events, bool complete)
    {
        ArgumentNullException.ThrowIfNull(events);
        var traits = TimestampTraits<T>.Default;
        var comparer = Comparer<T>.Default;
        var counts = new ChangeBatch<T>();
        counts.Update(traits.Minimum, 1);
        bool finished = false;
        long index = 0;
        foreach (var e in events)
        {
            if (finished)
            {
                return $"event {index}: {Describe(e)} follows the event that retired every count (P5)";
            }

            if (e is Event<T, TData>.Messages m)
            {
                if (m.Data.Count == 0)
                {
                    return $"event {index}: Messages at {m.Time} has no records (P3)";
                }

                if (!Held(counts, m.Time, traits))
                {
                    return $"event {index}: Messages at {m.Time} while no count at or before it is held (P3)";
                }
            }
            else
            {
                var updates = CollectionsMarshal.AsSpan(((Event<T, TData>.Progress)e).Updates);
                if (updates.IsEmpty)
                {
                    return $"event {index}: empty Progress (P1)";
                }

                for (int i = 0; i < updates.Length; i++)
                {
                    if (updates[i].Diff == 0)
                    {
                        return $"event {index}: Progress has a zero diff at {updates[i].Time} (P1)";
                    }

                    if (i > 0 && comparer.Compare(updates[i - 1].Time, updates[i].Time) >= 0)
                    {
                        return $"event {index}: Progress times are not strictly ascending ({updates[i - 1].Time} then {updates[i].Time}) (P1)";
                    }
                }

                foreach (var (time, diff) in updates)
                {
                    if (diff > 0 && !Held(counts, time, traits))
                    {
                        return $"event {index}: Progress increments {time} while no count at or before it is held (P2)";
                    }
                }

                counts.Extend(updates);
                foreach (var (time, count) in counts.Compacted())
                {
                    if (count < 0)
                    {
                        return $"event {index}: the count at {time} goes to {count} (P4)";
                    }
                }

                finished = counts.IsEmpty;
            }

            index++;
        }

        if (complete && !finished)
        {
            var left = string.Join(", ", counts.Compacted().ToArray().Select(u => $"({u.Item}, {u.Diff})"));
            return $"the stream ends after {index} event(s) with counts still held: [{left}] (P5: truncated or still being written)";
        }

        return null;
    }

    /// <summary>Throws <see cref="InvalidDataException"/> naming <paramref name="source"/> if <paramref name="events"/> break a rule.</summary>
    public static void Validate<T, TData>(IEnumerable<Event<T, TData>> events, bool complete, string source)
    {
        string? violation = FindViolation(events, complete);
        if (violation is not null)
        {
            throw new InvalidDataException($"{source}: captured stream breaks the replay protocol: {violation}");
        }
    }

    /// <summary>Whether some time at or before <paramref name="time"/> has a positive count.</summary>
    private static bool Held<T>(ChangeBatch<T> counts, T time, ITimestampTraits<T> traits)
    {
        foreach (var (held, count) in counts.Compacted())
        {
            if (count > 0 && traits.LessEqual(held, time))
            {
                return true;
            }
        }

        return false;
    }

    private static string Describe<T, TData>(Event<T, TData> e) => e is Event<T, TData>.Messages m ? $"Messages at {m.Time}" : "Progress";
}
