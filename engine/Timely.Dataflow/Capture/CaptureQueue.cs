using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace Timely.Dataflow.Capture;

/// <summary>
/// A thread-safe FIFO of captured events (timely's mpsc channel for <c>capture()</c>): a worker
/// pushes, and any thread iterates, replays (<see cref="IEventIterator{T, TData}"/>) or
/// <see cref="Extract"/>s it.
/// </summary>
public sealed class CaptureQueue<T, TData> : IEventPusher<T, TData>, IEventIterator<T, TData>
{
    // Design: multi-producer multi-consumer through ConcurrentQueue, which publishes each pushed
    // event (and the lists it references, written before the push) to the thread that dequeues
    // it. No other state, so no field needs to be volatile and nothing is cached. Usually one
    // worker pushes and one thread reads, after the run (Execute.Run's join orders it) or while
    // it goes on (a replay on another worker polls TryNext).
    private readonly ConcurrentQueue<Event<T, TData>> _events = new();

    /// <summary>Events pushed and not yet taken.</summary>
    public int Count => _events.Count;

    /// <summary>Appends <paramref name="e"/>; safe from any thread.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="e"/> is null.</exception>
    public void Push(Event<T, TData> e)
    {
        ArgumentNullException.ThrowIfNull(e);
        _events.Enqueue(e);
    }

    /// <summary>Takes the oldest event not yet taken; false (and null) when the queue is empty now. Never blocks.</summary>
    public bool TryNext([NotNullWhen(true)] out Event<T, TData>? e) => _events.TryDequeue(out e);

    /// <summary>Takes every event available now, in order.</summary>
    public List<Event<T, TData>> Drain()
    {
        var list = new List<Event<T, TData>>(_events.Count);
        while (_events.TryDequeue(out var e))
        {
            list.Add(e);
        }

        return list;
    }

    /// <summary>Takes every event available now and extracts the data (see <see cref="ExtractExtensions.Extract{T, TData}"/>).</summary>
    public List<(T Time, List<TData> Data)> Extract() => Drain().Extract();
}
