namespace Timely.Logging;

/// <summary>
/// What a <see cref="Logger{T}"/> does with a batch of events (the action of timely's
/// <c>Registry::insert</c>). <paramref name="batch"/> holds events with non-decreasing times
/// and is only valid during the call (the logger reuses its buffer: copy what must outlive it).
/// <paramref name="time"/> bounds from below the time of every event that may follow. An empty
/// batch is a flush (timely's <c>None</c> container): nothing new, the bound has moved.
/// </summary>
/// <typeparam name="T">The event type.</typeparam>
public delegate void LogAction<T>(TimeSpan time, ReadOnlySpan<(TimeSpan Time, T Event)> batch);
