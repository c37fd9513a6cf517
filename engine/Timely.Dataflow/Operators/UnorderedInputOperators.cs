using Timely.Dataflow.Operators.Generic;

namespace Timely.Dataflow.Operators;

/// <summary>An input whose times the caller controls through capabilities (timely's <c>new_unordered_input</c>).</summary>
public static class UnorderedInputOperators
{
    /// <summary>
    /// A new unordered input: its handle, its initial capability (at the minimum time; derive
    /// others with <see cref="Capability{T}.Delayed"/>, move it with
    /// <see cref="Capability{T}.Downgrade"/>, drop it with <see cref="Capability{T}.Dispose"/>),
    /// and its stream. Unlike an <see cref="InputHandle{T, TData}"/>, records may be sent at
    /// several times at once and out of order.
    /// </summary>
    public static (UnorderedHandle<T, TData> Handle, Capability<T> Capability, Stream<T, TData> Stream) NewUnorderedInput<T, TData>(this Scope<T> scope)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var builder = new OperatorBuilder<T>(scope, "UnorderedInput");
        var (output, stream) = builder.NewOutput<TData>();
        Capability<T>? capability = null;
        builder.Build(caps =>
        {
            capability = caps[0];
            return null;   // driven from outside: the handle schedules the scope, whose step flushes and harvests it
        });
        var handle = new UnorderedHandle<T, TData>(output, capability!);
        scope.AddInputHandle(handle);
        return (handle, capability!, stream);
    }
}
