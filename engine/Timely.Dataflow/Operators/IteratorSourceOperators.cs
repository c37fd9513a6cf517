using Timely.Dataflow.Timestamps;

namespace Timely.Dataflow.Operators;

/// <summary>
/// timely's flow-controlled source, <c>iterator_source</c>: a source that asks a function for
/// its next input only once a probe shows the dataflow has caught up with the target the
/// previous call named. It is the building block of source back-pressure; an
/// <see cref="InputHandle{T, TData}"/> with a <see cref="SourceBound{T}"/> does the same for
/// a program that feeds its input itself.
/// </summary>
public static class IteratorSourceOperators
{
    /// <summary>
    /// A stream fed by repeated calls of <paramref name="input"/> (timely's <c>iterator_source</c>).
    /// The function gets the source's current time and returns null at the end of the input, or
    /// an <see cref="IteratorSourceInput{T, TData}"/>: records by time, a lower bound on later
    /// times, and a target. The source sends the records, then calls again at once while the
    /// probe is not strictly before the target and the call gave records; otherwise it runs again
    /// at the worker's next step and calls once <paramref name="probe"/> has reached the target.
    /// Times must be totally ordered (integers, say), as in timely.
    /// </summary>
    /// <exception cref="InvalidOperationException">(When the source runs.) A call gave a time before the source's current time.</exception>
    public static Stream<T, TData> IteratorSource<T, TData>(this Scope<T> scope, string name, Func<T, IteratorSourceInput<T, TData>?> input, ProbeHandle<T> probe)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(probe);
        var traits = TimestampTraits<T>.Default;
        T target = traits.Minimum;
        return scope.Source<T, TData>(name, (initial, index) =>
        {
            Capability<T>? capability = initial;
            var activator = scope.ActivatorFor(index);
            return output =>
            {
                while (capability is not null && !probe.LessThan(target))
                {
                    if (input(capability.Time) is not { } next)
                    {
                        output.Flush();
                        capability.Dispose();
                        capability = null;
                        break;
                    }

                    target = next.Target;
                    bool hasData = false;
                    foreach (var (time, records) in next.Data)
                    {
                        if (!EqualityComparer<T>.Default.Equals(capability.Time, time))
                        {
                            output.Flush();
                            capability.Downgrade(time);
                        }

                        var session = output.Session(capability);
                        foreach (var record in records)
                        {
                            session.Give(record);
                        }

                        hasData = true;
                    }

                    if (traits.LessEqual(capability.Time, next.LowerBound) && !EqualityComparer<T>.Default.Equals(capability.Time, next.LowerBound))
                    {
                        output.Flush();
                        capability.Downgrade(next.LowerBound);
                    }

                    if (!hasData)
                    {
                        break;
                    }
                }

                if (capability is not null)
                {
                    activator.Activate();
                }
            };
        });
    }
}
