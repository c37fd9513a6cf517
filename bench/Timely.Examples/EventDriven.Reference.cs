namespace Timely.Examples;

// event_driven's check: the totals a complete run reports. (The example itself is in the other part of this class.)
public static partial class EventDriven
{
    /// <summary>The expected totals: ROUNDS per worker, and with <c>record</c> one record per round per worker out of the chains.</summary>
    public static (long Records, ulong Checksum) Reference(ulong rounds, bool record, int peers) =>
        ((long)rounds * peers, record ? rounds * (ulong)peers : 0);
}
