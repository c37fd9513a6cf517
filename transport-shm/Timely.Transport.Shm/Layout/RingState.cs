namespace Timely.Transport.Shm.Layout;

/// <summary>Lifecycle word in the ring header (<see cref="RingDescriptor.StateOffset"/>).</summary>
public enum RingState
{
    /// <summary>Zeroed memory: nobody has initialized the ring yet.</summary>
    Uninitialized = 0,

    /// <summary>Initialized and usable.</summary>
    Active = 1,

    /// <summary>The creator shut the ring down cleanly; attaching again is refused.</summary>
    Closed = 2,
}
