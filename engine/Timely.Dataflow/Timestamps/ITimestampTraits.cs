namespace Timely.Dataflow.Timestamps;

/// <summary>
/// The partial order and path summaries of a timestamp type <typeparamref name="T"/>: what
/// timely's <c>Timestamp</c>, <c>PartialOrder</c> and <c>PathSummary</c> traits give a Rust type.
/// </summary>
/// <remarks>
/// The traits live in a separate object (found through <see cref="TimestampTraits{T}.Default"/>,
/// like <see cref="EqualityComparer{T}.Default"/>) so that primitive types such as
/// <see cref="ulong"/> can be timestamps. A path summary is expressed in the timestamp's own
/// type (for <see cref="ulong"/> it is the number added), which covers the root-scope
/// timestamps this engine supports. <see cref="Comparer{T}.Default"/> must be a linear
/// extension of <see cref="LessEqual"/>: change batches sort by it and antichains rebuild
/// in its order.
/// </remarks>
public interface ITimestampTraits<T>
{
    /// <summary>The least timestamp; every dataflow starts with capabilities here.</summary>
    T Minimum { get; }

    /// <summary>The summary that leaves a time unchanged (timely's <c>Default</c> summary).</summary>
    T IdentitySummary { get; }

    /// <summary>The partial order: <c>true</c> when <paramref name="a"/> is at or before <paramref name="b"/>.</summary>
    bool LessEqual(T a, T b);

    /// <summary>
    /// Advances <paramref name="time"/> along <paramref name="summary"/>; <c>false</c> when the result
    /// does not exist (overflow), in which case nothing can be produced along that path.
    /// </summary>
    bool TryResultsIn(T time, T summary, out T result);

    /// <summary>The summary of following <paramref name="first"/> then <paramref name="second"/>; <c>false</c> on overflow.</summary>
    bool TryFollowedBy(T first, T second, out T result);
}
