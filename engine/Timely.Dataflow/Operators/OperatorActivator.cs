using Timely.Dataflow.Scheduling;

namespace Timely.Dataflow.Operators;

/// <summary>
/// Schedules one operator from its worker's own thread (timely's <c>Activator</c>; renamed
/// because <c>System.Activator</c> is in every C# file's scope): an operator that wants to run
/// again without new input, or after a while, keeps one. Get it with
/// <see cref="ActivatorOperators.ActivatorFor{T}"/>. Not thread-safe; from other threads use a
/// <see cref="SyncActivator"/>.
/// </summary>
public sealed class OperatorActivator
{
    // Design: for the worker thread that owns the operator only: it sets a flag in that scope's
    // ActivationSet directly. Other threads use a SyncActivator.
    private readonly ActivationSet _scope;
    private readonly Activations _activations;

    internal OperatorActivator(ActivationSet scope, int operatorIndex, Activations activations)
    {
        _scope = scope;
        _activations = activations;
        Operator = operatorIndex;
    }

    /// <summary>The index of the operator this activator schedules.</summary>
    public int Operator { get; }

    /// <summary>Schedules the operator at the worker's next step.</summary>
    public void Activate() => _scope.Activate(Operator);

    /// <summary>
    /// Schedules the operator once <paramref name="delay"/> has passed (timely's
    /// <c>activate_after</c>; zero or less is <see cref="Activate"/>). A parked worker wakes for it.
    /// </summary>
    public void ActivateAfter(TimeSpan delay) => _activations.ActivateAfter(_scope, Operator, delay);
}
