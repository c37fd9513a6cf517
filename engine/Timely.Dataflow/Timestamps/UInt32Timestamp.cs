namespace Timely.Dataflow.Timestamps;

/// <summary><see cref="uint"/> timestamps: a total order; a summary adds, and overflow means "no result".</summary>
public sealed class UInt32Timestamp : ITimestampTraits<uint>
{
    // Design: immutable, one instance, shared by every thread.

    /// <summary>The one instance.</summary>
    public static readonly UInt32Timestamp Instance = new();

    private UInt32Timestamp()
    {
    }

    /// <inheritdoc />
    public uint Minimum => 0;

    /// <inheritdoc />
    public uint IdentitySummary => 0;

    /// <inheritdoc />
    public bool LessEqual(uint a, uint b) => a <= b;

    /// <inheritdoc />
    public bool TryResultsIn(uint time, uint summary, out uint result)
    {
        result = time + summary;
        return result >= time;
    }

    /// <inheritdoc />
    public bool TryFollowedBy(uint first, uint second, out uint result)
    {
        result = first + second;
        return result >= first;
    }
}
