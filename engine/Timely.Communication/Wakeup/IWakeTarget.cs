using Timely.Communication.Fabrics;

namespace Timely.Communication.Wakeup;

/// <summary>
/// The sender's side of a wake-up: what a pusher calls after it publishes into a ring.
/// A worker's <see cref="Doorbell"/> is one; so is a TCP send path, which may carry the
/// bytes onto the socket itself instead of waking a thread (<see cref="TcpSendBell"/>).
/// </summary>
internal interface IWakeTarget
{
    /// <summary>Sender, per push: wake the owner if it is visibly asleep; no fence.</summary>
    void RingIfSleeping();

    /// <summary>Sender, at a flush, after its own full fence following the publishes: wake if asleep.</summary>
    void RingAfterFence();
}
