namespace Timely.Examples;

/// <summary>
/// A state per time an operator has received records at (a time's running sums, a time's
/// copied records), each with a capability for that time, kept until the operator's input
/// frontiers have passed it: <see cref="TimeStash{TData}"/>'s contract for states that take each
/// batch as it arrives, so the batch goes back to the engine at once. Times come out in order.
/// </summary>
/// <remarks>
/// A state handed back with <see cref="TimedPayloads{TPayload, TPolicy}.Return"/> (emptied by its
/// caller) is reused for a later time; <see cref="Dispose"/> disposes every state, held or spare.
/// </remarks>
internal sealed class HeldTimes<TState>(Func<TState> create)
    : TimedPayloads<TState, DisposableStates<TState>>(new DisposableStates<TState>(create)), IDisposable
    where TState : class, IDisposable
{
    /// <summary>Disposes every state held or spare (not one given out and not returned).</summary>
    public void Dispose() => FreeAll();
}
