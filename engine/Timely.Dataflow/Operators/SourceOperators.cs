using Timely.Dataflow.Operators.Generic;

namespace Timely.Dataflow.Operators;

/// <summary>Operators that bring records into a dataflow: inputs and collections.</summary>
public static class SourceOperators
{
    /// <summary>A new input and its stream (timely's <c>scope.new_input()</c>).</summary>
    public static (InputHandle<T, TData> Handle, Stream<T, TData> Stream) NewInput<T, TData>(this Scope<T> scope)
    {
        var handle = new InputHandle<T, TData>();
        return (handle, scope.InputFrom(handle));
    }

    /// <summary>Connects <paramref name="handle"/> to a new input operator and returns its stream (timely's <c>input_from</c>).</summary>
    public static Stream<T, TData> InputFrom<T, TData>(this Scope<T> scope, InputHandle<T, TData> handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        var builder = new OperatorBuilder<T>(scope, "Input");
        var (output, stream) = builder.NewOutput<TData>();
        builder.Build(caps =>
        {
            handle.Attach(output, caps[0], scope);
            return null;
        });
        scope.AddInputHandle(handle);
        return stream;
    }

    /// <summary>
    /// A stream of every record of <paramref name="items"/> at the minimum time, produced when
    /// the dataflow first runs (timely's <c>to_stream</c>). Each worker sends its own items.
    /// </summary>
    public static Stream<T, TData> ToStream<T, TData>(this IEnumerable<TData> items, Scope<T> scope)
    {
        ArgumentNullException.ThrowIfNull(items);
        var builder = new OperatorBuilder<T>(scope, "ToStream");
        var (output, stream) = builder.NewOutput<TData>();
        builder.Build(caps =>
        {
            Capability<T>? capability = caps[0];
            return () =>
            {
                if (capability is null)
                {
                    return;
                }

                var session = output.Session(capability);
                foreach (var item in items)
                {
                    session.Give(item);
                }

                output.Flush();
                capability.Dispose();
                capability = null;
            };
        });
        return stream;
    }
}
