namespace Timely.Examples;

/// <summary>
/// <see cref="HeldTimes{TState}"/>'s payload policy: states made by a function, handed back empty
/// by their caller (so nothing to ready), disposed at the end (native memory: their owner frees them).
/// </summary>
internal readonly struct DisposableStates<TState>(Func<TState> create) : IPayloadPolicy<TState>
    where TState : class, IDisposable
{
    /// <inheritdoc/>
    public TState Create() => create();

    /// <inheritdoc/>
    public void Recycle(TState payload)
    {
    }

    /// <inheritdoc/>
    public void Free(TState payload) => payload.Dispose();
}
