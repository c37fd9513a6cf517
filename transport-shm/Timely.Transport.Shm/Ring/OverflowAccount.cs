namespace Timely.Transport.Shm.Ring;

/// <summary>
/// The bytes waiting in every <see cref="RingWriter"/>'s overflow queue in this process, and
/// their peak: what a producer that outruns its readers costs in this process's memory.
/// </summary>
/// <remarks>
/// Design: writers on any thread add to one total. A writer changes it only where its own
/// queue already changes (a message spilled, a run of queued messages moved into the ring, a
/// dispose), never on the path where a message goes straight into the ring, so the interlocked
/// add is paid only by messages that are copied into a rented buffer anyway. The peak is raised
/// by a compare-and-swap loop that runs only when a new peak is reached.
/// </remarks>
public static class OverflowAccount
{
    private static long _bytes;
    private static long _peak;

    /// <summary>Bytes in overflow queues of this process now.</summary>
    public static long Bytes => Volatile.Read(ref _bytes);

    /// <summary>The most <see cref="Bytes"/> has been since the process started (or <see cref="ResetPeak"/>).</summary>
    public static long PeakBytes => Volatile.Read(ref _peak);

    /// <summary>Sets <see cref="PeakBytes"/> back to <see cref="Bytes"/> (a measurement's start).</summary>
    public static void ResetPeak() => Volatile.Write(ref _peak, Bytes);

    /// <summary>Adds <paramref name="delta"/> (negative when messages left a queue); returns the new total.</summary>
    internal static long Add(long delta)
    {
        long total = Interlocked.Add(ref _bytes, delta);
        if (delta > 0)
        {
            long peak = Volatile.Read(ref _peak);
            while (total > peak)
            {
                long seen = Interlocked.CompareExchange(ref _peak, total, peak);
                if (seen == peak)
                {
                    break;
                }

                peak = seen;
            }
        }

        return total;
    }
}
