using Timely.Transport.Shm.Wakeup;

namespace Timely.Communication.Wakeup;

/// <summary>
/// The engine's view of a worker's doorbell in shared memory: <see cref="IDoorbell"/> over a
/// <see cref="SharedDoorbell"/> (whose Design comment gives the protocol; it is
/// <see cref="Doorbell"/>'s, with a futex in place of the event).
/// </summary>
internal sealed class ShmDoorbell : IDoorbell
{
    private readonly SharedDoorbell _bell;

    public ShmDoorbell(SharedDoorbell bell) => _bell = bell;

    public long Parks => _bell.Parks;

    public long Wakes => _bell.Wakes;

    public void RingIfSleeping() => _bell.RingIfSleeping();

    public void RingAfterFence() => _bell.RingAfterFence();

    public void RingFenced() => _bell.RingFenced();

    public ParkOutcome Park<TState>(TimeSpan? timeout, Func<TState, bool> hasWork, TState state) =>
        _bell.Park(timeout, hasWork, state) switch
        {
            0 => ParkOutcome.DidNotSleep,
            1 => ParkOutcome.Woken,
            _ => ParkOutcome.TimedOut,
        };
}
