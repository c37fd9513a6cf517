using Timely.Dataflow.Timestamps;

namespace Timely.Dataflow.Operators;

/// <summary>Timely's <c>Iterate</c>: a loop in an iterative scope around a stream.</summary>
public static class IterateOperators
{
    /// <summary>
    /// Runs <paramref name="logic"/> in an iterative scope on the stream entered at round 0
    /// concatenated with its own output of the round before (a loop variable with summary 1), and
    /// returns what <paramref name="logic"/> produces in every round, at the outer times. The
    /// iteration of a time ends when no record of it remains in the loop, so <paramref name="logic"/>
    /// must eventually stop producing (filter out what has converged).
    /// </summary>
    public static Stream<T, TData> Iterate<T, TData>(this Stream<T, TData> stream, Func<Stream<Product<T, ulong>, TData>, Stream<Product<T, ulong>, TData>> logic)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(logic);
        return stream.Scope.Scoped<T, ulong, Stream<T, TData>>("Iterate", inner =>
        {
            var (handle, cycle) = inner.LoopVariable<T, ulong, TData>(1);
            var result = logic(stream.Enter(inner).Concat(cycle));
            result.ConnectLoop(handle);
            return result.Leave();
        });
    }
}
