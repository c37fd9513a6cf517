namespace Timely.Communication.Wakeup;

/// <summary>
/// A worker's wake-up word, in process memory (<see cref="Doorbell"/>) or in shared memory
/// between processes. See <see cref="Doorbell"/> for the protocol both follow.
/// </summary>
internal interface IDoorbell : IWakeTarget
{
    /// <summary>Sender, at a flush: full fence after the publishes, then wake if asleep.</summary>
    void RingFenced();

    /// <summary>Owner: sleep until rung or timed out, unless <paramref name="hasWork"/> finds work after announcing sleep.</summary>
    ParkOutcome Park<TState>(TimeSpan? timeout, Func<TState, bool> hasWork, TState state);

    /// <summary>Times the owner slept.</summary>
    long Parks { get; }

    /// <summary>Wake-ups sent to the owner.</summary>
    long Wakes { get; }
}
