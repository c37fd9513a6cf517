using System.Diagnostics;
using Timely.Communication;

namespace Timely.Dataflow.Operators;

/// <summary>
/// The waiting logic of one bounded source: the times it moved past that its probe has not yet
/// passed, the overflow checks, and the time it was held back.
/// </summary>
/// <remarks>
/// Design: owned by the source's worker thread (the probe it reads belongs to that thread too).
/// The times are a queue in the order the source left them; since a source's times only move
/// forward, the probe passes them from the front.
/// </remarks>
internal sealed class SourceGate<T>
{
    private readonly Worker _worker;
    private readonly Queue<T> _outstanding = new();
    private readonly KeyValuePair<string, object?>[] _tags;
    private SourceBound<T>? _bound;
    private long _heldTicks;

    public SourceGate(Worker worker, int dataflow, int operatorIndex, SourceBound<T>? bound)
    {
        _worker = worker;
        _bound = bound;
        _tags = [new("timely.worker", worker.Index), new("timely.dataflow", dataflow), new("timely.operator", operatorIndex)];
        Active = bound is not null || worker.Allocator.OverflowBudgetBytes != long.MaxValue;
    }

    /// <summary>Whether any bound applies (the source's own, or the job's overflow budget): when not, the source never asks.</summary>
    public bool Active { get; private set; }

    /// <summary>Time spent held back so far.</summary>
    public TimeSpan HeldBack => Stopwatch.GetElapsedTime(0, _heldTicks);

    /// <summary>Replaces the bound (the times already left are kept).</summary>
    public void SetBound(SourceBound<T>? bound)
    {
        _bound = bound;
        Active = bound is not null || _worker.Allocator.OverflowBudgetBytes != long.MaxValue;
        if (bound?.Probe is null)
        {
            _outstanding.Clear();
        }
    }

    /// <summary>The source moved on from <paramref name="time"/>.</summary>
    public void Left(T time)
    {
        if (_bound?.Probe is not null)
        {
            _outstanding.Enqueue(time);
        }
    }

    /// <summary>Whether the source must not send more now.</summary>
    public bool MustWait
    {
        get
        {
            var allocator = _worker.Allocator;
            if (Allocator.ProcessOverflowBytes > allocator.OverflowBudgetBytes)
            {
                return true;
            }

            if (_bound is not { } bound)
            {
                return false;
            }

            if (bound.Probe is { } probe)
            {
                while (_outstanding.TryPeek(out var time) && !probe.LessEqual(time))
                {
                    _outstanding.Dequeue();
                }

                if (_outstanding.Count > bound.MaxOutstandingTimes)
                {
                    return true;
                }
            }

            return bound.MaxOverflowBytes != long.MaxValue && allocator.OverflowBytes > bound.MaxOverflowBytes;
        }
    }

    /// <summary>
    /// Steps the worker while the source must wait and <paramref name="open"/> holds (the source
    /// is still open); does nothing while the worker is stepping (a source fed from inside an operator).
    /// </summary>
    public void Wait(Func<bool> open)
    {
        if (_worker.IsStepping || !MustWait)
        {
            return;
        }

        long start = Stopwatch.GetTimestamp();
        while (open() && MustWait && _worker.StepOrPark(Poll))
        {
        }

        Held(Stopwatch.GetTimestamp() - start);
    }

    /// <summary>Adds <paramref name="ticks"/> (<see cref="Stopwatch"/> ticks) of waiting to the total and the metric.</summary>
    public void Held(long ticks)
    {
        _heldTicks += ticks;
        if (Diagnostics.DataflowMetrics.HeldBack.Enabled)
        {
            Diagnostics.DataflowMetrics.HeldBack.Add((double)ticks / Stopwatch.Frequency, _tags);
        }
    }

    /// <summary>
    /// How long a waiting source parks at most between looks: nothing rings a worker when a
    /// reader makes room in a ring, so the overflow checks are polled (a probe's progress does
    /// wake the worker).
    /// </summary>
    public static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(1);
}
