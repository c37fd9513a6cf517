using System.Text;

namespace Timely.Dataflow.Capture;

/// <summary>timely's <c>Extract</c>: the data of captured events, gathered per time.</summary>
public static class ExtractExtensions
{
    /// <summary>
    /// The records of every Messages event, gathered per time: times ascending (by
    /// <see cref="Comparer{T}.Default"/>), each time's records sorted by
    /// <see cref="Comparer{T}.Default"/>, times without records left out. Progress events
    /// are ignored. Events from several workers can be concatenated in any order.
    /// </summary>
    public static List<(T Time, List<TData> Data)> Extract<T, TData>(this IEnumerable<Event<T, TData>> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        // timely's extract: gather the Messages, sort by time, merge equal times, sort each time's data.
        var messages = new List<(T Time, List<TData> Data)>();
        foreach (var e in events)
        {
            if (e is Event<T, TData>.Messages m && m.Data.Count > 0)
            {
                messages.Add((m.Time, m.Data));
            }
        }

        var timeComparer = Comparer<T>.Default;
        messages.Sort((x, y) => timeComparer.Compare(x.Time, y.Time));
        var result = new List<(T Time, List<TData> Data)>();
        foreach (var (time, data) in messages)
        {
            if (result.Count > 0 && timeComparer.Compare(result[^1].Time, time) == 0)
            {
                result[^1].Data.AddRange(data);
            }
            else
            {
                result.Add((time, new List<TData>(data)));
            }
        }

        foreach (var (_, data) in result)
        {
            data.Sort(Comparer<TData>.Default);
        }

        return result;
    }

    /// <summary>
    /// One line per time as Rust prints <c>{:?}</c> of <c>(time, data)</c>, e.g.
    /// <c>(0, [0, 0, 1, 1])</c>: the format of timely's golden <c>.replay.txt</c> files.
    /// </summary>
    public static IEnumerable<string> ToDebugLines<T, TData>(this IEnumerable<(T Time, List<TData> Data)> extracted)
    {
        ArgumentNullException.ThrowIfNull(extracted);
        foreach (var entry in extracted)
        {
            var sb = new StringBuilder();
            RustDebug.Append(sb, entry);
            yield return sb.ToString();
        }
    }
}
