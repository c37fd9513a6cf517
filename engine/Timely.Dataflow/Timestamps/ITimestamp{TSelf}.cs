namespace Timely.Dataflow.Timestamps;

/// <summary>
/// A timestamp type of your own (timely's <c>Timestamp</c>, <c>PartialOrder</c> and
/// <c>PathSummary</c> traits, stated as static members): implement it on a struct and use the
/// struct as a dataflow's or a nested scope's time. <see cref="TimestampTraits{T}.Default"/> finds
/// it like the built-in <see cref="ulong"/>, <see cref="uint"/> and <see cref="Product{TOuter, TInner}"/>.
/// </summary>
/// <remarks>
/// <para>As for the built-in types, a path summary is a value of the timestamp type itself (for
/// <see cref="ulong"/>, the number added), and <see cref="IComparable{T}.CompareTo"/> must be a
/// linear extension of <see cref="LessEqual"/>: change batches sort by it and antichains rebuild
/// in its order. <see cref="IEquatable{T}"/> must agree with both.</para>
/// <para>A struct, because the traits are found through <c>default(TSelf)</c>, which only a value
/// type has without a constructor call. Records crossing workers or files need a wire codec: an
/// unmanaged struct of sequential layout has one (its bytes); otherwise register one with
/// <c>WireCodec.Register</c>.</para>
/// </remarks>
/// <typeparam name="TSelf">The implementing struct.</typeparam>
public interface ITimestamp<TSelf> : ITimestamp, IComparable<TSelf>, IEquatable<TSelf>
    where TSelf : struct, ITimestamp<TSelf>
{
    /// <summary>The least timestamp; every dataflow starts with capabilities here.</summary>
    static abstract TSelf Minimum { get; }

    /// <summary>The summary that leaves a time unchanged (timely's <c>Default</c> summary).</summary>
    static abstract TSelf IdentitySummary { get; }

    /// <inheritdoc cref="ITimestampTraits{T}.LessEqual"/>
    static abstract bool LessEqual(TSelf a, TSelf b);

    /// <inheritdoc cref="ITimestampTraits{T}.TryResultsIn"/>
    static abstract bool TryResultsIn(TSelf time, TSelf summary, out TSelf result);

    /// <inheritdoc cref="ITimestampTraits{T}.TryFollowedBy"/>
    static abstract bool TryFollowedBy(TSelf first, TSelf second, out TSelf result);

    object ITimestamp.Traits => StaticTimestampTraits<TSelf>.Instance;
}
