namespace Timely.Bench.TransportBench;

/// <summary>How <c>shm-bench</c>'s back-off layer waits for the reply (<c>--backoff</c>).</summary>
public enum BackOff
{
    /// <summary>The engine's idle wait: looks a single PAUSE apart for its first 16 units, then one unit apart, then SpinOnce's yields.</summary>
    Fast,

    /// <summary>The engine's idle wait before the fast looks: one look per <see cref="Thread.SpinWait"/> unit, then SpinOnce's yields.</summary>
    Units,

    /// <summary>The wait before the one-unit looks: <see cref="SpinWait.SpinOnce(int)"/> from the first look (1, 2, 4, then 7 units apart).</summary>
    SpinOnce,
}
