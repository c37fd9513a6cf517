namespace Timely.Communication.InProcess;

/// <summary>What a single-worker allocator asks of its channels: the inbox, its id, and whether it is listed to be looked at.</summary>
internal interface IThreadInbox : IChannelInbox
{
    /// <summary>The channel's id.</summary>
    int Id { get; }

    /// <summary>Whether the channel is in its allocator's list of channels to look at.</summary>
    bool Touched { get; set; }

    /// <summary>The channel was deallocated: forget its messages and buffers (it stays listed until the next receive finds it empty).</summary>
    void Drop();
}
