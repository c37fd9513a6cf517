using Timely.Dataflow.Scheduling;

namespace Timely.Dataflow.Operators;

/// <summary>
/// Schedules one operator from any thread (timely's <c>SyncActivator</c>): the activation is
/// queued for the operator's worker, and the worker is woken if it is parked. This is how
/// events from outside (a socket, a timer thread, a device) drive an operator without the
/// worker polling: timely's event-driven pattern. Get it with
/// <see cref="ActivatorOperators.SyncActivatorFor{T}"/>.
/// </summary>
/// <remarks>
/// Post the event's data first (to a concurrent queue the operator drains), then call
/// <see cref="Activate"/>: the queue's publication happens before the activation, so the
/// operator run that the activation causes sees the data. An activation after the dataflow
/// has completed is ignored.
/// </remarks>
public sealed class SyncActivator
{
    // Design: any thread may call Activate: it only enqueues into the worker's Activations (a
    // concurrent queue) and unparks the worker; the worker applies the activation on its own thread.
    private readonly ActivationSet _scope;
    private readonly Activations _activations;

    internal SyncActivator(ActivationSet scope, int operatorIndex, Activations activations)
    {
        _scope = scope;
        _activations = activations;
        Operator = operatorIndex;
    }

    /// <summary>The index of the operator this activator schedules.</summary>
    public int Operator { get; }

    /// <summary>Any thread: schedules the operator at its worker's next step, waking the worker if it is parked.</summary>
    public void Activate() => _activations.ActivateFromAnyThread(_scope, Operator);
}
