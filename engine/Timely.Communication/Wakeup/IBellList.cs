namespace Timely.Communication.Wakeup;

/// <summary>
/// The bells a sender rings, by target index: what <see cref="FenceThenRing"/> walks.
/// Implemented by structs only, so each kind gets its own compiled copy of the walk.
/// </summary>
internal interface IBellList
{
    /// <summary>Targets in the list.</summary>
    int Count { get; }

    /// <summary>Reads target <paramref name="index"/>'s doorbell and wakes its owner if it sleeps (the caller fenced).</summary>
    void RingAfterFence(int index);
}
