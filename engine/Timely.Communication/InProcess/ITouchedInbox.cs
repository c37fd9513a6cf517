namespace Timely.Communication.InProcess;

/// <summary>What an in-process allocator asks of a channel's receiving side that pushes put in its list of channels to look at.</summary>
internal interface ITouchedInbox : IChannelInbox
{
    /// <summary>The channel's id.</summary>
    int Id { get; }

    /// <summary>Whether the channel is in its allocator's list of channels to look at.</summary>
    bool Touched { get; set; }

    /// <summary>Whether a receive may report the channel (it is allocated on the receiving worker).</summary>
    bool Reportable { get; }

    /// <summary>
    /// Receiver: the channel was deallocated on the receiving worker. From now on it is never
    /// reported and it holds nothing: what is queued, and whatever a late push adds, is dropped
    /// at the next look, so a sweep lets the inbox go.
    /// </summary>
    void Drop();
}
