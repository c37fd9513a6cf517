namespace Timely.Dataflow.Timestamps;

/// <summary>
/// The <see cref="ITimestampTraits{T}"/> of a struct that implements <see cref="ITimestamp{TSelf}"/>:
/// each member calls the struct's static one.
/// </summary>
/// <remarks>
/// Sealed and reached through <see cref="TimestampTraits{T}.Default"/>, a static readonly field, so
/// once tiered up the JIT devirtualizes the calls and inlines the struct's members: a timestamp of
/// your own costs the progress code what a built-in one does.
/// </remarks>
internal sealed class StaticTimestampTraits<T> : ITimestampTraits<T>
    where T : struct, ITimestamp<T>
{
    // Design: stateless, one instance per type, shared by every thread.

    /// <summary>The one instance.</summary>
    public static readonly StaticTimestampTraits<T> Instance = new();

    private StaticTimestampTraits()
    {
    }

    /// <inheritdoc />
    public T Minimum => T.Minimum;

    /// <inheritdoc />
    public T IdentitySummary => T.IdentitySummary;

    /// <inheritdoc />
    public bool LessEqual(T a, T b) => T.LessEqual(a, b);

    /// <inheritdoc />
    public bool TryResultsIn(T time, T summary, out T result) => T.TryResultsIn(time, summary, out result);

    /// <inheritdoc />
    public bool TryFollowedBy(T first, T second, out T result) => T.TryFollowedBy(first, second, out result);
}
