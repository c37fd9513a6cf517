using Timely.Dataflow.Operators.Generic;
using Timely.Dataflow.Progress;
using Timely.Dataflow.Timestamps;

namespace Timely.Dataflow.Operators;

/// <summary>Cycles in a dataflow: a feedback edge that advances time along a summary.</summary>
public static class LoopOperators
{
    /// <summary>
    /// A stream that replays, at <c>time + summary</c>, whatever is later connected to the
    /// handle with <see cref="ConnectLoop{T, TData}"/> (timely's <c>feedback</c>). Records whose
    /// time would overflow are dropped. The summary must advance time, or building fails.
    /// </summary>
    public static (FeedbackHandle<T, TData> Handle, Stream<T, TData> Stream) Feedback<T, TData>(this Scope<T> scope, T summary)
    {
        var builder = new OperatorBuilder<T>(scope, "Feedback") { NotifyOnFrontier = false };
        var (output, stream) = builder.NewOutput<TData>();
        var input = builder.NewUnconnectedInput<TData>([new Antichain<T>(summary)]);
        var traits = TimestampTraits<T>.Default;
        builder.Build(caps =>
        {
            caps[0].Dispose();
            return () =>
            {
                while (input.TryNext(out var cap, out _))
                {
                    if (traits.TryResultsIn(cap.Time, summary, out var later))
                    {
                        output.Forward(later, input.Current!);
                    }
                }
            };
        });
        return (new FeedbackHandle<T, TData>(scope, builder.Index, input), stream);
    }

    /// <summary>Closes a loop: the stream's records re-enter at the feedback's stream, delayed by its summary.</summary>
    public static void ConnectLoop<T, TData>(this Stream<T, TData> stream, FeedbackHandle<T, TData> handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        handle.Connect(stream);
    }
}
