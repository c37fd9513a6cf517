namespace Timely.Dataflow.Timestamps;

/// <summary><see cref="ulong"/> timestamps: a total order; a summary adds, and overflow means "no result".</summary>
public sealed class UInt64Timestamp : ITimestampTraits<ulong>
{
    // Design: immutable, one instance, shared by every thread.

    /// <summary>The one instance.</summary>
    public static readonly UInt64Timestamp Instance = new();

    private UInt64Timestamp()
    {
    }

    /// <inheritdoc />
    public ulong Minimum => 0;

    /// <inheritdoc />
    public ulong IdentitySummary => 0;

    /// <inheritdoc />
    public bool LessEqual(ulong a, ulong b) => a <= b;

    /// <inheritdoc />
    public bool TryResultsIn(ulong time, ulong summary, out ulong result)
    {
        result = time + summary;
        return result >= time;
    }

    /// <inheritdoc />
    public bool TryFollowedBy(ulong first, ulong second, out ulong result)
    {
        result = first + second;
        return result >= first;
    }
}
