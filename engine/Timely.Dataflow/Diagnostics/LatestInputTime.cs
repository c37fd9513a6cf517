namespace Timely.Dataflow.Diagnostics;

/// <summary>
/// The latest time any input of one dataflow on one worker has moved to (input handles and async
/// sources), for the probe-lag metric: how far a probe's frontier is behind it. Kept for integer
/// times (<see cref="ulong"/>, <see cref="uint"/>); other times are not measured.
/// </summary>
internal sealed class LatestInputTime<T>
{
    // Design: written by the worker thread only (Advance), read by the metrics collector thread
    // (Value): one long, written and read with Volatile, so a reader sees a whole value.
    private long _value = -1;

    /// <summary>The latest input time, or -1 before any input moved or for times that are not integers.</summary>
    public long Value => Volatile.Read(ref _value);

    /// <summary>Worker thread: an input moved to <paramref name="time"/>.</summary>
    public void Advance(T time)
    {
        long t = AsLong(time);
        if (t > _value)
        {
            Volatile.Write(ref _value, t);
        }
    }

    /// <summary>An integer time as a long (saturated), or -1 for a time that is not an integer.</summary>
    public static long AsLong(T time)
    {
        if (typeof(T) == typeof(ulong))
        {
            ulong v = (ulong)(object)time!;
            return v > long.MaxValue ? long.MaxValue : (long)v;
        }

        if (typeof(T) == typeof(uint))
        {
            return (uint)(object)time!;
        }

        return -1;
    }
}
