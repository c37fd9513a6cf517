using Timely.Dataflow.Operators.Generic;

namespace Timely.Dataflow.Operators;

/// <summary>
/// Activators for operators (timely's <c>scope.activator_for</c> and
/// <c>scope.sync_activator_for</c>) and the <c>source</c> operator that event-driven inputs are
/// built from.
/// </summary>
public static class ActivatorOperators
{
    /// <summary>An activator for operator <paramref name="operatorIndex"/> of this dataflow, for use on the worker's thread.</summary>
    public static OperatorActivator ActivatorFor<T>(this Scope<T> scope, int operatorIndex)
    {
        ArgumentNullException.ThrowIfNull(scope);
        return new OperatorActivator(scope.Activations, operatorIndex, scope.Worker.Activations);
    }

    /// <summary>An activator for operator <paramref name="operatorIndex"/> of this dataflow that any thread may use.</summary>
    public static SyncActivator SyncActivatorFor<T>(this Scope<T> scope, int operatorIndex)
    {
        ArgumentNullException.ThrowIfNull(scope);
        return new SyncActivator(scope.Activations, operatorIndex, scope.Worker.Activations);
    }

    /// <summary>
    /// An operator with no input and one output (timely's <c>source</c>).
    /// <paramref name="constructor"/> gets the output's initial capability and the operator's
    /// index (for <see cref="ActivatorFor{T}"/> or <see cref="SyncActivatorFor{T}"/>) and returns
    /// the logic. The logic runs once at the start and then only when activated; the stream
    /// ends when the operator has dropped every capability.
    /// </summary>
    public static Stream<T, TData> Source<T, TData>(this Scope<T> scope, string name, Func<Capability<T>, int, Action<OutputPort<T, TData>>> constructor)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(constructor);
        var builder = new OperatorBuilder<T>(scope, name);
        var (output, stream) = builder.NewOutput<TData>();
        int index = builder.Index;
        builder.Build(caps =>
        {
            var logic = constructor(caps[0], index);
            return () => logic(output);
        });
        return stream;
    }
}
