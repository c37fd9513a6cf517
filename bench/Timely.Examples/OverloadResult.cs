namespace Timely.Examples;

/// <summary>One worker's figures of an <see cref="Overload"/> run.</summary>
/// <param name="Worker">Global worker index.</param>
/// <param name="Produced">Records this worker's input sent in the measured part (worker 0 only).</param>
/// <param name="Consumed">Records the consumer handled, with its cost, in the measured part.</param>
/// <param name="Dropped">Records that reached the consumer after the measured part (handled without cost).</param>
/// <param name="HeldBack">Time the input waited for its bound.</param>
public readonly record struct OverloadResult(int Worker, long Produced, long Consumed, long Dropped, TimeSpan HeldBack);
