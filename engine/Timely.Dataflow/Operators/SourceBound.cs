namespace Timely.Dataflow.Operators;

/// <summary>
/// How far a source may run ahead of its dataflow: given to an <see cref="InputHandle{T, TData}"/>
/// (<see cref="InputHandle{T, TData}.Bound"/>) or an async source
/// (<see cref="AsyncSourceOperators"/>), it makes the source wait, stepping its worker, instead
/// of sending more while the dataflow is behind. Two limits, either or both:
/// <list type="bullet">
/// <item><see cref="MaxOutstandingTimes"/>: how many of the times the source has moved past may
/// still be ahead of <see cref="Probe"/>'s frontier (not yet complete where the probe is).</item>
/// <item><see cref="MaxOverflowBytes"/>: how many bytes may wait in this worker's outbound
/// overflow queues (messages for which a ring to another worker had no room).</item>
/// </list>
/// </summary>
/// <remarks>
/// Waiting happens only in the source, never in an operator: an input handle waits inside
/// <see cref="InputHandle{T, TData}.AdvanceTo"/>, <see cref="InputHandle{T, TData}.SendBatch"/> and
/// the <see cref="InputHandle{T, TData}.Send(TData)"/> that completes a batch, by stepping the
/// worker (so every operator, exchange and progress message keeps moving, and two workers that
/// wait on each other still make progress); an async source stops reading its channel and
/// looks again a millisecond later. A handle used while its worker is stepping (from inside an
/// operator) does not wait. Each worker's source waits for its own bound; the probe should watch
/// the stream the source's records end up in. The time spent waiting is the source's
/// <c>timely.source.held_back</c> metric (<see cref="Diagnostics.DataflowMetrics"/>).
/// </remarks>
public sealed class SourceBound<T>
{
    /// <summary>A bound on outstanding times (<paramref name="maxOutstandingTimes"/> past <paramref name="probe"/>'s frontier) and, optionally, on overflow bytes.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative time count, or a byte count below 1.</exception>
    public SourceBound(ProbeHandle<T> probe, int maxOutstandingTimes, long maxOverflowBytes = long.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentOutOfRangeException.ThrowIfNegative(maxOutstandingTimes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxOverflowBytes);
        Probe = probe;
        MaxOutstandingTimes = maxOutstandingTimes;
        MaxOverflowBytes = maxOverflowBytes;
    }

    /// <summary>A bound on this worker's overflow bytes alone.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A byte count below 1.</exception>
    public SourceBound(long maxOverflowBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxOverflowBytes);
        MaxOverflowBytes = maxOverflowBytes;
    }

    /// <summary>The probe whose frontier says which times are done (null: no bound on times).</summary>
    public ProbeHandle<T>? Probe { get; }

    /// <summary>
    /// Times the source has moved past that may be incomplete at <see cref="Probe"/> at once
    /// (0: move on only once the probe has passed every earlier time); <see cref="int.MaxValue"/> when there is no probe.
    /// </summary>
    public int MaxOutstandingTimes { get; } = int.MaxValue;

    /// <summary>Bytes this worker's outbound overflow queues may hold before the source waits (<see cref="long.MaxValue"/>: no bound).</summary>
    public long MaxOverflowBytes { get; }
}
